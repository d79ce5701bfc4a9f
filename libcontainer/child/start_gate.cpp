// The init's side of the start gate (see start_gate.hpp).
#include "libcontainer/child/start_gate.hpp"

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/start_hooks.hpp"
#include "libcontainer/child/sys.hpp"

namespace berth::child {

// Reopened through our procfs, never by path. A `start` killed between its
// open and our write leaves no reader: the write fails (EPIPE, SIGPIPE
// ignored meanwhile) and we wait at the gate for the next `start`, the
// hooks run once; the container stays created, not dead.
BERTH_CHILD void pass_start_gate(const ChildPlan& p, int procfd) {
  char path[64];
  sys::concat(path, sizeof path, "self/fd/", p.fifo_fd);
  sys::KernelSigaction old;
  bool restore = sys::set_signal_disposition(SIGPIPE, SIG_IGN, &old) == 0;
  StartReport rep;
  bool reported = false;
  int fd;
  for (;;) {
    do fd = sys::openat(procfd, path, O_WRONLY | O_CLOEXEC);
    while (fd < 0 && errno == EINTR);
    if (fd < 0) sys::_exit(1);
    if (!reported) {
      sys::memset(&rep, 0, sizeof rep);
      rep.ok = start_hooks::run(p, &rep.error) ? 1 : 0;
      reported = true;
    }
    ssize_t n = sys::write(fd, &rep, sizeof rep);
    if (n == ssize_t(sizeof rep)) break;
    if (n >= 0 || errno != EPIPE) sys::_exit(1);
    sys::close(fd);
  }
  if (restore) sys::set_signal_disposition(SIGPIPE, old.handler, nullptr);
  sys::close(p.fifo_fd);
  if (!rep.ok) sys::_exit(1);
  // fd stays open (O_CLOEXEC): its close by our exec tells `start` that the
  // program runs, so poststart hooks come after it, as the spec says.
}

}  // namespace berth::child
