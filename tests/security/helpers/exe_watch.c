// exe_watch PIDFILE -- runs inside a container (statically linked) as the attacker of
// tests/security/runtime_binary_overwrite.bats. Prints "ready", waits for PIDFILE (a pid
// in this container's pid namespace, written by the test), then keeps trying to get
// an O_PATH handle on /proc/PID/exe, holding every one it gets (the target execs a
// "#!" chain, so its exe changes), until the process is gone. Then it reopens each
// held exe for writing, as CVE-2019-5736 did once the runtime had exited. It never
// writes a byte. Prints "got exe" at the first handle, and at the end one line:
// held=N reopen_ok=N [exe=LINK...].
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  printf("ready\n");
  fflush(stdout);
  long pid = 0;
  while (pid <= 0) {
    FILE* f = fopen(argv[1], "r");
    if (f) {
      if (fscanf(f, "%ld", &pid) != 1) pid = 0;
      fclose(f);
    }
  }
  char exe[64], dir[64];
  snprintf(exe, sizeof exe, "/proc/%ld/exe", pid);
  snprintf(dir, sizeof dir, "/proc/%ld", pid);
  int held[64], nheld = 0;
  for (;;) {
    int fd = open(exe, O_PATH | O_CLOEXEC);
    if (fd >= 0) {
      if (nheld == 0) {
        printf("got exe\n");
        fflush(stdout);
      }
      if (nheld < 64) held[nheld++] = fd; else close(fd);
      continue;
    }
    if (access(dir, F_OK) != 0) break;  // gone (a zombie's exe fails with ENOENT too)
    if (errno == ENOENT) {
      char st[64], buf[512];
      snprintf(st, sizeof st, "/proc/%ld/stat", pid);
      FILE* f = fopen(st, "r");
      if (!f) break;
      size_t n = fread(buf, 1, sizeof buf - 1, f);
      fclose(f);
      buf[n] = 0;
      char* r = strrchr(buf, ')');
      if (r && r[1] && r[2] == 'Z') break;
    }
  }
  int reopen_ok = 0;
  char links[4096] = "";
  for (int i = 0; i < nheld; i++) {
    char p[64], l[256] = "?";
    snprintf(p, sizeof p, "/proc/self/fd/%d", held[i]);
    ssize_t n = readlink(p, l, sizeof l - 1);
    if (n > 0) l[n] = 0;
    int fd = open(p, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      reopen_ok++;
      close(fd);
      if (!strstr(links, l) && strlen(links) + strlen(l) + 8 < sizeof links) {
        strcat(links, " exe=");
        strcat(links, l);
      }
    }
  }
  printf("held=%d reopen_ok=%d%s\n", nheld, reopen_ok, links);
  return 0;
}
