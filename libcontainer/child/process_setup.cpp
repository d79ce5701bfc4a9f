// Process attributes of the init: rlimits, oom_score_adj, umask, scheduler,
// I/O priority, personality, memory policy, LSM labels, user and groups,
// capabilities, cwd, no_new_privs, seccomp, the console, and the
// lookup and exec of the user's program (never the berth binary itself).
#include "libcontainer/child/process_setup.hpp"

#include <linux/filter.h>
#include <linux/magic.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <termios.h>

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/caps.hpp"
#include "libcontainer/child/start_hooks.hpp"
#include "libcontainer/child/sys.hpp"
#include "libcontainer/rootfs/resolve.hpp"

namespace berth::child {

BERTH_CHILD int write_proc_file(int procfd, const char* rel, const char* value) {
  open_how how;
  sys::memset(&how, 0, sizeof how);
  how.flags = O_WRONLY | O_CLOEXEC;
  how.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_XDEV | RESOLVE_BENEATH;
  int fd = sys::openat2(procfd, rel, &how);
  if (fd < 0) return -errno;
  struct statfs sfs;
  if (sys::fstatfs(fd, &sfs) < 0 || sfs.f_type != PROC_SUPER_MAGIC) {
    sys::close(fd);
    return -EXDEV;
  }
  ssize_t n = sys::write(fd, value, sys::strlen(value));
  int e = errno;
  sys::close(fd);
  return n < 0 ? -e : 0;
}

static BERTH_CHILD void bind_console(const ChildPlan& p, int root, int peer) {
  int console = rootfs::open_or_create_in_root(root, "/dev/console", rootfs::Create::File, 0600, O_PATH);
  if (console < 0) fail(p, console, "create /dev/console", nullptr, nullptr, -1);
  struct stat st;
  if (sys::fstat(console, &st) < 0 || !(S_ISREG(st.st_mode) || S_ISCHR(st.st_mode)))
    fail(p, EEXIST, "/dev/console is not a file", nullptr, nullptr, -1);
  int tree = sys::open_tree(peer, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
  if (tree < 0 || sys::move_mount(tree, "", console, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0)
    fail(p, errno, "bind the pty over /dev/console", nullptr, nullptr, -1);
  sys::close(tree);
  sys::close(console);
}

BERTH_CHILD void setup_console(const ChildPlan& p) {
  int root = sys::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int master = rootfs::open_in_root(root, "/dev/ptmx", O_RDWR | O_NOCTTY, 0);
  if (master < 0) fail(p, master, "open /dev/ptmx", nullptr, "/process/terminal", -1);
  struct statfs sfs;
  if (sys::fstatfs(master, &sfs) < 0 || sfs.f_type != DEVPTS_SUPER_MAGIC)
    fail(p, EXDEV, "/dev/ptmx is not on a devpts", nullptr, "/process/terminal", -1);
  int unlock = 0;
  if (sys::ioctl(master, TIOCSPTLCK, &unlock) < 0) fail(p, errno, "unlock pty", nullptr, nullptr, -1);
  // The peer by fd (TIOCGPTPEER), never by a /dev/pts path a racer could swap.
  int peer = sys::ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (peer < 0) fail(p, errno, "open pty peer", nullptr, nullptr, -1);
  // The process's user owns its terminal (runc and crun chown the peer's uid);
  // the group stays devpts's (the mount's gid=, tty), as with both. EINVAL or
  // EPERM: an id not mapped in the user namespace, which runc skips too.
  if (sys::fchownat(peer, "", p.uid, gid_t(-1), AT_EMPTY_PATH) < 0 && errno != EINVAL && errno != EPERM)
    fail(p, errno, "chown the pty to process.user.uid", nullptr, "/process/user/uid", -1);
  if (p.console_rows || p.console_cols) {
    winsize ws{p.console_rows, p.console_cols, 0, 0};
    sys::ioctl(master, TIOCSWINSZ, &ws);
  }
  // The init's terminal is the container's console; an exec'd process's
  // is its own (as runc's exec, which leaves /dev/console alone).
  if (p.role == Role::Init) bind_console(p, root, peer);
  sys::close(root);
  if (RuntimeChannel(p.sync_fd).send_console(master) < 0)
    fail(p, errno, "send the console to the runtime", nullptr, nullptr, -1);
  sys::close(master);
  if (sys::setsid() < 0) fail(p, errno, "setsid", nullptr, nullptr, -1);
  if (sys::ioctl(peer, TIOCSCTTY, 0) < 0) fail(p, errno, "set controlling terminal", nullptr, nullptr, -1);
  for (int i = 0; i < 3; i++)
    if (sys::dup2(peer, i) < 0) fail(p, errno, "dup the pty to stdio", nullptr, nullptr, -1);
  sys::close(peer);
}

namespace {

BERTH_CHILD void load_seccomp(const ChildPlan& p) {
  if (!p.seccomp_filter) return;
  sock_fprog prog{static_cast<unsigned short>(p.seccomp_len),
                  const_cast<sock_filter*>(static_cast<const sock_filter*>(p.seccomp_filter))};
  unsigned flags = p.seccomp_flags | (p.seccomp_listener ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0);
  long r = sys::seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog);
  if (r < 0) fail(p, errno, "load seccomp filter", nullptr, "/linux/seccomp", -1);
  if (p.seccomp_listener) {
    int nfd = int(r);
    // The parent passes it on to the agent at listenerPath with the state.
    if (RuntimeChannel(p.sync_fd).send_seccomp_fd(nfd) < 0)
      fail(p, errno, "send the seccomp notify fd to the runtime", nullptr, "/linux/seccomp/listenerPath", -1);
    sys::close(nfd);
  }
}

BERTH_CHILD void set_user(const ChildPlan& p) {
  if (p.set_groups && sys::setgroups(p.n_groups, p.groups) < 0)
    fail(p, errno, "setgroups", nullptr, "/process/user/additionalGids", -1);
  if (sys::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) fail(p, errno, "keep capabilities", nullptr, nullptr, -1);
  // Raw syscalls: glibc's setxid broadcast is not needed (one thread) and the
  // uid/gid are numbers already (SECURITY.md: a numeric user is a uid).
  if (sys::setresgid(p.gid, p.gid, p.gid) < 0) fail(p, errno, "setgid", nullptr, "/process/user/gid", -1);
  if (sys::setresuid(p.uid, p.uid, p.uid) < 0) fail(p, errno, "setuid", nullptr, "/process/user/uid", -1);
  const char* step = nullptr;
  int r = apply_capabilities(p.caps, p.last_cap, &step);
  if (r < 0) fail(p, r, step ? step : "set capabilities", nullptr, "/process/capabilities", -1);
  sys::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0);
}

// chdir through an fd resolved inside the root: a magic link such as
// /proc/self/fd/N (a leaked host fd, CVE-2024-21626) is refused.
// Runs first as root, before the seccomp filter (which may deny openat2 or
// getcwd) and set_user, as runc does; `retry` says a permission error is not
// final yet: the caller tries again as the container user.
BERTH_CHILD bool change_dir(const ChildPlan& p, bool retry) {
  int root = sys::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  int fd = rootfs::open_in_root(root, p.cwd, O_PATH | O_DIRECTORY, 0);
  if (fd == -ENOENT) {
    // runc creates a missing cwd.
    fd = rootfs::open_or_create_in_root(root, p.cwd, rootfs::Create::Dir, 0755, O_PATH);
  }
  int err = fd < 0 ? -fd : (sys::fchdir(fd) < 0 ? errno : 0);
  if (err == EACCES && retry) {
    if (fd >= 0) sys::close(fd);
    sys::close(root);
    return false;
  }
  if (err) fail(p, err, "chdir to cwd", p.cwd, "/process/cwd", -1);
  char buf[8];
  if (sys::getcwd(buf, sizeof buf) < 0 && errno != ERANGE && (retry || errno == ENOENT))
    fail(p, errno, "cwd is outside the root:", p.cwd, "/process/cwd", -1);
  sys::close(fd);
  sys::close(root);
  return true;
}

// For the startContainer hook runner when root could not enter the cwd.
BERTH_CHILD void set_user_and_cwd(const ChildPlan& p) {
  set_user(p);
  change_dir(p, false);
}

BERTH_CHILD bool same_file_as_runtime(const ChildPlan& p, int fd) {
  struct stat st;
  return sys::fstat(fd, &st) == 0 && st.st_dev == p.self_exe_dev && st.st_ino == p.self_exe_ino;
}

// The program itself must not be the berth binary (a clear error for the plain
// case, args [/proc/self/exe] or a bind of the binary), checked on what the
// lookup found. The exec goes by the same path, as runc's and crun's do, so
// that the process is named after it (comm: "sleep", not the busybox it links
// to; an exec through the fd names it after the file). "#!" chains are not
// walked either. Whatever a path resolves to at the exec, the runtime's own
// exe is a read-only view (sys/sealed_exe.hpp): that is the defence.
BERTH_CHILD void check_not_runtime(const ChildPlan& p, int fd, const char* path) {
  if (same_file_as_runtime(p, fd))
    fail(p, EPERM, "refusing to execute the runtime binary:", path, "/process/args/0", -1);
}

// faccessat2 may be denied by the container's seccomp profile (EPERM or ENOSYS):
// then judge by the mode bits, as runc's exec.LookPath does.
BERTH_CHILD bool can_exec(int fd, const struct stat& st) {
  if (sys::faccessat(fd, "", X_OK, AT_EMPTY_PATH | AT_EACCESS) == 0) return true;
  return (errno == EPERM || errno == ENOSYS) && (st.st_mode & 0111) != 0;
}

BERTH_CHILD int lookup(const ChildPlan& p, ExecTarget* t) {
  const char* arg0 = p.argv[0];
  if (sys::strchr(arg0, '/')) {
    sys::concat(t->path, sizeof t->path, arg0);
    int fd = sys::open(arg0, O_PATH | O_CLOEXEC);
    return fd < 0 ? -errno : fd;  // -1 would read as EPERM
  }
  const char* dirs = p.path_env ? p.path_env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  int last = -ENOENT;
  while (*dirs) {
    const char* end = sys::strchr(dirs, ':');
    size_t len = end ? size_t(end - dirs) : sys::strlen(dirs);
    sys::concat(t->path, sizeof t->path, sys::Chars{dirs, len}, len ? "/" : "", arg0);
    int fd = sys::open(t->path, O_PATH | O_CLOEXEC);
    if (fd >= 0) {
      struct stat st;
      if (sys::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && can_exec(fd, st)) return fd;
      last = -EACCES;
      sys::close(fd);
    }
    dirs += len;
    if (*dirs == ':') dirs++;
  }
  return last;
}

// RLIMIT_NOFILE is set last, just before exec (set_late_rlimits): until
// then the init opens the cwd, the program, the exec fifo and the hooks'
// pipes, and it holds more fds than a small limit allows (8 failed with
// EMFILE at "chdir to cwd", where runc 1.1.5 runs). Raising a hard limit
// needs CAP_SYS_RESOURCE, which set_user may drop: that part is done early,
// keeping the soft limit; the late call only lowers, which needs no
// capability.
BERTH_CHILD bool set_late(int resource) { return resource == RLIMIT_NOFILE; }

BERTH_CHILD void set_early_rlimits(const ChildPlan& p) {
  for (size_t i = 0; i < p.n_rlimits; i++) {
    const ChildRlimit& r = p.rlimits[i];
    rlimit rl{r.soft, r.hard};
    if (set_late(r.resource)) {
      rlimit cur{};
      if (sys::getrlimit(r.resource, &cur) == 0 && r.hard <= cur.rlim_max) continue;
      rl.rlim_cur = cur.rlim_cur;  // < cur.rlim_max < r.hard
    }
    if (sys::setrlimit(r.resource, &rl) < 0) fail(p, errno, "setrlimit", nullptr, "/process/rlimits", r.json_index);
  }
}

// After `start`: no ChildError channel any more (but for an exec); say it on
// stderr, as a failed exec does.
BERTH_CHILD void set_late_rlimits(const ChildPlan& p) {
  for (size_t i = 0; i < p.n_rlimits; i++) {
    const ChildRlimit& r = p.rlimits[i];
    if (!set_late(r.resource)) continue;
    rlimit rl{r.soft, r.hard};
    if (sys::setrlimit(r.resource, &rl) == 0) continue;
    if (p.role == Role::Exec) fail(p, errno, "setrlimit", nullptr, "/process/rlimits", r.json_index);
    char msg[160];
    size_t n = sys::concat(msg, sizeof msg, "berth: setrlimit RLIMIT_NOFILE [config /process/rlimits/", r.json_index,
                           "]: ", sys::error_text(errno), "\n");
    (void)!sys::write(2, msg, n);
    sys::_exit(126);
  }
}

}  // namespace

// Writes value to <our pid>/<rel> in the private procfs ("self" is a
// symlink, which write_proc_file refuses). Returns 0 or -errno.
static BERTH_CHILD int write_own_proc_file(int procfd, const char* rel, const char* value) {
  char path[64];
  ssize_t n = sys::readlinkat(procfd, "self", path, 16);
  if (n <= 0) return -errno;
  sys::concat(path + n, sizeof path - size_t(n), "/", rel);
  return write_proc_file(procfd, path, value);
}

// The LSM labels take effect at the exec. AppArmor: attr/apparmor/exec
// (Linux 5.1+, the LSM stacking interface), else the shared attr/exec.
// The parent set these only when the host has that LSM (launcher/lsm.cpp).
static BERTH_CHILD void write_lsm_exec_labels(const ChildPlan& p, int procfd) {
  const ChildProcessAttrs& a = p.attrs;
  if (a.apparmor_exec) {
    int r = write_own_proc_file(procfd, "attr/apparmor/exec", a.apparmor_exec);
    if (r == -ENOENT) r = write_own_proc_file(procfd, "attr/exec", a.apparmor_exec);
    if (r < 0) fail(p, -r, "apply AppArmor profile", a.apparmor_exec, "/process/apparmorProfile", -1);
  }
  if (a.selinux_exec) {
    int r = write_own_proc_file(procfd, "attr/exec", a.selinux_exec);
    if (r < 0) fail(p, -r, "set SELinux exec label", a.selinux_exec, "/process/selinuxLabel", -1);
  }
}

// scheduler, ioPriority, personality, memoryPolicy and the LSM labels: before
// the capabilities are dropped (SCHED_FIFO and IOPRIO_CLASS_RT need
// CAP_SYS_NICE / CAP_SYS_ADMIN) and before seccomp, which may deny the calls.
static BERTH_CHILD void apply_process_attrs(const ChildPlan& p, int procfd) {
  const ChildProcessAttrs& a = p.attrs;
  if (a.has_sched) {
    sys::SchedAttr sa;
    sys::memset(&sa, 0, sizeof sa);
    sa.size = sizeof sa;
    sa.sched_policy = a.sched_policy;
    sa.sched_flags = a.sched_flags;
    sa.sched_nice = a.sched_nice;
    sa.sched_priority = a.sched_priority;
    sa.sched_runtime = a.sched_runtime;
    sa.sched_deadline = a.sched_deadline;
    sa.sched_period = a.sched_period;
    if (sys::sched_setattr(&sa) < 0) {
      // With CONFIG_RT_GROUP_SCHED a cpu cgroup has no realtime time by default.
      bool rt = a.sched_policy == SCHED_FIFO || a.sched_policy == SCHED_RR;
      fail(p, errno,
           rt && errno == EPERM ? "sched_setattr (a realtime policy needs linux.resources.cpu.realtimeRuntime)"
                                : "sched_setattr",
           nullptr, "/process/scheduler", -1);
    }
  }
  if (a.has_ioprio && sys::ioprio_set_self(a.ioprio) < 0)
    fail(p, errno, "ioprio_set", nullptr, "/process/ioPriority", -1);
  if (a.has_personality && sys::personality(a.personality) < 0)
    fail(p, errno, "personality", nullptr, "/linux/personality", -1);
  if (a.has_mempolicy) {
    const uint64_t* nodes = a.mempolicy_has_nodes ? a.mempolicy_nodes : nullptr;
    unsigned long maxnode = nodes ? sizeof a.mempolicy_nodes * 8 + 1 : 0;
    if (sys::set_mempolicy(a.mempolicy_mode, nodes, maxnode) < 0)
      fail(p, errno, "set_mempolicy", nullptr, "/linux/memoryPolicy", -1);
  }
  write_lsm_exec_labels(p, procfd);
}

BERTH_CHILD ExecTarget prepare_process(const ChildPlan& p, int procfd) {
  set_early_rlimits(p);
  if (p.has_oom_score_adj) {
    char v[16];
    sys::concat(v, sizeof v, p.oom_score_adj);
    // "self" is a symlink, which write_proc_file refuses: read which pid it names
    // in this procfs instance and go through that directory.
    char rel[48] = "self";
    ssize_t n = sys::readlinkat(procfd, "self", rel, 16);
    if (n > 0) sys::concat(rel + n, sizeof rel - size_t(n), "/oom_score_adj");
    int r = n > 0 ? write_proc_file(procfd, rel, v) : -errno;
    if (r < 0) fail(p, r, "write oom_score_adj", nullptr, "/process/oomScoreAdj", -1);
  }
  if (p.umask >= 0) sys::umask(mode_t(p.umask));
  apply_process_attrs(p, procfd);
  // Without no_new_privs the filter needs CAP_SYS_ADMIN: load it before the
  // capabilities are dropped; otherwise as late as possible (exec_process).
  bool in_cwd = change_dir(p, true);
  if (!p.no_new_privs) {
    // The startContainer hooks' runner forks first (start_hooks.hpp) and
    // takes the user, and the cwd if root could not, as we do next.
    start_hooks::fork_runner(p, in_cwd ? set_user : set_user_and_cwd);
    load_seccomp(p);
  }
  set_user(p);
  if (!in_cwd) change_dir(p, false);

  ExecTarget t;
  t.fd = lookup(p, &t);
  if (t.fd < 0) {
    char what[200];
    // A path is not searched: the errno the error adds says it all.
    const char* why = sys::strchr(p.argv[0], '/') ? nullptr
                      : t.fd == -ENOENT           ? "executable file not found in $PATH"
                                                  : "permission denied";
    sys::concat(what, sizeof what, "exec: \"", p.argv[0], "\"", why ? ": " : "", why);
    fail(p, -t.fd, what, nullptr, "/process/args/0", -1);
  }
  check_not_runtime(p, t.fd, t.path);
  if (p.no_new_privs && sys::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    fail(p, errno, "set no_new_privs", nullptr, "/process/noNewPrivileges", -1);
  // The notify fd must reach the listener before create returns.
  if (p.no_new_privs && p.seccomp_listener) {
    start_hooks::fork_runner(p, nullptr);
    load_seccomp(p);
  }
  // Every fd is close-on-exec except stdio and --preserve-fds.
  unsigned first = 3 + unsigned(p.preserve_fds);
  if (sys::close_range_cloexec(first, ~0U) < 0) {
    // Denied by the seccomp profile: mark each open fd by hand.
    rlimit rl{};
    sys::getrlimit(RLIMIT_NOFILE, &rl);
    int max = rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > 1048576 ? 1048576 : int(rl.rlim_cur);
    for (int fd = int(first); fd < max; fd++) sys::fcntl(fd, F_SETFD, FD_CLOEXEC);
  }
  // A slot the caller left empty held the CLI's placeholder (nothing of
  // the runtime's could take it): it is closed, not passed on.
  for (int fd = 3; fd < int(first); fd++) {
    if (p.preserved_open && p.preserved_open[fd - 3] == '0')
      sys::close(fd);
    else
      sys::fcntl(fd, F_SETFD, 0);
  }
  return t;
}

BERTH_CHILD void exec_process(const ChildPlan& p, const ExecTarget& t) {
  set_late_rlimits(p);  // before the filter, which may deny prlimit64
  if (p.no_new_privs && !p.seccomp_listener) load_seccomp(p);
  sigset_t none;
  sys::sigemptyset(&none);
  sys::sigprocmask(SIG_SETMASK, &none, nullptr);
  sys::execve(t.path, p.argv, p.envp);
  int e = errno;
  // `berth exec` still listens on the channel (the init's create does not).
  if (p.role == Role::Exec) fail(p, e, "exec", t.path, "/process/args/0", -1);
  // dprintf and strerror are not safe here (stdio, gettext's lock and malloc).
  char msg[4096 + 128];
  size_t n = sys::concat(msg, sizeof msg, "berth: exec ", t.path, ": ", sys::error_text(e), "\n");
  (void)!sys::write(2, msg, n);
  sys::_exit(e == ENOENT ? 127 : 126);
}

}  // namespace berth::child
