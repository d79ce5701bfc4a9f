/* crun-hybrid: run crun on a host with hybrid cgroups.
 *
 * crun 1.8 stops with "cgroups in hybrid mode not supported" when it finds the
 * cgroup2 hierarchy mounted next to the v1 ones (here at /sys/fs/cgroup/unified).
 * This wrapper enters a private mount namespace, makes the mounts it inherited
 * stop propagating back to the host, detaches that one cgroup2 mount there, and
 * then executes crun with the arguments it was given. On a host without that mount
 * the detach fails harmlessly and crun runs as usual.
 *
 * The crun binary is taken from $CRUN_BINARY if set, else "crun" from $PATH.
 * Build: cc -O2 -o crun-hybrid crun-hybrid.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static const char unified[] = "/sys/fs/cgroup/unified";

int main(int argc, char* argv[]) {
  const char* crun = getenv("CRUN_BINARY");

  (void)argc;
  if (crun == NULL || *crun == '\0') crun = "crun";

  if (unshare(CLONE_NEWNS) != 0) {
    fprintf(stderr, "crun-hybrid: unshare(CLONE_NEWNS): %s\n", strerror(errno));
    return 125;
  }
  /* Without this, the umount below could propagate to the host's namespace. */
  if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) != 0) {
    fprintf(stderr, "crun-hybrid: making / a slave: %s\n", strerror(errno));
    return 125;
  }
  if (umount2(unified, MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
    fprintf(stderr, "crun-hybrid: umount %s: %s\n", unified, strerror(errno));

  argv[0] = (char*)"crun";
  if (strchr(crun, '/') != NULL)
    execv(crun, argv);
  else
    execvp(crun, argv);
  fprintf(stderr, "crun-hybrid: exec %s: %s\n", crun, strerror(errno));
  return 127;
}
