// Runs child code (libcontainer/child/) in a process forked from the test, as
// the init runs it: plan.sync_fd is one end of a SOCK_SEQPACKET pair whose
// other end the test reads, so a failed step arrives as the init sends it (a
// Failed message with its ChildError, then _exit(1)). The body reports what
// it saw as text on a pipe; it runs after the optional unshare, and with a
// new mount namespace after / is made rprivate, so no mount reaches the host.
// No doctest macro in the body: it runs in the forked process.
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <functional>
#include <string>

#include "libcontainer/child/plan.hpp"
#include "libcontainer/child/sync.hpp"

namespace berth::test {

// A plan that does nothing: no fds, no umask, no user change.
inline child::ChildPlan empty_plan() {
  child::ChildPlan p{};
  p.umask = -1;
  p.cgroup_fd = p.sync_fd = p.parent_sync_fd = p.fifo_fd = p.pid_report_fd = p.shim_sock_fd = p.lock_fd = -1;
  p.last_cap = -1;
  return p;
}

struct ChildOutcome {
  bool failed = false;  // a Failed message came on the sync channel
  child::ChildError error{};
  int status = -1;     // exit code, or 128 + signal
  std::string report;  // what the body wrote to its fd
};

// Exit codes of the harness itself, before the body runs.
inline constexpr int kUnshareFailed = 90, kPrivateFailed = 91;
// The harness's own fds are at or above this.
inline constexpr int kHarnessFds = 200;

// Runs body(report_fd) in a forked child after unshare(unshare_flags), then
// _exit(0). `peer`, when given, runs in the test process meanwhile with the
// child's pid (the other side of a protocol, e.g. `start` at the gate).
inline ChildOutcome run_in_child(child::ChildPlan& plan, const std::function<void(int report_fd)>& body,
                                 int unshare_flags = 0, const std::function<void(pid_t)>& peer = nullptr) {
  ChildOutcome out;
  int sv[2], rp[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) return out;
  if (pipe2(rp, O_CLOEXEC) < 0) return out;
  // Far above the low fds a body may place (stdio, --preserve-fds slots).
  for (int* fd : {&sv[0], &sv[1], &rp[0], &rp[1]}) {
    int high = fcntl(*fd, F_DUPFD_CLOEXEC, kHarnessFds);
    close(*fd);
    *fd = high;
  }
  plan.sync_fd = sv[1];
  pid_t pid = fork();
  if (pid == 0) {
    close(sv[0]);
    close(rp[0]);
    if (unshare_flags && unshare(unshare_flags) < 0) _exit(kUnshareFailed);
    if ((unshare_flags & CLONE_NEWNS) && mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0)
      _exit(kPrivateFailed);
    body(rp[1]);
    _exit(0);
  }
  close(sv[1]);
  close(rp[1]);
  plan.sync_fd = -1;
  if (pid > 0 && peer) peer(pid);
  char buf[4096];
  for (ssize_t n; (n = read(rp[0], buf, sizeof buf)) != 0;) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) break;
    out.report.append(buf, size_t(n));
  }
  close(rp[0]);
  int st = 0;
  if (pid > 0 && waitpid(pid, &st, 0) == pid) out.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  // Every message the child sent is queued; the channel ends at its exit.
  for (;;) {
    child::SyncMsg m;
    int fd = -1;
    if (child::recv_msg(sv[0], &m, &fd) < 0) break;
    if (fd >= 0) close(fd);
    if (m.kind == child::SyncKind::Failed) out.failed = true, out.error = m.error;
  }
  close(sv[0]);
  return out;
}

// Appends "text\n" to the report (in the child).
inline void report(int fd, const std::string& text) {
  std::string line = text + "\n";
  (void)!write(fd, line.data(), line.size());
}

// A file's whole text, "" when it cannot be read.
inline std::string slurp(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return "";
  std::string s;
  char buf[4096];
  for (ssize_t n; (n = read(fd, buf, sizeof buf)) > 0;) s.append(buf, size_t(n));
  close(fd);
  return s;
}

}  // namespace berth::test
