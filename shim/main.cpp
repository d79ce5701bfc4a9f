// berth-shim's entry: its flags, then the supervisor (shim.hpp) on the real
// system calls.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "shim/shim.hpp"

namespace {

// Namespace scope: no function-local static guard (no C++ runtime).
berth::shim::Shim<berth::shim::LinuxShimSys> s;

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (!strncmp(a, "--state-dir=", 12))
      snprintf(s.dir, sizeof s.dir, "%s", a + 12);
    else if (!strncmp(a, "--init-pid=", 11))
      s.init = atoi(a + 11);
    else if (!strncmp(a, "--socket-fd=", 12))
      s.listen_fd = atoi(a + 12);
    else if (!strncmp(a, "--watch=", 8) && s.n_watches < berth::shim::kMaxWatches)
      s.watches[s.n_watches++] = a + 8;
    else if (!strncmp(a, "--cgroup=", 9) && s.n_cgroups < berth::shim::kMaxCgroups)
      s.cgroups[s.n_cgroups++] = a + 9;
    else if (!strncmp(a, "--log=", 6))
      s.log.path = a + 6;
    else if (!strncmp(a, "--log-max-size=", 15))
      s.log.max_size = atol(a + 15);
    else if (!strncmp(a, "--log-max-files=", 16))
      s.log.max_files = atoi(a + 16);
    else if (!strncmp(a, "--stdout-fd=", 12))
      s.out.fd = atoi(a + 12);
    else if (!strncmp(a, "--stderr-fd=", 12))
      s.err.fd = atoi(a + 12);
    else if (!strncmp(a, "--console-fd=", 13))
      s.console_fd = atoi(a + 13);
  }
  if (!s.dir[0] || s.init <= 0 || s.listen_fd < 0) {
    fprintf(stderr, "berth-shim: started without --state-dir, --init-pid and --socket-fd\n");
    return 2;
  }
  // Not the caller's cwd (often the bundle): the shim would keep that
  // directory, and the filesystem it is on, busy for the container's life.
  if (chdir("/") != 0) return 1;
  return s.run();
}
