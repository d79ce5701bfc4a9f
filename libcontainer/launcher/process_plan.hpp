// The process part of a launch plan (argv, env, cwd, user, terminal, the
// caller's fds), the same for a container's init (create) and for a process
// exec'd into it (exec).
#pragma once

#include <string>

#include "libcontainer/error/error.hpp"
#include "libcontainer/launcher/launch_plan.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth::launcher {

struct ProcessIo {
  bool console_socket = false;  // --console-socket was given
  bool keep_console = false;    // the caller carries the terminal itself
  int preserve_fds = 0;
  std::string preserved_open;  // CreateOptions::preserved_open
};

// Refuses a terminal with nowhere to go and a console socket without a
// terminal, naming the field or flag.
Status fill_process(const spec::Process& p, const ProcessIo& io, LaunchPlan& plan);

}  // namespace berth::launcher
