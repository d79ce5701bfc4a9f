// FakeKernel: a sys::Kernel for unit tests. Files and directories are real,
// below a test's temp dir (through LinuxKernel), so the tree a test inspects
// is what the code left; processes and mounts are modelled (a spawned
// "init" is a scripted peer on a real socketpair). Every call is recorded
// with its typed arguments, and call N can be made to fail with an errno.
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

#include "libcontainer/child/sync.hpp"
#include "libcontainer/sys/linux_kernel.hpp"

namespace berth::test {

class FakeKernel final : public sys::Kernel {
 public:
  struct Call {
    std::string op;
    std::string arg;  // the path, file or pid
  };

  // The scripted init: the messages it sends as soon as it exists.
  std::vector<child::SyncMsg> init_script = {msg(child::SyncKind::RuntimeReady), msg(child::SyncKind::Created)};
  bool close_init_after_script = false;  // the init dies after its script
  int fail_at = 0;                       // 1-based index of the call to fail; 0: none
  int fail_errno = EIO;

  // Runs after a successful make_dir_at: a FakeCgroupTree adds the
  // control files the kernel would.
  std::function<void(int dirfd, const std::string& name)> on_make_dir_at;

  // Runs before remove_dir_at; a non-zero errno fails it (a FakeCgroupTree
  // drops the control files, or says EBUSY while tasks are listed).
  std::function<int(int dirfd, const std::string& path)> before_remove_dir_at;

  std::vector<Call> calls;
  std::map<pid_t, uint64_t> processes;  // live pid -> start time
  std::set<std::string> mounts;
  // The device programs attached to each cgroup (by the fd's path); one
  // each, as replace_device_filter leaves them.
  std::map<std::string, std::vector<std::vector<bpf_insn>>> device_filters;

  ~FakeKernel() override {
    for (auto [pid, fd] : init_ends_) close(fd);
  }

  static child::SyncMsg msg(child::SyncKind k) {
    child::SyncMsg m{};
    m.magic = child::kSyncMagic;
    m.kind = k;
    return m;
  }
  static child::SyncMsg failed(const char* step, int err, const char* json_path) {
    child::SyncMsg m = msg(child::SyncKind::Failed);
    m.error.sys_errno = err;
    snprintf(m.error.step, sizeof m.error.step, "%s", step);
    snprintf(m.error.json_path, sizeof m.error.json_path, "%s", json_path);
    return m;
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
    for (const auto& m : init_script) (void)::send(sp[1], &m, sizeof m, 0);
    out.shim = next_pid_++;
    out.init = next_pid_++;
    if (close_init_after_script)
      close(sp[1]);
    else
      init_ends_[out.init] = sp[1];
    processes[out.shim] = 1000 + uint64_t(out.shim);
    processes[out.init] = 1000 + uint64_t(out.init);
    return out;
  }
  Status send_bind_sources(pid_t init, const child::ChildPlan&) override {
    if (auto e = step("send_bind_sources", std::to_string(init))) return *e;
    return {};
  }
  Status signal(pid_t pid, uint64_t t, int sig) override {
    if (auto e = step("signal", std::to_string(pid))) return *e;
    auto it = processes.find(pid);
    if (it == processes.end() || it->second != t) return Error(Code::NotFound, "no such process");
    if (sig != SIGKILL) return {};
    processes.erase(it);
    // A dead init's end of the sync channel closes with it.
    if (auto e = init_ends_.find(pid); e != init_ends_.end()) close(e->second), init_ends_.erase(e);
    return {};
  }
  void reap(pid_t pid) override { calls.push_back({"reap", std::to_string(pid)}); }
  uint64_t start_time(pid_t pid) override {
    auto it = processes.find(pid);
    return it == processes.end() ? 0 : it->second;
  }
  Status unmount(const std::string& p, int) override {
    if (auto e = step("unmount", p)) return *e;
    if (!mounts.erase(p)) return sys_error(EINVAL, "unmount " + p);
    return {};
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

  sys::LinuxKernel real_;
  std::map<pid_t, int> init_ends_;  // init pid -> its end of the sync channel
  pid_t next_pid_ = 4000000;        // above pid_max: never a real process
};

}  // namespace berth::test
