// The real system calls behind sys::Kernel.
#include "libcontainer/sys/linux_kernel.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <vector>

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/sys.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/sys/proc.hpp"
#include "libcontainer/sys/unix_socket.hpp"
#include "libcontainer/sys/userns.hpp"

namespace berth::sys {

Status remove_tree_at(int parent, const char* name) {
  int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOTDIR || errno == ELOOP) {
      if (unlinkat(parent, name, 0) < 0 && errno != ENOENT) return sys_error(errno, std::string("unlink ") + name);
      return {};
    }
    if (errno == ENOENT) return {};
    return sys_error(errno, std::string("open ") + name);
  }
  DIR* d = fdopendir(fd);
  if (!d) {
    int e = errno;
    close(fd);
    return sys_error(e, std::string("read directory ") + name);
  }
  std::vector<std::string> dirs;
  Status s;
  while (dirent* e = readdir(d)) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    // What the directory says is no directory goes at once (one unlink, no
    // open to find out); the rest, after the listing.
    if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN) {
      if (unlinkat(dirfd(d), e->d_name, 0) == 0 || errno == ENOENT) continue;
      if (errno != EISDIR) {
        s = sys_error(errno, std::string("unlink ") + e->d_name);
        break;
      }
    }
    dirs.emplace_back(e->d_name);
  }
  for (const auto& n : dirs) {
    if (!s.ok()) break;
    s = remove_tree_at(dirfd(d), n.c_str());
  }
  closedir(d);
  if (!s.ok()) return s;
  if (unlinkat(parent, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return sys_error(errno, std::string("rmdir ") + name);
  return {};
}

namespace {

void kill_and_reap(pid_t pid) {
  ::kill(pid, SIGKILL);
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

}  // namespace

Status LinuxKernel::make_dir(const std::string& path, mode_t mode) {
  if (mkdir(path.c_str(), mode) < 0) return sys_error(errno, "mkdir " + path);
  return {};
}

Status LinuxKernel::remove_tree(const std::string& path) { return remove_tree_at(AT_FDCWD, path.c_str()); }

Status LinuxKernel::remove_file(const std::string& path) {
  if (unlink(path.c_str()) < 0 && errno != ENOENT) return sys_error(errno, "unlink " + path);
  return {};
}

Status LinuxKernel::make_fifo(const std::string& path, mode_t mode) {
  if (mkfifo(path.c_str(), mode) < 0) return sys_error(errno, "mkfifo " + path);
  if (chmod(path.c_str(), mode) < 0) return sys_error(errno, "chmod " + path);
  return {};
}

Status LinuxKernel::write_file(const std::string& path, std::string_view data, mode_t mode) {
  return state::write_file_atomic(path, data, mode);
}

Status LinuxKernel::rewrite_file(const std::string& path, std::string_view data, mode_t mode) {
  return state::write_file_atomic(path, data, mode, state::Sync::Spare);
}

Status LinuxKernel::write_file_synced(const std::string& path, std::string_view data, mode_t mode) {
  return state::write_file_atomic(path, data, mode, state::Sync::File);
}

Result<UniqueFd> LinuxKernel::open_locked_dir(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error(errno, "open " + path);
  if (flock(fd.get(), LOCK_EX) < 0) return sys_error(errno, "lock " + path);
  return fd;
}

Result<UniqueFd> LinuxKernel::open_path(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_PATH | O_CLOEXEC));
  if (!fd) return sys_error(errno, "open " + path);
  return fd;
}

Result<UniqueFd> LinuxKernel::listen_unix(const std::string& path) { return unix_listen(path); }

