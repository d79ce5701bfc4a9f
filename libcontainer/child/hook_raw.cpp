// Running one hook program: fork, exec with the state on stdin, wait with a
// timeout through a pidfd. Shared by the CLI (prestart, createRuntime,
// poststart, poststop) and the init (createContainer, startContainer).
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "libcontainer/child/child.hpp"

namespace berth::child {

BERTH_CHILD int run_hook_raw(const char* path, char* const* argv, char* const* envp, int timeout_s,
                             const char* stdin_data, size_t stdin_len, int* wstatus) noexcept {
  int in[2];
  // A socket, not a pipe: send(MSG_NOSIGNAL) survives a hook that never reads.
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in) < 0) return -errno;
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(in[0]), close(in[1]);
    return -e;
  }
  if (pid == 0) {
    dup2(in[0], 0);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    execve(path, argv, envp);
    _exit(127);
  }
  close(in[0]);
  size_t off = 0;
  while (off < stdin_len) {
    ssize_t n = send(in[1], stdin_data + off, stdin_len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    off += size_t(n);
  }
  close(in[1]);
  int pfd = int(syscall(SYS_pidfd_open, pid, 0));
  if (pfd >= 0 && timeout_s > 0) {
    pollfd p{pfd, POLLIN, 0};
    int r;
    do r = poll(&p, 1, timeout_s * 1000); while (r < 0 && errno == EINTR);
    if (r == 0) {
      kill(pid, SIGKILL);
      waitpid(pid, wstatus, 0);
      close(pfd);
      return -ETIMEDOUT;
    }
  }
  if (pfd >= 0) close(pfd);
  pid_t w;
  do w = waitpid(pid, wstatus, 0); while (w < 0 && errno == EINTR);
  return w < 0 ? -errno : 0;
}

}  // namespace berth::child
