// FakeProcesses: the process table of a FakeKernel. Pids are above pid_max
// (never a real process); a "pidfd" is the read end of a pipe that gets a
// byte when the process dies, so it polls readable on exit as a pidfd does,
// and its inode says which process it names.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <map>
#include <optional>

#include "libcontainer/fd/unique_fd.hpp"

namespace berth::test {

class FakeProcesses {
 public:
  std::map<pid_t, uint64_t> live;  // pid -> start time

  pid_t spawn() {
    pid_t pid = next_++;
    live[pid] = 1000 + uint64_t(pid);
    int p[2];
    if (pipe2(p, O_CLOEXEC) == 0) exits_[pid] = {UniqueFd(p[0]), UniqueFd(p[1])};
    return pid;
  }
  bool alive(pid_t pid, uint64_t start_time) const {
    auto it = live.find(pid);
    return it != live.end() && it->second == start_time;
  }
  // A dup of the exit pipe's read end; invalid when the process is gone.
  UniqueFd open_pidfd(pid_t pid, uint64_t start_time) const {
    if (!alive(pid, start_time)) return UniqueFd();
    return UniqueFd(fcntl(exits_.at(pid).read.get(), F_DUPFD_CLOEXEC, 0));
  }
  std::optional<pid_t> pid_of(int pidfd) const {
    struct stat want;
    if (fstat(pidfd, &want) < 0) return std::nullopt;
    for (const auto& [pid, e] : exits_) {
      struct stat st;
      if (fstat(e.read.get(), &st) == 0 && st.st_ino == want.st_ino && st.st_dev == want.st_dev) return pid;
    }
    return std::nullopt;
  }
  // Its pidfds poll readable from now on; ours of its pipe are closed.
  void die(pid_t pid) {
    live.erase(pid);
    auto it = exits_.find(pid);
    if (it == exits_.end()) return;
    (void)!write(it->second.write.get(), "x", 1);
    exits_.erase(it);
  }

 private:
  struct Exit {
    UniqueFd read, write;
  };
  std::map<pid_t, Exit> exits_;
  pid_t next_ = 4000000;  // above pid_max
};

}  // namespace berth::test
