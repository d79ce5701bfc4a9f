// Operations on an existing container: start (open the gate), kill, wait,
// delete. The init is addressed through a pidfd whose process start time is
// checked against state.json, so a recycled pid is never signalled.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

#include "libcontainer/cgroup/freezer.hpp"
#include "libcontainer/child/start_gate.hpp"
#include "libcontainer/hooks/hooks.hpp"
#include "libcontainer/launcher/launcher.hpp"
#include "libcontainer/sys/proc.hpp"
#include "libcontainer/sys/unix_socket.hpp"

namespace berth::launcher {
namespace {

using sys::open_pidfd;

constexpr int kKillWaitMs = 10000;

// Waits until the pidfd says the process has exited (or timeout_ms passes).
bool wait_exit(int pidfd, int timeout_ms) {
  pollfd p{pidfd, POLLIN, 0};
  int r;
  do r = poll(&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  return r > 0;
}

// One request line, one reply line.
Result<std::string> shim_call(const std::string& dir, const std::string& req) {
  auto s = BERTH_TRY(sys::unix_connect(dir + "/shim.sock").context("connect to the shim"));
  std::string line = req + "\n";
  if (send(s.get(), line.data(), line.size(), MSG_NOSIGNAL) < 0) return sys_error(errno, "write to the shim");
  std::string reply;
  char c;
  for (;;) {
    ssize_t n = read(s.get(), &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || c == '\n') break;
    reply += c;
  }
  return reply;
}

// SIGKILL, then wait (bounded) until it is gone: a shim still alive writes
// exit.json into the state directory when the init dies, and a removal of
// the directory meanwhile fails with ENOTEMPTY (crash.bats saw it).
void kill_shim(pid_t pid, uint64_t start_time) {
  UniqueFd fd = open_pidfd(pid, start_time);
  if (fd && syscall(SYS_pidfd_send_signal, fd.get(), SIGKILL, nullptr, 0) == 0) (void)wait_exit(fd.get(), kKillWaitMs);
}

// "shutdown" is answered after anything the shim writes, and it exits at once.
void stop_shim(const std::string& dir, const state::ContainerState& st) {
  auto r = shim_call(dir, "shutdown");
  if (r.ok()) return;
  kill_shim(st.shim_pid, st.shim_start_time);
}

// The init keeps the fifo open until its exec closes it (start_gate.hpp):
// EOF, or its exit when the exec failed. Bounded: another writer holding the
// fifo open (it is 0622) must not keep `start` waiting.
void wait_exec(int fifo, int pidfd) {
  pollfd p[2] = {{fifo, POLLIN, 0}, {pidfd, POLLIN, 0}};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kKillWaitMs);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    int r = poll(p, 2, int(left.count()));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0 || (p[1].revents & POLLIN)) return;
    if (p[0].revents & (POLLIN | POLLHUP)) {
      char c;
      ssize_t n = read(fifo, &c, 1);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return;
      // more bytes: someone else writes to the fifo; go on until EOF
    }
  }
}

// What the init wrote through the start gate (start_gate.hpp), once it has
// run the startContainer hooks.
Result<child::StartReport> read_start_report(int fifo, int pidfd) {
  pollfd p[2] = {{fifo, POLLIN, 0}, {pidfd, POLLIN, 0}};
  for (;;) {
    int r = poll(p, 2, -1);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return sys_error(errno, "wait for the container to start");
    if (p[0].revents & (POLLIN | POLLHUP)) {
      child::StartReport rep;
      ssize_t n = read(fifo, &rep, sizeof rep);
      if (n == ssize_t(sizeof rep)) {
        if (rep.ok == 1) wait_exec(fifo, pidfd);
        return rep;
      }
      if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue;
      if (n == 0)
        p[0].fd = -1;  // no writer (yet, or any more): the pidfd tells
      else if (n > 0)
        return Error(Code::Child, "a malformed report from the container init");
    }
    if (p[1].revents & POLLIN) return Error(Code::Child, "the container init exited before it was started");
  }
}

// The init's words are untrusted (anyone who can write the fifo): bounded.
Error start_failure(const child::ChildError& e) {
  std::string step(e.step, strnlen(e.step, sizeof e.step));
  std::string path(e.json_path, strnlen(e.json_path, sizeof e.json_path));
  return Error(Code::Child, step, e.sys_errno, path);
}

}  // namespace

Status start(const state::Store& store, const std::string& id, std::vector<std::string>* warnings) {
  auto lock = BERTH_TRY(store.lock(id));
  auto st = BERTH_TRY(store.read(id));
  auto status = state::current_status(store, st);
  if (status == state::RunState::Stopped) return Error(Code::Busy, "cannot start a container that has stopped");
  if (status == state::RunState::Running) return Error(Code::Busy, "cannot start an already running container");
  if (status != state::RunState::Created)
    return Error(Code::Busy, std::string("cannot start a container in the ") + state::status_name(status) + " state");
  // A frozen init (an ancestor cgroup frozen by someone else) would never
  // take the gate: refuse rather than wait for ever.
  if (cgroup::freezer::any_frozen(cgroup::leaves(store.dir(id))))
    return Error(Code::Busy, "cannot start the container: its cgroup is frozen (thaw it first)");
  std::string fifo = store.dir(id) + "/exec.fifo";
  UniqueFd pidfd = open_pidfd(st.pid, st.init_start_time);
  if (!pidfd) return Error(Code::Busy, "cannot start a container that has stopped");
  // Non-blocking open: the init, blocked opening the write side, goes on.
  UniqueFd f(open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!f) return sys_error(errno, "open " + fifo);
  auto report = read_start_report(f.get(), pidfd.get());
  (void)store.kernel().remove_file(fifo);
  if (!report.ok()) return std::move(report).error();
  if (!report->ok) {
    // runtime-spec 1.2: a failing startContainer hook stops the container.
    // The init exits by itself; make sure, so that it is "stopped" when we
    // return. Its state stays until `delete`, as runc and crun keep it.
    syscall(SYS_pidfd_send_signal, pidfd.get(), SIGKILL, nullptr, 0);
    (void)wait_exit(pidfd.get(), kKillWaitMs);
    return start_failure(report->error);
  }
  st.oci_version = st.oci_version.empty() ? "1.2.0" : st.oci_version;
  // runtime-spec 1.2: a failing poststart hook is a warning; the container
  // keeps running and the other hooks run (as crun 1.8; runc 1.1 runs them
  // in create and destroys the container, a bug it fixed in 1.2).
  hooks::run_all(st.poststart, "poststart", state::oci_state_json(st, state::RunState::Running, false), warnings);
  return {};
}

