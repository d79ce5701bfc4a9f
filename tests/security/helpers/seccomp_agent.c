// seccomp_agent SOCKET OUTFILE -- a minimal seccomp agent (linux.seccomp.listenerPath)
// for the security tests. Listens on SOCKET, then forks and the parent exits (so the
// socket exists when it returns). The child accepts one connection, writes the
// container process state it receives to OUTFILE, closes the notify fd (the notified
// syscalls then fail with ENOSYS) and creates OUTFILE.done.
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s", argv[1]);
  unlink(argv[1]);
  if (bind(s, (struct sockaddr*)&a, sizeof a) < 0 || listen(s, 1) < 0) return perror("bind"), 3;
  pid_t pid = fork();
  if (pid < 0) return 3;
  if (pid > 0) return 0;
  setsid();
  int null = open("/dev/null", O_RDWR);
  dup2(null, 0), dup2(null, 1), dup2(null, 2);
  int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  alarm(30);  // never outlive a broken test
  int c = accept4(s, 0, 0, SOCK_CLOEXEC);
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
  close(out);
  char done[4200];
  snprintf(done, sizeof done, "%s.done", argv[2]);
  close(open(done, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  return 0;
}
