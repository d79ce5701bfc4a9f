// The cgroups isolator's directories: making the container's cgroup in
// every hierarchy at create (make.cpp), journaled in the container's record
// (journal.hpp) before the first mkdir, and removing what it made at delete
// from that journal alone (remove.cpp).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "isolators/cgroups/controllers/controller.hpp"
#include "libcontainer/cgroup/freezer.hpp"
#include "libcontainer/cgroup/leaf.hpp"

namespace berth::isolators::cgroups {

// A cgroup that already holds processes is joined with a warning naming
// it, as runc 1.1 does (pods share one; runc 1.2 refuses). Its members
// then share limits, and pause, kill --all and ps act on all of them.
// This annotation, once needed to join, is no longer: "true" joins
// without the warning, "false" refuses a busy cgroup.
inline constexpr const char* kJoinBusy = "org.berth.cgroups.join-busy";

// Marks on a cgroup directory that more than one container uses
// (trusted.*: cgroupfs keeps them on v1 and v2; root only):
//  kSharedMark, set by a container that joins a cgroup it did not make:
//    the delete of the one that made it must not kill what is left there;
//  kLeftMark, set by that delete when it could not remove a directory it
//    made because others hold it: the delete of a later member removes it
//    once empty (a directory someone else made by hand is never removed).
inline constexpr const char* kSharedMark = "trusted.berth.shared";
inline constexpr const char* kLeftMark = "trusted.berth.left";

// Whether a leaf in h can be frozen, and how: the v1 freezer controller's
// hierarchy, or cgroup2 (cgroup.freeze, Linux 5.2; berth needs 5.12).
inline cgroup::freezer::Kind freezer_kind(const cgroup::Hierarchy& h) {
  if (h.v2) return cgroup::freezer::Kind::V2;
  return h.has("freezer") ? cgroup::freezer::Kind::V1 : cgroup::freezer::Kind::None;
}

struct JoinPolicy {
  std::optional<bool> join_busy;  // kJoinBusy, when set
  bool warned = false;
};

// The journal (saved in s.record), then the missing parts of every target's path (v1 cpusets
// filled from above, cgroup2 parents passing down s.needed_v2()): the
// leaves, opened, in s.targets' order. A leaf that already holds
// processes is another's: joined by policy.
Result<std::vector<cgroup::Leaf>> make_cgroups(Scope& s, JoinPolicy& policy);

// Everything the journal of state_dir says create made, innermost first;
// idempotent. What is left in a cgroup is killed first, unless another
// container joined it.
Status remove_cgroups(sys::Kernel& k, const state::ContainerState& record);

}  // namespace berth::isolators::cgroups
