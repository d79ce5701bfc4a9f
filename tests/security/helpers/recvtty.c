// recvtty SOCKET OUTFILE -- a --console-socket receiver for the security tests. Listens
// on SOCKET, then forks and the parent prints the child's pid and exits (so the socket
// exists when it returns, and a test whose create failed can stop the receiver).
// The child accepts one connection, receives the pty master (SCM_RIGHTS), copies what
// the container writes to OUTFILE until the pty closes, then creates OUTFILE.done.
#define _GNU_SOURCE
#include "one_client.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  int out;
  int c = accept_one(argv[1], argv[2], 1, &out);
  if (c >= 0) {
    char buf[4096], cbuf[CMSG_SPACE(sizeof(int))];
    struct iovec iov = {buf, sizeof buf};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf, .msg_controllen = sizeof cbuf};
    if (recvmsg(c, &m, 0) >= 0) {
      struct cmsghdr* cm = CMSG_FIRSTHDR(&m);
      if (cm && cm->cmsg_type == SCM_RIGHTS) {
        int master;
        memcpy(&master, CMSG_DATA(cm), sizeof master);
        ssize_t n;
        while ((n = read(master, buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
          if (n > 0) (void)!write(out, buf, (size_t)n);
      }
    }
  }
  return finish(out, argv[2]);
}
