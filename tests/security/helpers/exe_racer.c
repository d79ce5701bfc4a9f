// exe_racer STOPFILE -- runs inside a container (statically linked) as the attacker of
// tests/security/runtime_binary_overwrite.bats. Until STOPFILE exists it scans /proc for
// pids it has not seen and, for each, tries what CVE-2019-5736 did: open /proc/PID/exe
// for writing, and keep an O_PATH handle to reopen it for writing later (after the
// runtime has exited and the binary is no longer busy). It never writes a byte: a
// successful open is reported and counted, which is enough to fail the test without
// damaging the host's binary. Prints "ready" after the first scan, then one summary line:
//   seen=N wr_ok=N opath_ok=N reopen_ok=N
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAXP 65536
static unsigned char seen[MAXP];
static int held[4096];
static int nheld;

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  int self = getpid();
  long nseen = 0, wr_ok = 0, opath_ok = 0, reopen_ok = 0;
  int first = 1;
  struct stat st;
  while (stat(argv[1], &st) != 0) {
    DIR* d = opendir("/proc");
    if (!d) return 3;
    struct dirent* e;
    while ((e = readdir(d))) {
      char* end;
      long pid = strtol(e->d_name, &end, 10);
      if (*end || pid <= 0 || pid >= MAXP || pid == self || seen[pid]) continue;
      if (!first) nseen++;
      seen[pid] = 1;
      char p[64];
      snprintf(p, sizeof p, "/proc/%ld/exe", pid);
      // A few tries per new pid: the window is between clone and exec.
      for (int i = 0; i < 64; i++) {
        int fd = open(p, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (fd >= 0) {
          wr_ok++;
          fprintf(stderr, "exe_racer: opened %s for writing\n", p);
          close(fd);
        }
        fd = open(p, O_PATH | O_CLOEXEC);
        if (fd >= 0) {
          if (!first) opath_ok++;
          if (!first && nheld < 4096)
            held[nheld++] = fd;
          else
            close(fd);
          break;
        }
        if (errno == ENOENT || errno == ESRCH) break;
      }
    }
    closedir(d);
    if (first) {
      first = 0;
      printf("ready\n");
      fflush(stdout);
    }
  }
  // Reopen what was held, now that the processes are gone.
  for (int i = 0; i < nheld; i++) {
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", held[i]);
    int fd = open(p, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
      char l[256] = "";
      if (readlink(p, l, sizeof l - 1) < 0) strcpy(l, "?");
      fprintf(stderr, "exe_racer: reopened held exe %s for writing\n", l);
      reopen_ok++;
      close(fd);
    }
  }
  printf("seen=%ld wr_ok=%ld opath_ok=%ld reopen_ok=%ld\n", nseen, wr_ok, opath_ok, reopen_ok);
  return 0;
}
