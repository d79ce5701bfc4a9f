// shim_waiters SOCKET N -- connect N clients to a berth-shim socket, send each
// "wait\n" (the shim parks them until the init exits), then exit without
// waiting for a reply: every client hangs up. Prints "sent N".
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: shim_waiters SOCKET N\n");
    return 2;
  }
  int n = atoi(argv[2]);
  struct sockaddr_un a = {.sun_family = AF_UNIX};
  if (strlen(argv[1]) >= sizeof a.sun_path) return 2;
  strcpy(a.sun_path, argv[1]);
  for (int i = 0; i < n; i++) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr*)&a, sizeof a) < 0) {
      perror("connect");
      return 1;
    }
    if (write(fd, "wait\n", 5) != 5) {
      perror("write");
      return 1;
    }
  }
  printf("sent %d\n", n);
  return 0;  // every fd closes here
}
