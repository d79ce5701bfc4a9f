// run: create + start; in the foreground it carries the terminal (when
// process.terminal and no --console-socket), forwards signals to the init,
// waits through the shim and exits with the container's status.
#include <poll.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cstring>

#include "isolators/registry.hpp"
#include "libcontainer/log/timeline.hpp"
#include "libcontainer/sys/unix_socket.hpp"
#include "runtime/commands.hpp"

namespace berth::cli {

// shim: false for a caller that reaps the init itself. for_delete: set to
// the same isolators, unprovisioned, as delete makes them.
Result<launcher::Created> create_from_flags(const Globals& g, const CreateFlags& f, bool keep_console, bool shim,
                                            IsolatorList* for_delete);

namespace {

// The shim's answer comes once the init has exited (shim/shim.hpp).
Result<UniqueFd> request_wait(const std::string& dir) {
  auto s = BERTH_TRY(sys::unix_connect(dir + "/shim.sock").context("connect to the shim"));
  std::string req = "wait\n";
  if (send(s.get(), req.data(), req.size(), MSG_NOSIGNAL) != ssize_t(req.size()))
    return sys_error(errno, "write to the shim");
  return s;
}

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

int parse_exit(const std::string& reply) {
  if (reply.rfind("exit ", 0) == 0) return atoi(reply.c_str() + 5);
  return 255;
}

// A wait status as the shim reports it: the code, or 128+N after signal N.
int exit_code(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return 255;
}

}  // namespace

Result<int> cmd_run(const Globals& g, const CreateFlags& f) {
  // Forwarded signals are blocked before the container exists so none is lost.
  sigset_t fwd;
  sigfillset(&fwd);
  for (int s : {SIGKILL, SIGSTOP, SIGCHLD, SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGPIPE, SIGTTIN, SIGTTOU, SIGTSTP})
    sigdelset(&fwd, s);
  if (!f.detach) sigprocmask(SIG_BLOCK, &fwd, nullptr);
  log::Timeline timeline;
  timeline.start();
  // In the foreground, deleting the container once it exits, this process
  // is the init's parent and reaper, as runc's run: no shim (a killed
  // caller leaves the container running and `delete` removes it, as
  // runc's does); under a supervisor, always (it reaps a detached init
  // once we have exited). Otherwise the shim waits and reports.
  bool transient = !f.detach && !f.keep;
  bool shim = !transient && !g.supervised;
  // What removes the container once it has exited (or failed to start).
  IsolatorList isos;
  auto created =
      BERTH_TRY(create_from_flags(g, f, !f.detach && f.console_socket.empty(), shim, f.keep ? nullptr : &isos));
  state::Store store = g.store();
  std::string dir = store.dir(f.id);
  // Our child without a shim: reaped on every way out (after the delete
  // killed it, or once it has exited).
  struct Reap {
    sys::Kernel& k;
    pid_t pid;
    ~Reap() {
      if (pid > 0) k.reap(pid);
    }
  } reap{*g.kernel, created.init ? created.pid : 0};
  auto remove_container = [&] {
    if (f.keep) return;
    std::vector<std::string> warnings;
    Status s = launcher::remove(store, f.id, true, isos, &warnings);
    if (!s.ok()) g.log->error(s.error().message());
    for (const auto& w : warnings) g.log->warn(w);
  };
  timeline.mark("created");
  // What tells of the exit: the init's pidfd without a shim, else the shim's
  // answer, asked for before the start so that no exit goes by; none when
  // detached, which returns once the container runs.
  auto waiter = created.init ? Result<UniqueFd>(std::move(created.init))
                : f.detach   ? Result<UniqueFd>(UniqueFd())
                             : request_wait(dir);
  std::vector<std::string> start_warnings;
  Status started = waiter.ok() ? launcher::start(store, f.id, &start_warnings) : Status(std::move(waiter).error());
  for (const auto& w : start_warnings) g.log->warn(w);
  timeline.mark("started");
  if (!started.ok()) {
    remove_container();
    return std::move(started).error();
  }
  if (f.detach) {
    reap.pid = 0;  // runs on: ours until we exit, then the supervisor's
    return 0;
  }

  int sfd = signalfd(-1, &fwd, SFD_CLOEXEC);
  UniqueFd sig(sfd);
  int console = created.console.get();
  RawTerminal raw;
  if (console >= 0) {
    raw.enter(0);
    winsize ws;
    if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(console, TIOCSWINSZ, &ws);
  }
  std::string reply;
  bool stdin_open = console >= 0;
  for (;;) {
    pollfd p[4] = {
        {waiter->get(), POLLIN, 0}, {sfd, POLLIN, 0}, {console, POLLIN, 0}, {stdin_open ? 0 : -1, POLLIN, 0}};
    if (poll(p, 4, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (p[2].revents & (POLLIN | POLLHUP | POLLERR)) {
      if (!copy(console, 1)) console = -1;
    }
    if (p[3].revents & (POLLIN | POLLHUP)) {
      if (!copy(0, created.console.get())) stdin_open = false;
    }
    if (p[1].revents & POLLIN) {
      signalfd_siginfo si;
      if (read(sfd, &si, sizeof si) == sizeof si) {
        if (int(si.ssi_signo) == SIGWINCH && created.console) {
          winsize ws;
          if (ioctl(0, TIOCGWINSZ, &ws) == 0) ioctl(created.console.get(), TIOCSWINSZ, &ws);
        } else {
          (void)launcher::kill(store, f.id, int(si.ssi_signo));
        }
      }
    }
    if ((p[0].revents & (POLLIN | POLLHUP)) && !shim) break;  // the init's pidfd: it has exited
    if (p[0].revents & (POLLIN | POLLHUP)) {
      char buf[128];
      ssize_t n = read(waiter->get(), buf, sizeof buf);
      if (n > 0) reply.append(buf, size_t(n));
      if (n <= 0 || reply.find('\n') != std::string::npos) break;
    }
  }
  // Drain what the container wrote to its terminal before it exited.
  while (console >= 0) {
    pollfd p{console, POLLIN, 0};
    if (poll(&p, 1, 0) <= 0 || !copy(console, 1)) break;
  }
  int code = parse_exit(reply);
  if (!shim) {
    auto status = g.kernel->reap_if_exited(reap.pid);
    code = status ? exit_code(*status) : 255;
    if (status) reap.pid = 0;
  } else if (reply.empty()) {
    auto w = launcher::wait(store, f.id);
    code = w.ok() ? *w : 255;
  }
  timeline.mark("exited");
  remove_container();
  timeline.mark("deleted");
  if (g.debug) g.log->debug("run " + f.id + ": " + timeline.text);
  return code;
}

}  // namespace berth::cli
