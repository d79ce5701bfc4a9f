// Operations on an existing container: start (open the gate), kill, wait,
// delete. The init is addressed through a pidfd whose process start time is
// checked against the record, so a recycled pid is never signalled. Every
// call that changes a process or a file goes through the store's Kernel.
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>

#include "libcontainer/child/start_gate.hpp"
#include "libcontainer/hooks/hooks.hpp"
#include "libcontainer/launcher/kill.hpp"
#include "libcontainer/launcher/launcher.hpp"

namespace berth::launcher {

bool wait_exit(int pidfd, int timeout_ms) {
  pollfd p{pidfd, POLLIN, 0};
  int r;
  do r = poll(&p, 1, timeout_ms);
  while (r < 0 && errno == EINTR);
  return r > 0;
}

void kill_and_wait(sys::Kernel& k, int pidfd) {
  if (k.signal_pidfd(pidfd, SIGKILL).ok()) (void)wait_exit(pidfd, kKillWaitMs);
}

Status kill_and_wait(sys::Kernel& k, pid_t pid, uint64_t start_time) {
  auto fd = k.open_pidfd(pid, start_time);
  if (!fd.ok()) return fd.error().code() == Code::NotFound ? Status{} : Status(std::move(fd).error());
  kill_and_wait(k, fd->get());
  return {};
}

namespace {

// One request line, one reply line.
Result<std::string> shim_call(sys::Kernel& k, const std::string& dir, const std::string& req) {
  return k.request_line(dir + "/shim.sock", req).context("call the shim");
}

// A process that is gone is no error; failing to find out is one.
Status gone_or(Error e) {
  if (e.code() == Code::NotFound) return {};
  return e;
}

// A process that is gone means the container has stopped (Code::Busy,
// with the command's words for it).
Error stopped_or(Error e, const char* stopped) {
  if (e.code() == Code::NotFound) return Error(Code::Busy, stopped);
  return e;
}

// The shim, gone: a shim still alive writes exit.json into the state
// directory when the init dies, and a removal of the directory meanwhile
// fails with ENOTEMPTY (crash.bats saw it).
void kill_shim(sys::Kernel& k, const state::ContainerState& st) {
  (void)kill_and_wait(k, st.shim_pid, st.shim_start_time);
}

// The init after SIGKILL, thawed (a v1-frozen process dies only once
// thawed); bounded: a cgroup frozen from above (not by us) keeps a killed
// task alive until someone thaws it.
Status kill_init(sys::Kernel& k, const state::ContainerState& st) {
  auto fd = k.open_pidfd(st.pid, st.init_start_time);
  if (!fd.ok()) return gone_or(std::move(fd).error());
  // ESRCH: it has exited meanwhile (its pidfd then polls readable).
  if (Status s = k.signal_pidfd(fd->get(), SIGKILL); !s.ok() && s.error().sys_errno() != ESRCH)
    return std::move(s).error().context("kill the container's init");
  cgroup::ContainerCgroups::thaw_all(k, st);
  if (!wait_exit(fd->get(), kKillWaitMs))
    return Error(Code::Busy, "the container's init did not exit within " + std::to_string(kKillWaitMs / 1000) +
                                 " s of SIGKILL: is a parent of its cgroup frozen?");
  return {};
}

// "shutdown" is answered after anything the shim writes, and it exits at once.
void stop_shim(sys::Kernel& k, const std::string& dir, const state::ContainerState& st) {
  if (st.shim_pid == 0) return;  // a foreground run's: its caller reaps the init
  if (!shim_call(k, dir, "shutdown").ok()) kill_shim(k, st);
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
  if (cgroup::ContainerCgroups::any_frozen(store.kernel(), st))
    return Error(Code::Busy, "cannot start the container: its cgroup is frozen (thaw it first)");
  sys::Kernel& k = store.kernel();
  std::string fifo = store.dir(id) + "/exec.fifo";
  auto pidfd = k.open_pidfd(st.pid, st.init_start_time);
  if (!pidfd.ok()) return stopped_or(std::move(pidfd).error(), "cannot start a container that has stopped");
  // Non-blocking open: the init, blocked opening the write side, goes on.
  auto f = BERTH_TRY(k.open_fifo_reader(fifo));
  auto report = read_start_report(f.get(), pidfd->get());
  (void)k.remove_file(fifo);
  if (!report.ok()) return std::move(report).error();
  if (!report->ok) {
    // runtime-spec 1.2: a failing startContainer hook stops the container.
    // The init exits by itself; make sure, so that it is "stopped" when we
    // return. Its state stays until `delete`, as runc and crun keep it.
    kill_and_wait(k, pidfd->get());
    return start_failure(report->error);
  }
  st.oci_version = st.oci_version.empty() ? "1.2.0" : st.oci_version;
  // runtime-spec 1.2: a failing poststart hook is a warning; the container
  // keeps running and the other hooks run (as crun 1.8; runc 1.1 runs them
  // in create and destroys the container, a bug it fixed in 1.2).
  hooks::run_all(k, st.poststart, "poststart", state::oci_state_json(st, state::RunState::Running, false), warnings);
  return {};
}

Status kill(const state::Store& store, const std::string& id, int sig) {
  auto st = BERTH_TRY(store.read(id));
  auto status = state::current_status(store, st);
  if (status == state::RunState::Stopped) return Error(Code::Busy, "container not running");
  sys::Kernel& k = store.kernel();
  auto fd = k.open_pidfd(st.pid, st.init_start_time);
  if (!fd.ok()) return stopped_or(std::move(fd).error(), "container not running");
  BERTH_CHECK(k.signal_pidfd(fd->get(), sig).context("kill"));
  // As runc: a SIGKILL takes effect in a v1-frozen cgroup only once thawed.
  if (status == state::RunState::Paused && sig == SIGKILL) cgroup::ContainerCgroups::thaw_all(k, st);
  return {};
}

Result<int> wait(const state::Store& store, const std::string& id) {
  return BERTH_TRY(wait_for_exit(store, id)).exit_code;
}

Result<state::ExitRecord> wait_for_exit(const state::Store& store, const std::string& id) {
  auto st = BERTH_TRY(store.read(id));
  std::string dir = store.dir(id);
  if (auto rec = state::read_exit_record(dir)) return *rec;
  if (st.shim_pid == 0)
    return Error(Code::Unsupported, "container " + id +
                                        " has no shim to report its exit (made by berth-runc or a foreground run): "
                                        "its supervisor waits for it");
  auto reply = shim_call(store.kernel(), dir, "wait");
  if (auto rec = state::read_exit_record(dir)) return *rec;
  // The shim answers after the record is in place; without one, what it said.
  int code = 0, sig = 0;
  if (reply.ok() && sscanf(reply->c_str(), "exit %d %d", &code, &sig) == 2) {
    state::ExitRecord r;
    r.exit_code = code;
    r.signal = sig;
    return r;
  }
  if (!reply.ok()) {
    Error e(Code::NotFound, "the shim of container " + id + " is gone and recorded no exit status");
    e.add_note(reply.error().message());
    return e;
  }
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
  sys::Kernel& k = store.kernel();
  std::string dir = store.dir(id);
  auto st = store.read(id);
  if (!st.ok()) {
    // A create cut off before it finished (its caller was killed): stop
    // the init the record names (if it got that far) and the shim, then
    // remove the directory. A shim spawned just before the cut, which the
    // record does not name yet, is stopped through its socket (it would
    // write its exit record into the directory being removed).
    if (st.error().code() == Code::Busy && force) {
      auto rec = state::read_record(dir).value_or({});
      if (rec.pid > 0) BERTH_CHECK(kill_init(k, rec));
      stop_shim(k, dir, rec);
      for (auto it = isolators.rbegin(); it != isolators.rend(); ++it) (void)(*it)->cleanup(dir, rec);
      return store.remove(id);
    }
    return std::move(st).error();
  }
  auto status = state::current_status(store, *st);
  if ((status == state::RunState::Running || status == state::RunState::Paused) && !force)
    return Error(Code::Busy, "cannot delete container " + id + " that is not stopped: " + state::status_name(status));
  if (status != state::RunState::Stopped) BERTH_CHECK(kill_init(k, *st));
  // Frozen leftovers (no pid namespace) must die before their cgroups go.
  cgroup::ContainerCgroups::thaw_all(k, *st);
  stop_shim(k, dir, *st);
  Error errs(Code::Internal, "delete " + id);
  bool failed = false;
  for (auto it = isolators.rbegin(); it != isolators.rend(); ++it) {
    Status s = (*it)->cleanup(dir, *st);
    if (s.ok()) continue;
    // --force over an undo that is not berth's to finish (abandon()): the
    // container goes, and the warning says what the host keeps.
    if (std::string left = force ? (*it)->abandon(dir, *st) : ""; !left.empty()) {
      if (warnings)
        warnings->push_back(s.error().message() + "; container " + id + " deleted anyway (--force), leaving " + left);
      continue;
    }
    errs.add_note(s.error().message());
    failed = true;
  }
  // The directory holds the isolators' records of what is left (the
  // cgroups journal): kept, so that another delete can finish the job.
  if (failed) return errs;
  // runtime-spec 1.2: every poststop hook runs; a failing one is logged and
  // deletion goes on (as crun; runc 1.1 stops at the first failure).
  hooks::run_all(k, st->poststop, "poststop", state::oci_state_json(*st, state::RunState::Stopped, false), warnings);
  return store.remove(id);
}

}  // namespace berth::launcher
