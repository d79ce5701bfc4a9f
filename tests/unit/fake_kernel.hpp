// FakeKernel: a sys::Kernel for unit tests. Files and directories are real,
// below a test's temp dir (through LinuxKernel), so the tree a test inspects
// is what the code left; processes, mounts, hooks and the shim's answers are
// modelled (a spawned "init" is a scripted peer on a real socketpair that
// speaks through child::RuntimeChannel; at the start gate it writes a
// scripted StartReport into the real fifo). Every call is recorded with its
// typed arguments, and call N can be made to fail with an errno.
#pragma once

#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "libcontainer/child/init_name.hpp"
#include "libcontainer/child/start_gate.hpp"
#include "libcontainer/child/sync.hpp"
#include "libcontainer/sys/linux_kernel.hpp"
#include "tests/unit/fake_processes.hpp"

namespace berth::test {

class FakeKernel final : public sys::Kernel {
 public:
  struct Call {
    std::string op;
    std::string arg;  // the path, file or pid
  };

  using InitScript = std::function<void(const child::RuntimeChannel&)>;
  // The scripted init: what it sends as soon as it exists (what the CLI
  // sends it waits unread in its socket buffer). The default follows the
  // plan: "runtime ready" only when it has hooks to wait for.
  InitScript init_script = [this](const child::RuntimeChannel& c) {
    if (init_awaits_hooks) c.send_runtime_ready();
    c.send_created();
  };
  bool init_awaits_hooks = false;        // the last spawned plan's await_hooks
  bool close_init_after_script = false;  // the init dies after its script
  // What the init writes at the start gate once `start` opens the fifo
  // (nothing: it is not there).
  std::optional<child::StartReport> start_report = child::StartReport{1, {}};
  // The wait status of the shim, once create looks (nullopt: still running).
  std::optional<int> shim_exit_status;
  // Wait status per hook path (0 when not named).
  std::map<std::string, int> hook_status;
  struct HookRun {
    std::string path, state;
  };
  std::vector<HookRun> hook_runs;
  struct Sent {
    pid_t pid;
    int sig;
  };
  std::vector<Sent> signals;  // every signal delivered, in order
  int fail_at = 0;            // 1-based index of the call to fail; 0: none
  int fail_errno = EIO;

  // Runs after a successful make_dir_at: a FakeCgroupTree adds the
  // control files the kernel would.
  std::function<void(int dirfd, const std::string& name)> on_make_dir_at;

  // Runs before remove_dir_at; a non-zero errno fails it (a FakeCgroupTree
  // drops the control files, or says EBUSY while tasks are listed).
  std::function<int(int dirfd, const std::string& path)> before_remove_dir_at;

  std::vector<Call> calls;
  FakeProcesses procs;
  std::map<pid_t, uint64_t>& processes = procs.live;  // live pid -> start time
  std::set<std::string> mounts;
  // The device programs attached to each cgroup (by the fd's path); one
  // each, as replace_device_filter leaves them.
  std::map<std::string, std::vector<std::vector<bpf_insn>>> device_filters;

  ~FakeKernel() override {
    for (auto [pid, fd] : init_ends_) close(fd);
  }

  static child::ChildError child_error(const char* step, int err, const char* json_path) {
    child::ChildError e{};
    e.sys_errno = err;
    snprintf(e.step, sizeof e.step, "%s", step);
    snprintf(e.json_path, sizeof e.json_path, "%s", json_path);
    return e;
  }
  // An init script that reports a failed step at once.
  static InitScript failed(const char* step, int err, const char* json_path) {
    return [e = child_error(step, err, json_path)](const child::RuntimeChannel& c) { c.send_failed(e); };
  }

