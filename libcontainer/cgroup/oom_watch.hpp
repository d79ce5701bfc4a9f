// Mechanism: OOM notification for one container. v1: memory.oom_control
// registered through cgroup.event_control with an eventfd; v2:
// memory.events watched with inotify (an event per rise of its oom_kill
// count). Owned by the container's cgroups (container_cgroups.hpp), used
// by `berth events`.
#pragma once

#include <cstdint>
#include <vector>

#include "libcontainer/cgroup/leaf.hpp"
#include "libcontainer/error/error.hpp"
#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::cgroup {

// fd() is pollable (POLLIN); after it is readable, take() says how many OOM
// events happened since the last call (0 for a spurious wake), and gone()
// whether the memory cgroup was removed.
class OomWatch {
 public:
  // Code::Unsupported when none of leaves is a memory cgroup.
  static Result<OomWatch> open(sys::Kernel& k, const std::vector<Leaf>& leaves);
  int fd() const { return fd_.get(); }
  uint64_t take();
  bool gone() const { return gone_; }

 private:
  UniqueFd fd_;       // v1: the eventfd; v2: the inotify fd
  UniqueFd dir_;      // the memory cgroup
  UniqueFd control_;  // v1: memory.oom_control, kept open for the registration
  bool v2_ = false;
  bool gone_ = false;
  uint64_t seen_ = 0;  // v2: oom_kill count already reported
};

}  // namespace berth::cgroup
