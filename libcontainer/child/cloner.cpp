// The cloner: the process vforked from the CLI that clones the container init
// and then execs the shim, which so becomes the init's parent (children
// survive an exec). Namespaces to join by path, and a new time namespace,
// need a throwaway intermediate so that the shim itself stays in the host's
// namespaces; it clones the init with CLONE_PARENT.
#include "libcontainer/child/child.hpp"
#include "libcontainer/child/sys.hpp"

namespace berth::child {
namespace {

// Returns the init's pid (in the caller's pid namespace) or -errno.
BERTH_CHILD pid_t clone_init(const ChildPlan& p, uint64_t extra) {
  clone_args a;
  sys::memset(&a, 0, sizeof a);
  a.flags = p.clone_flags | extra;
  // clone3 refuses an exit signal with CLONE_PARENT (EINVAL): the child then
  // inherits the caller's, SIGCHLD since the caller was forked.
  a.exit_signal = (a.flags & CLONE_PARENT) ? 0 : SIGCHLD;
  // Born in its cgroup2 cgroup (STYLE.md §5): no moment outside its limits.
  // A kernel or cgroup that refuses it (ENOSYS before 5.7, EOPNOTSUPP for a
  // domain-invalid cgroup) falls back to the parent's cgroup.procs write.
  if (p.cgroup_fd >= 0) {
    a.flags |= CLONE_INTO_CGROUP;
    a.cgroup = uint64_t(p.cgroup_fd);
  }
  long pid = sys::clone3(&a);
  if (pid < 0 && p.cgroup_fd >= 0 && errno != EAGAIN && errno != ENOMEM) {
    a.flags &= ~uint64_t(CLONE_INTO_CGROUP);
    a.cgroup = 0;
    pid = sys::clone3(&a);
  }
  if (pid < 0) return -errno;
  if (pid == 0) init_main(p);
  return pid_t(pid);
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
      pid_t t = sys::fork();
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
