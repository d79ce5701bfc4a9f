// The foreground loop of run and exec (foreground.hpp).
#include "runtime/foreground.hpp"

#include <errno.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "libcontainer/fd/unique_fd.hpp"

namespace berth::cli {
namespace {

// Restores the caller's terminal mode on every way out.
struct RawTerminal {
  termios saved{};
  bool active = false;
  void enter(int fd) {
    if (!isatty(fd) || tcgetattr(fd, &saved) < 0) return;
    termios raw = saved;
    cfmakeraw(&raw);
    active = tcsetattr(fd, TCSANOW, &raw) == 0;
  }
  ~RawTerminal() {
    if (active) tcsetattr(0, TCSANOW, &saved);
  }
};

bool copy(int from, int to) {
  char buf[8192];
  ssize_t n = read(from, buf, sizeof buf);
  if (n <= 0) return false;
  for (ssize_t off = 0; off < n;) {
    ssize_t w = write(to, buf + off, size_t(n - off));
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return false;
    off += w;
  }
  return true;
}

void resize(int console) {
  winsize ws;
  if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(console, TIOCSWINSZ, &ws);
}

}  // namespace

sigset_t forwarded_signals() {
  sigset_t fwd;
  sigfillset(&fwd);
  for (int s : {SIGKILL, SIGSTOP, SIGCHLD, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGPIPE, SIGTTIN, SIGTTOU, SIGTSTP})
    sigdelset(&fwd, s);
  return fwd;
}

void carry(const Foreground& f) {
  sigset_t fwd = forwarded_signals();
  UniqueFd sig(signalfd(-1, &fwd, SFD_CLOEXEC));
  int console = f.console;
  RawTerminal raw;
  if (console >= 0) {
    raw.enter(0);
    resize(console);
  }
  bool stdin_open = console >= 0;
  for (;;) {
    pollfd p[4] = {
        {f.done_fd, POLLIN, 0}, {sig.get(), POLLIN, 0}, {console, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (poll(p, 4, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (!copy(console, 1)) console = -1;
    }
    if (p[3].revents & (POLLIN | POLLHUP)) {
      if (!copy(0, f.console)) stdin_open = false;
    }
    if (p[1].revents & POLLIN) {
      signalfd_siginfo si;
      if (read(sig.get(), &si, sizeof si) == sizeof si) {
        if (int(si.ssi_signo) == SIGWINCH && f.console >= 0)
          resize(f.console);
        else
          f.forward(int(si.ssi_signo));
      }
    }
    if ((p[0].revents & (POLLIN | POLLHUP)) && f.done()) break;
  }
  // Drain what the process wrote to its terminal before it exited.
  while (console >= 0) {
    pollfd p{console, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0 || !copy(console, 1)) break;
  }
}

int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace berth::cli
