// swap_racer SEED STOPFILE DIR NAME TARGET [NAME TARGET]... -- the racer of
// tests/security/mount_target_swap.bats and dev_console.bats. For each pair, DIR/NAME
// is made a directory (unless it exists) and DIR/.NAME.swap a symlink to TARGET; then,
// until STOPFILE exists, the two names are exchanged atomically (renameat2
// RENAME_EXCHANGE) after a pseudo-random spin or short sleep drawn from SEED, so DIR/NAME is sometimes
// the directory and sometimes the symlink. On exit every NAME is a directory again.
// Prints "ready" once set up and "swaps=N" at the end.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 6 || (argc - 4) % 2) {
    fprintf(stderr, "usage: swap_racer SEED STOPFILE DIR NAME TARGET [NAME TARGET]...\n");
    return 2;
  }
  srand((unsigned)strtoul(argv[1], 0, 10));
  int dir = open(argv[3], O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) return perror(argv[3]), 3;
  int n = (argc - 4) / 2;
  char alt[64][300];
  const char* name[64];
  if (n > 64) return 2;
  for (int i = 0; i < n; i++) {
    name[i] = argv[4 + 2 * i];
    snprintf(alt[i], sizeof alt[i], ".%s.swap", name[i]);
    mkdirat(dir, name[i], 0755);
    unlinkat(dir, alt[i], 0);
    if (symlinkat(argv[5 + 2 * i], dir, alt[i]) < 0) return perror("symlinkat"), 3;
  }
  printf("ready\n");
  fflush(stdout);
  long swaps = 0;
  int state[64] = {0};
  struct stat st;
  while (stat(argv[2], &st) != 0) {
    for (int i = 0; i < n; i++) {
      if (renameat2(dir, name[i], dir, alt[i], RENAME_EXCHANGE) == 0) {
        state[i] ^= 1;
        swaps++;
      }
    }
    // A spin or a short sleep, drawn from the seed; the sleeps leave the runtime under
    // attack CPU time on a 2-core machine (every rename also makes path walks retry).
    int r = rand();
    if (r % 4) {
      struct timespec ts = {0, (r >> 2) % 30000};
      nanosleep(&ts, 0);
    } else {
      for (volatile int k = 0; k < (r >> 2) % 3000; k++) {
      }
    }
  }
  for (int i = 0; i < n; i++)
    if (state[i]) renameat2(dir, name[i], dir, alt[i], RENAME_EXCHANGE);
  printf("swaps=%ld\n", swaps);
  return 0;
}
