// seccomp_agent SOCKET OUTFILE -- a minimal seccomp agent (linux.seccomp.listenerPath)
// for the security tests. Listens on SOCKET, then forks and the parent exits (so the
// socket exists when it returns). The child accepts one connection, writes the
// container process state it receives to OUTFILE, closes the notify fd (the notified
// syscalls then fail with ENOSYS) and creates OUTFILE.done.
#define _GNU_SOURCE
#include "one_client.h"
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  int out;
  int c = accept_one(argv[1], argv[2], 0, &out);
  if (c >= 0) {
    static char buf[65536];
    char cbuf[CMSG_SPACE(sizeof(int) * 4)];
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    ssize_t n = recvmsg(c, &m, MSG_CMSG_CLOEXEC);
    if (n > 0) (void)!write(out, buf, (size_t)n);
    for (struct cmsghdr* cm = CMSG_FIRSTHDR(&m); cm; cm = CMSG_NXTHDR(&m, cm)) {
      if (cm->cmsg_type != SCM_RIGHTS) continue;
      int fd;
      memcpy(&fd, CMSG_DATA(cm), sizeof fd);
      close(fd);
    }
    close(c);
  }
  return finish(out, argv[2]);
}
