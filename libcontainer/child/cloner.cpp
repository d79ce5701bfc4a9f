// The cloner: the process vforked from the CLI that clones the container init
// and then execs the shim, which so becomes the init's parent (children
// survive an exec). Namespaces to join by path, and a new time namespace,
// need a throwaway intermediate so that the shim itself stays in the host's
// namespaces; it clones the init with CLONE_PARENT.
// For `berth exec` (Role::Exec) the intermediate is always there: born in the
// container's cgroup2 leaf and joining its v1 leaves while it is still in
// the host's cgroup namespace (the kernel refuses a move into a cgroup outside
// the mover's cgroup namespace), it then joins the init's namespaces through
// its pidfd, in one setns, and clones the process, which inherits all of it.
#include <sys/prctl.h>

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/sys.hpp"

namespace berth::child {
namespace {

// Returns the init's pid (in the caller's pid namespace) or -errno.
BERTH_CHILD pid_t clone_init(const ChildPlan& p, uint64_t extra) {
  clone_args a;
  sys::memset(&a, 0, sizeof a);
  a.flags = p.clone_flags | extra;
  // An exec'd process inherits the intermediate's cgroups.
  int cgroup_fd = p.role == Role::Exec ? -1 : p.cgroup_fd;
  // clone3 refuses an exit signal with CLONE_PARENT (EINVAL): the child then
  // inherits the caller's, SIGCHLD since the caller was forked.
  a.exit_signal = (a.flags & CLONE_PARENT) ? 0 : SIGCHLD;
  // Born in its cgroup2 cgroup (STYLE.md §5): no moment outside its limits.
  // A kernel or cgroup that refuses it (ENOSYS before 5.7, EOPNOTSUPP for a
  // domain-invalid cgroup) falls back to the parent's cgroup.procs write.
  if (cgroup_fd >= 0) {
    a.flags |= CLONE_INTO_CGROUP;
    a.cgroup = uint64_t(cgroup_fd);
  }
  long pid = sys::clone3(&a);
  if (pid < 0 && cgroup_fd >= 0 && errno != EAGAIN && errno != ENOMEM) {
    a.flags &= ~uint64_t(CLONE_INTO_CGROUP);
    a.cgroup = 0;
    pid = sys::clone3(&a);
  }
  if (pid < 0) return -errno;
  if (pid == 0) {
    if (p.role == Role::Exec) exec_main(p);
    init_main(p);
  }
  return pid_t(pid);
}

// The intermediate: a plain fork, or for an exec a clone into the
// container's cgroup2 leaf (a write to cgroup.procs would wait for an RCU
// grace period), where it also joins the v1 leaves by their `tasks`.
BERTH_CHILD pid_t fork_intermediate(const ChildPlan& p) {
  if (p.role != Role::Exec) return sys::fork();
  clone_args a;
  sys::memset(&a, 0, sizeof a);
  a.exit_signal = SIGCHLD;
  if (p.cgroup_fd >= 0) {
    a.flags = CLONE_INTO_CGROUP;
    a.cgroup = uint64_t(p.cgroup_fd);
  }
  long pid = sys::clone3(&a);
  if (pid < 0 && p.cgroup_fd >= 0) {
    // Refused (a kernel before 5.7, a domain-invalid cgroup): by its procs file.
    a.flags = 0;
    a.cgroup = 0;
    pid = sys::clone3(&a);
    if (pid == 0) {
      int procs = sys::openat(p.cgroup_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
      if (procs < 0 || sys::write(procs, "0", 1) < 0) sys::_exit(1);
      sys::close(procs);
    }
  }
  if (pid != 0) return pid_t(pid);
  // Not dumpable from here on, and the process inherits it: nothing in the
  // container may ptrace it or open its fds while it is the runtime's.
  sys::prctl(PR_SET_DUMPABLE, 0);
  for (size_t i = 0; i < p.n_cgroup_joins; i++)
    if (sys::write(p.cgroup_joins[i].fd, "0", 1) < 0) sys::_exit(1);
  return 0;
}

BERTH_CHILD int join_and_clone(const ChildPlan& p) {
  for (int i = 0; i < p.n_joins; i++)
    if (sys::setns(p.joins[i].fd, p.joins[i].nstype) < 0) return -errno;
  if (p.new_timens) {
    if (sys::unshare(CLONE_NEWTIME) < 0) return -errno;
    if (p.timens_offsets && p.timens_offsets[0]) {
      // Offsets can be written only before the first process enters.
      int fd = sys::open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
      if (fd < 0) return -errno;
      ssize_t n = sys::write(fd, p.timens_offsets, sys::strlen(p.timens_offsets));
      int e = errno;
      sys::close(fd);
      if (n < 0) return -e;
    }
  }
  return clone_init(p, CLONE_PARENT);
}

}  // namespace

BERTH_CHILD void cloner_main(const ChildPlan& p, const char* shim_path, char* const* shim_argv) {
  sys::close(p.lock_fd);
  sys::close(p.parent_sync_fd);
  sys::setsid();
  pid_t init;
  if (!p.cloner_is_intermediate) {
    init = clone_init(p, 0);
  } else {
    int pp[2];
    if (sys::pipe2(pp, O_CLOEXEC) < 0) {
      init = -errno;
    } else {
      pid_t t = fork_intermediate(p);
      if (t == 0) {
        int r = join_and_clone(p);
        (void)!sys::write(pp[1], &r, sizeof r);
        sys::_exit(0);
      }
      init = -EPIPE;
      if (t > 0) {
        if (sys::read(pp[0], &init, sizeof init) != sizeof init) init = -EPIPE;
        while (sys::waitpid(t, nullptr, 0) < 0 && errno == EINTR) {
        }
      }
    }
  }
  (void)!sys::write(p.pid_report_fd, &init, sizeof init);
  if (init < 0) sys::_exit(1);
  if (!shim_path) sys::_exit(0);
  // The shim must not hold the caller's stdio (its pipes would never close).
  int null = sys::open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int i = 0; i < 3; i++) sys::dup2(null, i);
  // shim_argv[2] is a writable slot reserved by the parent for the pid.
  sys::concat(shim_argv[2], 24, "--init-pid=", init);
  // Nor any other fd the caller left open (a pipe it waits on would never close).
  sys::close_range_cloexec(3U, ~0U);
  sys::fcntl(p.shim_sock_fd, F_SETFD, 0);
  for (int i = 0; i < p.n_shim_log_fds; i++) sys::fcntl(p.shim_log_fds[i], F_SETFD, 0);
  sigset_t none;
  sys::sigemptyset(&none);
  sys::sigprocmask(SIG_SETMASK, &none, nullptr);
  sys::execv(shim_path, shim_argv);
  // Without its shim the container would have no parent to reap it: stop
  // the init, so create fails at the next step of the sync protocol.
  sys::kill(init, SIGKILL);
  sys::_exit(127);
}

}  // namespace berth::child
