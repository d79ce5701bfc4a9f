// The isolators' fragments (isolator/fragment.hpp) merged into one launch
// plan, and the fds the merged plan names. Call order in create:
//   merge          after every prepare, before anything is made;
//   acquire_fds    once the id is claimed;
//   take_provisioned after every provision.
#pragma once

#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/isolator/fragment.hpp"
#include "libcontainer/launcher/launch_plan.hpp"

namespace berth::launcher {

struct Contribution {
  const char* isolator;  // its name, for the errors
  Fragment fragment;
};

// Every fragment into plan, in the registry's order; each fragment's arena
// moves to the plan. Refused (Code::Config, naming both isolators):
//  - a scalar (hostname, caps, seccomp, rootfs flags, ...) that two set
//    differently;
//  - a namespace type that two ask for differently (new vs joined, two paths);
//  - mounts of two isolators on one destination, unless both realise
//    /mounts entries (the config stacks those, in its order);
//  - a device path, a sysctl key or an rlimit that two give differently.
// Mounts are ordered as /mounts, an isolator's own after them. The clone
// flags, joins and whether the parent opens the bind sources (a new user
// namespace with a new mount namespace) follow from the merged namespaces.
Status merge(std::vector<Contribution>& parts, LaunchPlan& plan);

// The fds of what the merged plan names: each joined namespace (its type
// checked again, the path may have changed since prepare), the user
// namespace of each idmapped mount, and, when the parent opens the bind
// sources, the fd number each arrives on in the init (a placeholder now).
Status acquire_fds(LaunchPlan& plan);

// The cgroup the init is cloned into, from the fragments provision completed.
Status take_provisioned(const std::vector<Contribution>& parts, LaunchPlan& plan);

}  // namespace berth::launcher
