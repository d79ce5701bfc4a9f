// startContainer hooks, run by the init or by a runner forked before the
// seccomp filter; see start_hooks.hpp.
#include "libcontainer/child/start_hooks.hpp"

#include <sys/socket.h>
#include <sys/wait.h>

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/start_gate.hpp"
#include "libcontainer/child/sys.hpp"

namespace berth::child::start_hooks {
namespace {

// The init's own memory (see the header): no other process sees these.
const char* g_state = "";
size_t g_state_len = 0;
int g_runner_fd = -1;  // the init's end of the runner's SOCK_SEQPACKET
pid_t g_runner_pid = -1;

// startContainer hooks run after `start`: they see "created" (as runc), not
// the "creating" the parent wrote for createContainer. Same length, so the
// private mapping is patched in place ("created" plus a space).
BERTH_CHILD void mark_created() {
  static const char from[] = "\"status\":\"creating\"";
  static const char to[] = "\"status\":\"created\" ";
  static_assert(sizeof from == sizeof to);
  void* at = sys::memmem(g_state, g_state_len, from, sizeof from - 1);
  if (at) sys::memcpy(at, to, sizeof to - 1);
}

BERTH_CHILD bool run_here(const ChildPlan& p, ChildError* err) {
  mark_created();
  return run_hooks(p.start_container_hooks, p.n_start_container_hooks, "startContainer", g_state, g_state_len, err);
}

// The runner: waits for run()'s byte, runs the hooks, answers with a
// StartReport. EOF (the init died or went on without hooks) ends it.
[[noreturn]] BERTH_CHILD void serve(const ChildPlan& p, int fd) {
  char c;
  ssize_t n;
  do n = sys::read(fd, &c, 1);
  while (n < 0 && errno == EINTR);
  if (n != 1) sys::_exit(0);
  StartReport rep;
  sys::memset(&rep, 0, sizeof rep);
  rep.ok = run_here(p, &rep.error) ? 1 : 0;
  (void)sys::send(fd, &rep, sizeof rep, MSG_NOSIGNAL);
  sys::_exit(rep.ok ? 0 : 1);
}

}  // namespace

BERTH_CHILD void arm(const char* state, size_t len) {
  g_state = state;
  g_state_len = len;
}

BERTH_CHILD void fork_runner(const ChildPlan& p, void (*take_process_user)(const ChildPlan&)) {
  if (p.n_start_container_hooks == 0 || !p.seccomp_filter || g_runner_fd >= 0) return;
  int sv[2];
  if (sys::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
    fail(p, errno, "socketpair for the startContainer hooks", nullptr, "/hooks/startContainer", -1);
  pid_t pid = sys::fork();
  if (pid < 0) fail(p, errno, "fork the startContainer hook runner", nullptr, "/hooks/startContainer", -1);
  if (pid == 0) {
    sys::close(sv[0]);
    // The hooks run with the process's credentials and capabilities, never
    // the init's full set: their program is the container's (runc does the same).
    if (take_process_user) take_process_user(p);
    char ready = 'r';
    if (sys::send(sv[1], &ready, 1, MSG_NOSIGNAL) != 1) sys::_exit(1);
    // The create's channel must see EOF when the init dies, not wait for us.
    sys::close(p.sync_fd);
    serve(p, sv[1]);
  }
  sys::close(sv[1]);
  char ready;
  ssize_t n;
  do n = sys::read(sv[0], &ready, 1);
  while (n < 0 && errno == EINTR);
  // Without its byte the runner failed and sent Failed on the sync channel.
  if (n != 1) sys::_exit(1);
  g_runner_fd = sv[0];
  g_runner_pid = pid;
}

BERTH_CHILD bool run(const ChildPlan& p, ChildError* err) {
  if (g_runner_fd < 0) return run_here(p, err);
  StartReport rep;
  sys::memset(&rep, 0, sizeof rep);
  char go = 'g';
  ssize_t n = sys::send(g_runner_fd, &go, 1, MSG_NOSIGNAL);
  if (n == 1) {
    do n = sys::read(g_runner_fd, &rep, sizeof rep);
    while (n < 0 && errno == EINTR);
  }
  int e = errno;
  sys::close(g_runner_fd);
  int st;
  while (sys::waitpid(g_runner_pid, &st, 0) < 0 && errno == EINTR) {
  }
  if (n == ssize_t(sizeof rep)) {
    if (rep.ok != 1) *err = rep.error;
    return rep.ok == 1;
  }
  sys::memset(err, 0, sizeof *err);
  err->sys_errno = n < 0 ? e : 0;
  sys::concat(err->step, sizeof err->step, "the startContainer hook runner died");
  sys::concat(err->json_path, sizeof err->json_path, "/hooks/startContainer");
  return false;
}

}  // namespace berth::child::start_hooks
