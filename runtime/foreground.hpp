// A process carried in the foreground (`run`, `exec` without -d): its
// terminal copied to and from ours, our signals forwarded to it, and its
// exit status as our exit code.
#pragma once

#include <signal.h>

#include <functional>

namespace berth::cli {

// The signals a foreground berth forwards: every one it can catch but those
// it needs itself (SIGCHLD, the faults, SIGPIPE, job control). Block them
// before the process exists, so that none is lost.
sigset_t forwarded_signals();

struct Foreground {
  int done_fd = -1;  // polls readable once the process has exited (with done)
  int console = -1;  // the pty master of a terminal process, or -1
  // Each forwarded signal (SIGWINCH resizes the console instead).
  std::function<void(int)> forward;
  // Called when done_fd polls readable: true once the process has exited.
  std::function<bool()> done = [] { return true; };
};

// Runs until done(), then drains what the process wrote to its terminal.
// Puts our terminal in raw mode while it carries a console.
void carry(const Foreground& f);

// A wait status as an exit code: the code, or 128+N after signal N.
int exit_code(int status);

}  // namespace berth::cli
