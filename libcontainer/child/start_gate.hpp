// The start gate: what `start` and the init say through <state>/exec.fifo.
// The init blocks opening the fifo for writing until `start` opens it for
// reading, runs the startContainer hooks, then writes one StartReport (in
// one write(2), smaller than PIPE_BUF, so it is read whole) and execs the
// user's program only when ok is 1, keeping the fifo open until that exec
// closes it (O_CLOEXEC): EOF then tells `start` the program has replaced it. The fifo is writable by anyone who can
// reach the state directory: `start` treats the text as untrusted.
#pragma once

#include <cstdint>

#include "libcontainer/child/plan.hpp"
#include "libcontainer/child/sync.hpp"

namespace berth::child {

struct StartReport {
  uint32_t ok;       // 1: the hooks passed, the program is being exec'd
  ChildError error;  // why not, when ok is 0
};

// The init's side: blocks opening plan.fifo_fd (an O_PATH fd, reopened for
// writing through procfd's self/fd) until `start` reads, runs the
// startContainer hooks and writes the StartReport. Returns only when they
// passed; _exits otherwise (the report says why).
void pass_start_gate(const ChildPlan& p, int procfd);

}  // namespace berth::child