  Status make_dir(const std::string& p, mode_t m) override {
    return guard("make_dir", p, [&] { return real_.make_dir(p, m); });
  }
  Status remove_tree(const std::string& p) override {
    return guard("remove_tree", p, [&] { return real_.remove_tree(p); });
  }
  Status remove_file(const std::string& p) override {
    return guard("remove_file", p, [&] { return real_.remove_file(p); });
  }
  Status make_fifo(const std::string& p, mode_t m) override {
    return guard("make_fifo", p, [&] { return real_.make_fifo(p, m); });
  }
  Status write_file(const std::string& p, std::string_view d, mode_t m) override {
    return guard("write_file", p, [&] { return real_.write_file(p, d, m); });
  }
  Status rewrite_file(const std::string& p, std::string_view d, mode_t m) override {
    return guard("rewrite_file", p, [&] { return real_.rewrite_file(p, d, m); });
  }
  Status write_file_synced(const std::string& p, std::string_view d, mode_t m) override {
    return guard("write_file_synced", p, [&] { return real_.write_file(p, d, m); });
  }
  Result<UniqueFd> open_locked_dir(const std::string& p) override {
    if (auto e = step("open_locked_dir", p)) return *e;
    return real_.open_locked_dir(p);
  }
  Result<UniqueFd> open_path(const std::string& p) override {
    if (auto e = step("open_path", p)) return *e;
    return real_.open_path(p);
  }
  Result<UniqueFd> listen_unix(const std::string& p) override {
    if (auto e = step("listen_unix", p)) return *e;
    return real_.listen_unix(p);
  }
  Result<UniqueFd> open_dir_at(int d, const std::string& p) override {
    if (auto e = step("open_dir_at", p)) return *e;
    return real_.open_dir_at(d, p);
  }
  Status make_dir_at(int d, const std::string& p, mode_t m) override {
    Status s = guard("make_dir_at", p, [&] { return real_.make_dir_at(d, p, m); });
    if (s.ok() && on_make_dir_at) on_make_dir_at(d, p);
    return s;
  }
  Status remove_dir_at(int d, const std::string& p) override {
    return guard("remove_dir_at", p, [&]() -> Status {
      if (before_remove_dir_at)
        if (int e = before_remove_dir_at(d, p)) return sys_error(e, "rmdir " + p);
      return real_.remove_dir_at(d, p);
    });
  }
  Status write_at(int d, const std::string& f, std::string_view data) override {
    return guard("write_at", f + "=" + std::string(data), [&] { return real_.write_at(d, f, data); });
  }

  // Extended attributes, modelled (a temp dir's filesystem may refuse
  // trusted.* to a test): by the path of the fd.
  std::map<std::string, std::map<std::string, std::string>> xattrs;
  Status set_xattr(int fd, const std::string& name, std::string_view value) override {
    if (auto e = step("set_xattr", name + "=" + std::string(value))) return *e;
    xattrs[fd_path(fd)][name] = std::string(value);
    return {};
  }
  Result<std::string> get_xattr(int fd, const std::string& name) override {
    auto it = xattrs.find(fd_path(fd));
    if (it == xattrs.end() || !it->second.count(name)) return sys_error(ENODATA, "read the attribute " + name);
    return it->second[name];
  }
  static std::string fd_path(int fd) {
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    return n > 0 ? std::string(path, size_t(n)) : std::string();
  }

  Status replace_device_filter(int fd, const std::vector<bpf_insn>& prog) override {
    if (auto e = step("replace_device_filter", std::to_string(prog.size()))) return *e;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    device_filters[n > 0 ? std::string(path, size_t(n)) : std::string()] = {prog};
    return {};
  }
  Result<sys::SpawnedInit> spawn_init(child::ChildPlan& plan, const char*, char* const*) override {
    if (auto e = step("spawn_init", "")) return *e;
    int sp[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) return sys_error(errno, "socketpair");
    sys::SpawnedInit out;
    out.sync.reset(sp[0]);
    plan.sync_fd = sp[1];
    plan.parent_sync_fd = sp[0];
    init_awaits_hooks = plan.await_hooks;
    if (init_script) init_script(child::RuntimeChannel(sp[1]));
    out.shim = procs.spawn();
    out.init = procs.spawn();
    last_init_ = out.init;
    if (close_init_after_script)
      close(sp[1]);
    else
      init_ends_[out.init] = sp[1];
    return out;
  }
  Status send_bind_sources(pid_t init, const child::ChildPlan&) override {
    if (auto e = step("send_bind_sources", std::to_string(init))) return *e;
    return {};
  }
  Status signal(pid_t pid, uint64_t t, int sig) override {
    if (auto e = step("signal", std::to_string(pid))) return *e;
    if (!procs.alive(pid, t)) return Error(Code::NotFound, "no such process");
    deliver(pid, sig);
    return {};
  }
  void reap(pid_t pid) override { calls.push_back({"reap", std::to_string(pid)}); }
  // Their names, where a test gives one; an init at its start gate otherwise.
  std::map<pid_t, std::string> names;
  uint64_t start_time(pid_t pid, std::string* comm = nullptr) override {
    auto it = processes.find(pid);
    if (comm) *comm = names.count(pid) ? names[pid] : child::kInitName;
    return it == processes.end() ? 0 : it->second;
  }
  Status unmount(const std::string& p, int) override {
    if (auto e = step("unmount", p)) return *e;
    if (!mounts.erase(p)) return sys_error(EINVAL, "unmount " + p);
    return {};
  }

