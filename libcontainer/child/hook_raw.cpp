// Running one hook program: fork, exec with the state on stdin, wait with a
// timeout through a pidfd. Shared by the CLI (prestart, createRuntime,
// poststart, poststop) and the init (createContainer, startContainer).
#include <sys/wait.h>

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/sys.hpp"

namespace berth::child {

BERTH_CHILD int run_hook_raw(const char* path, char* const* argv, char* const* envp, int timeout_s,
                             const char* stdin_data, size_t stdin_len, int* wstatus) noexcept {
  int in[2];
  // A socket, not a pipe: send(MSG_NOSIGNAL) survives a hook that never reads.
  if (sys::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0) return -errno;
  pid_t pid = sys::fork();
  if (pid < 0) {
    int e = errno;
    sys::close(in[0]), sys::close(in[1]);
    return -e;
  }
  if (pid == 0) {
    sys::dup2(in[0], 0);
    sigset_t all;
    sys::sigemptyset(&all);
    sys::sigprocmask(SIG_SETMASK, &all, nullptr);
    sys::execve(path, argv, envp);
    sys::_exit(127);
  }
  sys::close(in[0]);
  size_t off = 0;
  while (off < stdin_len) {
    ssize_t n = sys::send(in[1], stdin_data + off, stdin_len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += size_t(n);
  }
  sys::close(in[1]);
  int pfd = sys::pidfd_open(pid);
  if (pfd >= 0 && timeout_s > 0) {
    pollfd p{pfd, POLLIN, 0};
    int r;
    do r = sys::poll(&p, 1, timeout_s * 1000);
    while (r < 0 && errno == EINTR);
    if (r == 0) {
      sys::kill(pid, SIGKILL);
      sys::waitpid(pid, wstatus, 0);
      sys::close(pfd);
      return -ETIMEDOUT;
    }
  }
  if (pfd >= 0) sys::close(pfd);
  pid_t w;
  do w = sys::waitpid(pid, wstatus, 0);
  while (w < 0 && errno == EINTR);
  return w < 0 ? -errno : 0;
}

BERTH_CHILD bool run_hooks(const ChildHook* hooks, size_t n, const char* kind, const char* state, size_t state_len,
                           ChildError* err) noexcept {
  for (size_t i = 0; i < n; i++) {
    const ChildHook& h = hooks[i];
    int st = 0;
    int r = run_hook_raw(h.path, h.argv, h.envp, h.timeout_s, state, state_len, &st);
    if (r == 0 && st == 0) continue;
    sys::memset(err, 0, sizeof *err);
    sys::concat(err->json_path, sizeof err->json_path, "/hooks/", kind, "/", h.json_index);
    if (r == -ETIMEDOUT) {
      sys::concat(err->step, sizeof err->step, kind, " hook ", h.path, " timed out after ", h.timeout_s, "s");
    } else if (r < 0) {
      err->sys_errno = -r;
      sys::concat(err->step, sizeof err->step, "run ", kind, " hook ", h.path);
    } else if (WIFEXITED(st) && WEXITSTATUS(st) == 127) {
      err->sys_errno = ENOENT;  // the hook's child could not exec it
      sys::concat(err->step, sizeof err->step, kind, " hook ", h.path, ": cannot execute");
    } else {
      sys::concat(err->step, sizeof err->step, kind, " hook ", h.path, " failed with status ",
                  WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
    }
    return false;
  }
  return true;
}

}  // namespace berth::child