Status kill(const state::Store& store, const std::string& id, int sig) {
  auto st = BERTH_TRY(store.read(id));
  auto status = state::current_status(store, st);
  if (status == state::RunState::Stopped) return Error(Code::Busy, "container not running");
  UniqueFd fd = open_pidfd(st.pid, st.init_start_time);
  if (!fd) return Error(Code::Busy, "container not running");
  if (syscall(SYS_pidfd_send_signal, fd.get(), sig, nullptr, 0) < 0) return sys_error(errno, "kill");
  // As runc: a SIGKILL takes effect in a v1-frozen cgroup only once thawed.
  if (status == state::RunState::Paused && sig == SIGKILL)
    cgroup::freezer::thaw_all(store.kernel(), cgroup::leaves(store.dir(id)));
  return {};
}

Result<int> wait(const state::Store& store, const std::string& id) {
  auto reply = shim_call(store.dir(id), "wait");
  if (reply.ok() && reply->rfind("exit ", 0) == 0) return atoi(reply->c_str() + 5);
  if (auto rec = state::read_exit_record(store.dir(id))) return rec->exit_code;
  if (!reply.ok()) return std::move(reply).error();
  return Error(Code::Internal, "unexpected reply from the shim: " + *reply);
}

Status remove(const state::Store& store, const std::string& id, bool force, IsolatorList& isolators,
              std::vector<std::string>* warnings) {
  BERTH_CHECK(state::validate_id(id));
  auto lock = store.lock(id);
  if (!lock.ok()) {
    if (force && lock.error().code() == Code::NotFound) return {};
    return std::move(lock).error();
  }
  std::string dir = store.dir(id);
  auto st = store.read(id);
  if (!st.ok()) {
    // A create cut off before it wrote state.json (its caller was killed):
    // stop what the pids record names, then remove the directory.
    if (st.error().code() == Code::Busy && force) {
      state::ContainerState rec;
      if (state::read_pids(dir, rec)) {
        UniqueFd fd = open_pidfd(rec.pid, rec.init_start_time);
        if (fd) {
          syscall(SYS_pidfd_send_signal, fd.get(), SIGKILL, nullptr, 0);
          cgroup::freezer::thaw_all(store.kernel(), cgroup::leaves(dir));
          if (!wait_exit(fd.get(), kKillWaitMs))
            return Error(Code::Busy, "the container's init did not exit within " + std::to_string(kKillWaitMs / 1000) +
                                         " s of SIGKILL");
        }
        kill_shim(rec.shim_pid, rec.shim_start_time);
      }
      for (auto it = isolators.rbegin(); it != isolators.rend(); ++it) (void)(*it)->cleanup(dir);
      return store.remove(id);
    }
    return std::move(st).error();
  }
  auto status = state::current_status(store, *st);
  if ((status == state::RunState::Running || status == state::RunState::Paused) && !force)
    return Error(Code::Busy, "cannot delete container " + id + " that is not stopped: " + state::status_name(status));
  auto leaves = cgroup::leaves(dir);
  if (status != state::RunState::Stopped) {
    UniqueFd fd = open_pidfd(st->pid, st->init_start_time);
    if (fd) {
      syscall(SYS_pidfd_send_signal, fd.get(), SIGKILL, nullptr, 0);
      // A paused container's processes die only once thawed (v1).
      cgroup::freezer::thaw_all(store.kernel(), leaves);
      // Bounded: a cgroup frozen from above (not by us) keeps a killed task
      // alive until someone thaws it.
      if (!wait_exit(fd.get(), kKillWaitMs))
        return Error(Code::Busy, "the container's init did not exit within " + std::to_string(kKillWaitMs / 1000) +
                                     " s of SIGKILL: is a parent of its cgroup frozen?");
    }
  }
  // Frozen leftovers (no pid namespace) must die before their cgroups go.
  cgroup::freezer::thaw_all(store.kernel(), leaves);
  stop_shim(dir, *st);
  Error errs(Code::Internal, "delete " + id);
  bool failed = false;
  for (auto it = isolators.rbegin(); it != isolators.rend(); ++it) {
    Status s = (*it)->cleanup(dir);
    if (!s.ok()) errs.add_note(s.error().message()), failed = true;
  }
  // runtime-spec 1.2: every poststop hook runs; a failing one is logged and
  // deletion goes on (as crun; runc 1.1 stops at the first failure).
  hooks::run_all(st->poststop, "poststop", state::oci_state_json(*st, state::RunState::Stopped, false), warnings);
  BERTH_CHECK(store.remove(id));
  if (failed) return errs;
  return {};
}

}  // namespace berth::launcher
