// run: create + start; in the foreground it carries the terminal (when
// process.terminal and no --console-socket), forwards signals to the init,
// waits for it (foreground.hpp) and exits with the container's status.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

#include "isolators/registry.hpp"
#include "libcontainer/log/timeline.hpp"
#include "libcontainer/sys/unix_socket.hpp"
#include "runtime/commands.hpp"
#include "runtime/foreground.hpp"

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

int parse_exit(const std::string& reply) {
  if (reply.rfind("exit ", 0) == 0) return atoi(reply.c_str() + 5);
  return 255;
}

}  // namespace

Result<int> cmd_run(const Globals& g, const CreateFlags& f) {
  // Forwarded signals are blocked before the container exists so none is lost.
  sigset_t fwd = forwarded_signals();
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

  std::string reply;
  Foreground fg;
  fg.done_fd = waiter->get();
  fg.console = created.console.get();
  fg.forward = [&](int sig) { (void)launcher::kill(store, f.id, sig); };
  // The init's pidfd polls readable once it has exited; the shim's answer
  // is a line.
  if (shim)
    fg.done = [&] {
      char buf[128];
      ssize_t n = read(waiter->get(), buf, sizeof buf);
      if (n > 0) reply.append(buf, size_t(n));
      return n <= 0 || reply.find('\n') != std::string::npos;
    };
  carry(fg);
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
