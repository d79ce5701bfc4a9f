// The cloner: the process forked from the CLI that clones the container init
// and then execs the shim, which so becomes the init's parent (children
// survive an exec). Namespaces to join by path, and a new time namespace,
// need a throwaway intermediate so that the shim itself stays in the host's
// namespaces; it clones the init with CLONE_PARENT.
#include <fcntl.h>
#include <linux/close_range.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "libcontainer/child/child.hpp"

namespace berth::child {
namespace {

// Returns the init's pid (in the caller's pid namespace) or -errno.
BERTH_CHILD pid_t clone_init(const ChildPlan& p, uint64_t extra) {
  clone_args a;
  memset(&a, 0, sizeof a);
  a.flags = p.clone_flags | extra;
  // clone3 refuses an exit signal with CLONE_PARENT (EINVAL): the child then
  // inherits the caller's, SIGCHLD since the caller was forked.
  a.exit_signal = (a.flags & CLONE_PARENT) ? 0 : SIGCHLD;
  long pid = syscall(SYS_clone3, &a, sizeof a);
  if (pid < 0) return -errno;
  if (pid == 0) init_main(p);
  return pid_t(pid);
}

BERTH_CHILD int join_and_clone(const ChildPlan& p) {
  for (int i = 0; i < p.n_joins; i++)
    if (setns(p.joins[i].fd, p.joins[i].nstype) < 0) return -errno;
  if (p.new_timens) {
    if (unshare(CLONE_NEWTIME) < 0) return -errno;
    if (p.timens_offsets && p.timens_offsets[0]) {
      // Offsets can be written only before the first process enters.
      int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
      if (fd < 0) return -errno;
      ssize_t n = write(fd, p.timens_offsets, strlen(p.timens_offsets));
      int e = errno;
      close(fd);
      if (n < 0) return -e;
    }
  }
  return clone_init(p, CLONE_PARENT);
}

}  // namespace

BERTH_CHILD void cloner_main(const ChildPlan& p, const char* shim_path, char* const* shim_argv) {
  close(p.lock_fd);
  close(p.parent_sync_fd);
  setsid();
  pid_t init;
  if (!p.cloner_is_intermediate) {
    init = clone_init(p, 0);
  } else {
    int pp[2];
    if (pipe2(pp, O_CLOEXEC) < 0) {
      init = -errno;
    } else {
      pid_t t = fork();
      if (t == 0) {
        int r = join_and_clone(p);
        (void)!write(pp[1], &r, sizeof r);
        _exit(0);
      }
      init = -EPIPE;
      if (t > 0) {
        if (read(pp[0], &init, sizeof init) != sizeof init) init = -EPIPE;
        while (waitpid(t, nullptr, 0) < 0 && errno == EINTR) {
        }
      }
    }
  }
  (void)!write(p.pid_report_fd, &init, sizeof init);
  if (init < 0) _exit(1);
  // The shim must not hold the caller's stdio (its pipes would never close).
  int null = open("/dev/null", O_RDWR | O_CLOEXEC);
  for (int i = 0; i < 3; i++) dup2(null, i);
  // shim_argv[2] is a writable slot reserved by the parent for the pid.
  snprintf(shim_argv[2], 24, "--init-pid=%d", init);
  // Nor any other fd the caller left open (a pipe it waits on would never close).
  syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC);
  fcntl(p.shim_sock_fd, F_SETFD, 0);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  execv(shim_path, shim_argv);
  // Without its shim the container would have no parent to reap it: stop
  // the init, so create fails at the next step of the sync protocol.
  kill(init, SIGKILL);
  _exit(127);
}

}  // namespace berth::child
