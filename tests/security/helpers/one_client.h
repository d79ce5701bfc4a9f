// one_client.h -- the frame the security tests' socket receivers share (recvtty.c,
// seccomp_agent.c): listen on SOCKET, fork (the parent exits, printing the child's pid
// when asked, so that the socket exists when it returns), and in the child, detached
// and bounded to 30 s, accept one connection with OUTFILE open for writing. finish()
// closes OUTFILE and creates OUTFILE.done.
#pragma once
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

// In the child: the accepted connection (-1 when accept failed); *out is OUTFILE.
static int accept_one(const char* sock, const char* outfile, int print_pid, int* out) {
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  snprintf(a.sun_path, sizeof a.sun_path, "%s", sock);
  unlink(sock);
  if (bind(s, (struct sockaddr*)&a, sizeof a) < 0 || listen(s, 1) < 0) perror("bind"), exit(3);
  pid_t pid = fork();
  if (pid < 0) exit(3);
  if (pid > 0) exit(print_pid && printf("%d\n", (int)pid) < 0 ? 3 : 0);
  setsid();
  int null = open("/dev/null", O_RDWR);
  dup2(null, 0), dup2(null, 1), dup2(null, 2);
  *out = open(outfile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  alarm(30);  // never outlive a broken test
  return accept4(s, 0, 0, SOCK_CLOEXEC);
}

static int finish(int out, const char* outfile) {
  close(out);
  char done[4200];
  snprintf(done, sizeof done, "%s.done", outfile);
  close(open(done, O_WRONLY | O_CREAT | O_CLOEXEC, 0644));
  return 0;
}