Result<UniqueFd> LinuxKernel::open_dir_at(int dirfd, const std::string& path) {
  UniqueFd fd(openat(dirfd, path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd) return sys_error(errno, "open " + path);
  return fd;
}

Status LinuxKernel::make_dir_at(int dirfd, const std::string& path, mode_t mode) {
  if (mkdirat(dirfd, path.c_str(), mode) < 0) return sys_error(errno, "mkdir " + path);
  return {};
}

Status LinuxKernel::remove_dir_at(int dirfd, const std::string& path) {
  if (unlinkat(dirfd, path.c_str(), AT_REMOVEDIR) < 0) return sys_error(errno, "rmdir " + path);
  return {};
}

Status LinuxKernel::set_xattr(int fd, const std::string& name, std::string_view value) {
  if (fsetxattr(fd, name.c_str(), value.data(), value.size(), 0) < 0)
    return sys_error(errno, "set the attribute " + name);
  return {};
}

Result<std::string> LinuxKernel::get_xattr(int fd, const std::string& name) {
  char buf[256];
  ssize_t n = fgetxattr(fd, name.c_str(), buf, sizeof buf);
  if (n < 0) return sys_error(errno, "read the attribute " + name);
  return std::string(buf, size_t(n));
}

Status LinuxKernel::write_at(int dirfd, const std::string& file, std::string_view data) {
  // O_TRUNC as runc: harmless on cgroupfs, and a plain file (a fake tree) gets the value alone.
  UniqueFd fd(openat(dirfd, file.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return sys_error(errno, "open " + file);
  // One write(2): cgroup files take a value per write call.
  ssize_t n;
  do n = ::write(fd.get(), data.data(), data.size());
  while (n < 0 && errno == EINTR);
  if (n < 0) return sys_error(errno, "write " + file);
  if (size_t(n) != data.size()) return sys_error(EIO, "short write to " + file);
  return {};
}

namespace {

long bpf(int cmd, bpf_attr& a) { return syscall(SYS_bpf, cmd, &a, sizeof a); }

// The ids of the device programs attached to the cgroup itself (not those
// it inherits from its parents).
Result<std::vector<uint32_t>> attached_device_filters(int cgroup_fd) {
  std::vector<uint32_t> ids(16);
  for (;;) {
    bpf_attr q{};
    q.query.target_fd = uint32_t(cgroup_fd);
    q.query.attach_type = BPF_CGROUP_DEVICE;
    q.query.prog_ids = uint64_t(uintptr_t(ids.data()));
    q.query.prog_cnt = uint32_t(ids.size());
    if (bpf(BPF_PROG_QUERY, q) == 0) {
      ids.resize(q.query.prog_cnt);
      return ids;
    }
    if (errno != ENOSPC) return sys_error(errno, "query the cgroup's device filters");
    ids.resize(q.query.prog_cnt);  // the kernel says how many there are
  }
}

}  // namespace

Status LinuxKernel::replace_device_filter(int cgroup_fd, const std::vector<bpf_insn>& program) {
  static const char kLicense[] = "GPL";
  auto load = [&](char* log, uint32_t log_size) {
    bpf_attr a{};
    a.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    a.insn_cnt = uint32_t(program.size());
    a.insns = uint64_t(uintptr_t(program.data()));
    a.license = uint64_t(uintptr_t(kLicense));
    a.log_buf = uint64_t(uintptr_t(log));
    a.log_size = log_size;
    a.log_level = log ? 1 : 0;
    return UniqueFd(int(bpf(BPF_PROG_LOAD, a)));
  };
  UniqueFd prog = load(nullptr, 0);
  if (!prog) {
    // Again with the verifier's log, for the error (its tail says why).
    Error e = sys_error(errno, "load the device filter");
    std::vector<char> log(1 << 16);
    if (!load(log.data(), uint32_t(log.size())) && log[0]) {
      std::string text(log.data());
      e.add_note("verifier: " + text.substr(text.size() > 400 ? text.size() - 400 : 0));
    }
    return e;
  }
  // Both attached for a moment: the kernel runs every program of the
  // cgroup and allows only what all of them allow.
  auto old = BERTH_TRY(attached_device_filters(cgroup_fd));
  bpf_attr attach{};
  attach.target_fd = uint32_t(cgroup_fd);
  attach.attach_bpf_fd = uint32_t(prog.get());
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (bpf(BPF_PROG_ATTACH, attach) < 0) return sys_error(errno, "attach the device filter");
  for (uint32_t id : old) {
    bpf_attr get{};
    get.prog_id = id;
    UniqueFd fd(int(bpf(BPF_PROG_GET_FD_BY_ID, get)));
    if (!fd) {
      if (errno == ENOENT) continue;  // detached meanwhile
      return sys_error(errno, "open the old device filter (program id " + std::to_string(id) + ")");
    }
    bpf_attr detach{};
    detach.target_fd = uint32_t(cgroup_fd);
    detach.attach_bpf_fd = uint32_t(fd.get());
    detach.attach_type = BPF_CGROUP_DEVICE;
    if (bpf(BPF_PROG_DETACH, detach) < 0 && errno != ENOENT)
      return sys_error(errno, "detach the old device filter (program id " + std::to_string(id) + ")");
  }
  return {};
}

// The cloner runs in our address space until it execs the shim (vfork):
// copying the CLI's page tables for a process that only clones the init
// and execs cost about 2 ms a create here, in the fork and in the
// copy-on-write faults of both sides after it. The cloner is child code
// (child::sys only: no allocation, no locks) and never returns; we are
// suspended meanwhile, so nothing it reads can change under it. Kept apart
// so no local of the caller lives across the vfork.
[[gnu::noinline]] static pid_t vfork_cloner(child::ChildPlan& plan, const char* shim_path, char* const* shim_argv) {
  pid_t pid = vfork();
  if (pid == 0) child::cloner_main(plan, shim_path, shim_argv);
  return pid;
}

Result<SpawnedInit> LinuxKernel::spawn_init(child::ChildPlan& plan, const char* shim_path, char* const* shim_argv) {
  int sp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) < 0) return sys_error(errno, "socketpair");
  SpawnedInit out;
  out.sync.reset(sp[0]);
  UniqueFd child_end(sp[1]);
  int pp[2];
  if (pipe2(pp, O_CLOEXEC) < 0) return sys_error(errno, "pipe");
  UniqueFd pid_read(pp[0]), pid_write(pp[1]);
  plan.sync_fd = child_end.get();
  plan.parent_sync_fd = out.sync.get();
  plan.pid_report_fd = pid_write.get();
  // The init keeps every page it inherits for as long as it waits at the
  // start gate (the CLI exits, so nothing is shared any more): hand the free
  // heap back first.
  malloc_trim(0);
  // Without a shim the init, orphaned when the cloner exits, comes to us.
  if (!shim_path && prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) return sys_error(errno, "become a child subreaper");
  pid_t pid = vfork_cloner(plan, shim_path, shim_argv);
  if (pid < 0) return sys_error(errno, "vfork");
  child_end.reset();
  pid_write.reset();
  pid_t init = 0;
  ssize_t n;
  do n = read(pid_read.get(), &init, sizeof init);
  while (n < 0 && errno == EINTR);
  if (n != sizeof init || init < 0) {
    kill_and_reap(pid);
    if (n != sizeof init) return Error(Code::Child, "the cloner died before reporting the container's pid");
    return sys_error(-init, "clone the container init");
  }
  if (!shim_path) {
    reap(pid);
    pid = 0;
  }
  out.shim = pid;
  out.init = init;
  return out;
}

Status LinuxKernel::send_bind_sources(pid_t init, const child::ChildPlan& plan) {
  UniqueFd ns(open(("/proc/" + std::to_string(init) + "/ns/mnt").c_str(), O_RDONLY | O_CLOEXEC));
  if (!ns) return sys_error(errno, "open the mount namespace of the container init");
  int pp[2];
  if (pipe2(pp, O_CLOEXEC) < 0) return sys_error(errno, "pipe");
  UniqueFd result_read(pp[0]), result_write(pp[1]);
  // setns(CLONE_NEWNS) needs a process of its own (and would move our root).
  pid_t pid = child::sys::fork();
  if (pid < 0) return sys_error(errno, "fork the bind source opener");
  if (pid == 0) child::send_bind_sources(plan, ns.get(), result_write.get());
  result_write.reset();
  child::BindSourcesResult r{};
  ssize_t n;
  do n = read(result_read.get(), &r, sizeof r);
  while (n < 0 && errno == EINTR);
  reap(pid);
  if (n != sizeof r) return Error(Code::Child, "the bind source opener died");
  if (r.sys_errno == 0) return {};
  if (r.mount_index < 0) return sys_error(r.sys_errno, "join the mount namespace of the container init");
  const auto& m = plan.mounts[r.mount_index];
  return sys_error(r.sys_errno, std::string("open bind source ") + m.source)
      .with_path("/mounts/" + std::to_string(m.json_index) + "/source");
}

Status LinuxKernel::signal(pid_t pid, uint64_t start_time, int sig) {
  auto fd = BERTH_TRY(open_pidfd(pid, start_time));
  if (syscall(SYS_pidfd_send_signal, fd.get(), sig, nullptr, 0) < 0)
    return sys_error(errno, "signal " + std::to_string(pid));
  return {};
}

void LinuxKernel::reap(pid_t pid) {
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

uint64_t LinuxKernel::start_time(pid_t pid, std::string* comm) { return process_start_time(pid, comm); }

Status LinuxKernel::unmount(const std::string& path, int flags) {
  if (umount2(path.c_str(), flags) < 0) return sys_error(errno, "unmount " + path);
  return {};
}

Result<UniqueFd> LinuxKernel::open_pidfd(pid_t pid, uint64_t start_time) {
  UniqueFd fd = sys::open_pidfd(pid, start_time);
  if (!fd) return Error(Code::NotFound, "process " + std::to_string(pid) + " is gone");
  return fd;
}

Result<UniqueFd> LinuxKernel::open_child_pidfd(pid_t pid) {
  UniqueFd fd(pid > 0 ? int(syscall(SYS_pidfd_open, pid, 0)) : -1);
  if (!fd) return sys_error(errno, "open a pidfd of process " + std::to_string(pid));
  return fd;
}

Status LinuxKernel::signal_pidfd(int pidfd, int sig) {
  if (syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0) < 0) return sys_error(errno, "send a signal");
  return {};
}

std::optional<int> LinuxKernel::reap_if_exited(pid_t pid) {
  int status;
  if (waitpid(pid, &status, WNOHANG) != pid) return std::nullopt;
  return status;
}

Result<UniqueFd> LinuxKernel::open_fifo_reader(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (!fd) return sys_error(errno, "open " + path);
  return fd;
}

Result<UniqueFd> LinuxKernel::make_memfd(const char* name, std::string_view data) {
  UniqueFd fd(int(syscall(SYS_memfd_create, name, MFD_CLOEXEC)));
  if (!fd) return sys_error(errno, "memfd_create");
  if (write(fd.get(), data.data(), data.size()) != ssize_t(data.size())) return sys_error(errno, "write memfd");
  return fd;
}

Status LinuxKernel::write_id_map(pid_t pid, const char* file, const std::vector<spec::IdMapping>& m) {
  return sys::write_id_map(pid, file, m);
}

Status LinuxKernel::send_fd_to(const std::string& socket_path, std::string_view payload, int fd) {
  auto sock = BERTH_TRY(unix_connect(socket_path));
  return send_fd(sock.get(), std::string(payload), fd);
}

Result<std::string> LinuxKernel::request_line(const std::string& socket_path, const std::string& line) {
  auto s = BERTH_TRY(unix_connect(socket_path));
  std::string out = line + "\n";
  if (send(s.get(), out.data(), out.size(), MSG_NOSIGNAL) < 0) return sys_error(errno, "write to " + socket_path);
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

Result<int> LinuxKernel::run_hook(const char* path, char* const* argv, char* const* envp, int timeout_s,
                                  std::string_view stdin_data) {
  int status = 0;
  int r = child::run_hook_raw(path, argv, envp, timeout_s, stdin_data.data(), stdin_data.size(), &status);
  if (r < 0) return sys_error(-r, std::string("run ") + path);
  return status;
}

namespace {

std::vector<char*> c_strings(const std::vector<std::string>& v) {
  std::vector<char*> out;
  for (const auto& s : v) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

Result<ProgramOutput> LinuxKernel::run_program(const std::string& path, const std::vector<std::string>& argv,
                                               const std::vector<std::string>& envp, std::string_view stdin_data,
                                               int timeout_s, const std::string& netns) {
  UniqueFd ns;
  if (!netns.empty()) {
    ns.reset(open(netns.c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) return sys_error(errno, "open the network namespace " + netns);
  }
  // stdin a socket (send(MSG_NOSIGNAL) survives a program that never reads),
  // stdout and stderr pipes; ours all close-on-exec.
  int in[2], out[2], err[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0) return sys_error(errno, "socketpair");
  UniqueFd in_r(in[0]), in_w(in[1]);
  if (pipe2(out, O_CLOEXEC) < 0) return sys_error(errno, "pipe");
  UniqueFd out_r(out[0]), out_w(out[1]);
  if (pipe2(err, O_CLOEXEC) < 0) return sys_error(errno, "pipe");
  UniqueFd err_r(err[0]), err_w(err[1]);
  auto args = c_strings(argv), env = c_strings(envp);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) return sys_error(errno, "fork to run " + path);
  if (pid == 0) {
    // Dies with us: a plugin must not finish an ADD after a killed caller's
    // `delete --force` has undone it.
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent) _exit(127);
    if (ns && setns(ns.get(), CLONE_NEWNET) < 0) {
      dprintf(err_w.get(), "berth: enter the network namespace %s: %s\n", netns.c_str(), strerror(errno));
      _exit(126);
    }
    dup2(in_r.get(), 0);
    dup2(out_w.get(), 1);
    dup2(err_w.get(), 2);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    execve(path.c_str(), args.data(), env.data());
    _exit(127);
  }
  in_r.reset(), out_w.reset(), err_w.reset();
  ProgramOutput o;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  size_t sent = 0;
  if (stdin_data.empty()) in_w.reset();
  while (out_r || err_r) {
    pollfd p[3];
    int n = 0;
    if (in_w) p[n++] = {in_w.get(), POLLOUT, 0};
    if (out_r) p[n++] = {out_r.get(), POLLIN, 0};
    if (err_r) p[n++] = {err_r.get(), POLLIN, 0};
    int wait_ms = -1;
    if (timeout_s > 0) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      wait_ms = int(std::max<long long>(0, left.count()));
    }
    int r = poll(p, nfds_t(n), wait_ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      ::kill(pid, SIGKILL);
      reap(pid);
      return r == 0 ? sys_error(ETIMEDOUT, path + " did not finish within " + std::to_string(timeout_s) + "s")
                    : sys_error(errno, "poll");
    }
    for (int i = 0; i < n; i++) {
      if (!p[i].revents) continue;
      if (in_w && p[i].fd == in_w.get()) {
        ssize_t w = send(in_w.get(), stdin_data.data() + sent, stdin_data.size() - sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) sent += size_t(w);
        if ((w < 0 && errno != EAGAIN && errno != EINTR) || sent == stdin_data.size()) in_w.reset();
        continue;
      }
      UniqueFd& fd = out_r && p[i].fd == out_r.get() ? out_r : err_r;
      std::string& into = &fd == &out_r ? o.out : o.err;
      char buf[16384];
      ssize_t got = read(fd.get(), buf, sizeof buf);
      if (got > 0)
        into.append(buf, size_t(got));
      else if (got == 0 || (errno != EINTR && errno != EAGAIN))
        fd.reset();
    }
  }
  in_w.reset();
  // A program that closed its stdout and stderr but lives on is bounded too.
  UniqueFd pidfd(int(syscall(SYS_pidfd_open, pid, 0)));
  if (pidfd && timeout_s > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{pidfd.get(), POLLIN, 0};
    int r;
    do r = poll(&p, 1, int(std::max<long long>(0, left.count())));
    while (r < 0 && errno == EINTR);
    if (r == 0) {
      ::kill(pid, SIGKILL);
      reap(pid);
      return sys_error(ETIMEDOUT, path + " did not finish within " + std::to_string(timeout_s) + "s");
    }
  }
  pid_t w;
  do w = waitpid(pid, &o.status, 0);
  while (w < 0 && errno == EINTR);
  if (w < 0) return sys_error(errno, "wait for " + path);
  return o;
}

Status LinuxKernel::bind_namespace(pid_t pid, const char* ns, const std::string& path) {
  UniqueFd f(open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0444));
  if (!f) return sys_error(errno, "make " + path);
  f.reset();
  std::string source = "/proc/" + std::to_string(pid) + "/ns/" + ns;
  if (mount(source.c_str(), path.c_str(), nullptr, MS_BIND, nullptr) < 0) {
    int e = errno;
    unlink(path.c_str());
    return sys_error(e, "bind-mount " + source + " on " + path);
  }
  return {};
}

}  // namespace berth::sys
