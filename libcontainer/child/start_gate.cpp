// The init's side of the start gate (see start_gate.hpp).
#include "libcontainer/child/start_gate.hpp"

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/start_hooks.hpp"
#include "libcontainer/child/sys.hpp"

namespace berth::child {

// Reopened through our procfs, never by path.
BERTH_CHILD void pass_start_gate(const ChildPlan& p, int procfd) {
  char path[64];
  sys::concat(path, sizeof path, "self/fd/", p.fifo_fd);
  int fd;
  do fd = sys::openat(procfd, path, O_WRONLY | O_CLOEXEC);
  while (fd < 0 && errno == EINTR);
  if (fd < 0) sys::_exit(1);
  sys::close(p.fifo_fd);
  StartReport rep;
  sys::memset(&rep, 0, sizeof rep);
  rep.ok = start_hooks::run(p, &rep.error) ? 1 : 0;
  if (sys::write(fd, &rep, sizeof rep) != ssize_t(sizeof rep)) sys::_exit(1);
  if (!rep.ok) sys::_exit(1);
  // fd stays open (O_CLOEXEC): its close by our exec tells `start` that the
  // program runs, so poststart hooks come after it, as the spec says.
}

}  // namespace berth::child