  Result<UniqueFd> open_pidfd(pid_t pid, uint64_t t) override {
    if (auto e = step("open_pidfd", std::to_string(pid))) return *e;
    UniqueFd fd = procs.open_pidfd(pid, t);
    if (!fd) return Error(Code::NotFound, "process " + std::to_string(pid) + " is gone");
    return fd;
  }
  Result<UniqueFd> open_child_pidfd(pid_t pid) override { return open_pidfd(pid, start_time(pid)); }
  Status signal_pidfd(int pidfd, int sig) override {
    auto pid = procs.pid_of(pidfd);
    if (auto e = step("signal_pidfd", pid ? std::to_string(*pid) : "?")) return *e;
    if (!pid || !processes.count(*pid)) return sys_error(ESRCH, "send a signal");
    deliver(*pid, sig);
    return {};
  }
  // Not recorded: it cannot fail, and it runs only on the way out.
  std::optional<int> reap_if_exited(pid_t) override { return shim_exit_status; }
  Result<UniqueFd> open_fifo_reader(const std::string& p) override {
    if (auto e = step("open_fifo_reader", p)) return *e;
    auto fd = BERTH_TRY(real_.open_fifo_reader(p));
    // The init at its gate: its open for writing returns now.
    if (start_report && processes.count(last_init_)) {
      UniqueFd w(open(p.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC));
      if (w) (void)!write(w.get(), &*start_report, sizeof *start_report);
      if (!start_report->ok) procs.die(last_init_);
    }
    return fd;
  }
  Result<UniqueFd> make_memfd(const char* name, std::string_view data) override {
    if (auto e = step("make_memfd", name)) return *e;
    return real_.make_memfd(name, data);
  }
  Status write_id_map(pid_t pid, const char* file, const std::vector<spec::IdMapping>&) override {
    return guard("write_id_map", std::to_string(pid) + "/" + file, [] { return Status{}; });
  }
  Status send_fd_to(const std::string& path, std::string_view payload, int) override {
    return guard("send_fd_to", path + " " + std::string(payload), [] { return Status{}; });
  }
  // The shim: "shutdown" stops it ("ok"); "wait" answers once the init is
  // gone. A shim that is gone refuses the connection.
  Result<std::string> request_line(const std::string& path, const std::string& line) override {
    if (auto e = step("request_line", line)) return *e;
    pid_t shim = last_init_ - 1;
    if (!processes.count(shim)) return sys_error(ECONNREFUSED, "connect " + path);
    if (line == "shutdown") return procs.die(shim), std::string("ok");
    if (line == "created") return std::string("ok");
    if (line == "wait" && !processes.count(last_init_)) return std::string("exit 137 9");
    return std::string("error unknown request");
  }
  Result<sys::ProgramOutput> run_program(const std::string& path, const std::vector<std::string>&,
                                         const std::vector<std::string>&, std::string_view, int,
                                         const std::string&) override {
    if (auto e = step("run_program", path)) return *e;
    return sys::ProgramOutput{};
  }
  Status bind_namespace(pid_t, const char*, const std::string& path) override {
    if (auto e = step("bind_namespace", path)) return *e;
    return {};
  }
  Result<int> run_hook(const char* path, char* const*, char* const*, int, std::string_view state) override {
    if (auto e = step("run_hook", path)) return *e;
    hook_runs.push_back({path, std::string(state)});
    return hook_status.count(path) ? hook_status[path] : 0;
  }

 private:
  template <typename F>
  auto guard(const char* op, const std::string& arg, F f) -> decltype(f()) {
    if (auto e = step(op, arg)) return *e;
    return f();
  }
  // Records the call; returns the injected error when it is call fail_at.
  std::optional<Error> step(const char* op, const std::string& arg) {
    calls.push_back({op, arg});
    if (int(calls.size()) == fail_at)
      return sys_error(fail_errno, std::string("injected failure of ") + op + " " + arg);
    return std::nullopt;
  }

  // Only SIGKILL kills: the scripted processes handle or ignore the rest.
  void deliver(pid_t pid, int sig) {
    signals.push_back({pid, sig});
    if (sig != SIGKILL) return;
    procs.die(pid);
    // A dead init's end of the sync channel closes with it.
    if (auto e = init_ends_.find(pid); e != init_ends_.end()) close(e->second), init_ends_.erase(e);
  }

  sys::LinuxKernel real_;
  std::map<pid_t, int> init_ends_;  // init pid -> its end of the sync channel
  pid_t last_init_ = 0;
};

}  // namespace berth::test
