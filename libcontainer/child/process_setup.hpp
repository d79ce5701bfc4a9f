// The init's process attributes, console and exec, in call order:
// setup_console, prepare_process (before Created), exec_process (after start).
#pragma once

#include "libcontainer/child/plan.hpp"

namespace berth::child {

struct ExecTarget {
  int fd;           // O_PATH of the program the lookup found, checked
  char path[4096];  // the resolved path (inside the container), which the exec runs
};

// openat2 below procfd with RESOLVE_NO_SYMLINKS|RESOLVE_NO_XDEV and a write.
int write_proc_file(int procfd, const char* rel, const char* value);
// Opens a pty in the container's devpts, binds the peer over /dev/console,
// sends the master to the parent and makes the peer our stdio and ctty.
void setup_console(const ChildPlan& p);
ExecTarget prepare_process(const ChildPlan& p, int procfd);
[[noreturn]] void exec_process(const ChildPlan& p, const ExecTarget& t);

}  // namespace berth::child
