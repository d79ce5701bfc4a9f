// Mechanism: freezing and thawing a cgroup, and v2's cgroup.kill. v1 has
// the freezer controller (freezer.state: THAWED, FREEZING, FROZEN); v2 has
// cgroup.freeze in every non-root cgroup, with the outcome in cgroup.events
// ("frozen 1"). Writes go through the Kernel; reads are direct. Freezing is
// not instant (FREEZING, or "frozen 0" for a while): freeze() waits, with a
// bound, and on a timeout thaws again so nothing is left half frozen.
// Policy (when, and what the container's status becomes) is the launcher's.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "libcontainer/error/error.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::cgroup::freezer {

enum class Kind { None, V1, V2 };
// By the files the kernel made there: freezer.state (v1), cgroup.freeze (v2).
Kind kind_of(int dirfd);
// As the cgroups journal names them (journal.hpp): "v1", "v2", "none";
// nullopt for anything else (a record that does not say).
std::optional<Kind> kind_named(std::string_view name);
const char* kind_name(Kind k);

inline constexpr int kFreezeTimeoutMs = 2000;

// Asks for frozen and waits until the cgroup reads back as frozen (v1
// FROZEN, v2 "frozen 1"), at most timeout_ms; after that it thaws again and
// fails with Code::Busy.
Status freeze(sys::Kernel& k, int dirfd, Kind kind, int timeout_ms = kFreezeTimeoutMs);
Status thaw(sys::Kernel& k, int dirfd, Kind kind);

// Frozen by its own request (v1 freezer.self_freezing, or freezer.state
// where that file is absent; v2 cgroup.freeze): what `pause` did.
bool self_frozen(int dirfd, Kind kind);
// Frozen or freezing, by itself or through an ancestor: its processes do
// not run (v1 freezer.state not THAWED; v2 cgroup.freeze 1 or "frozen 1").
bool effectively_frozen(int dirfd, Kind kind);

// v2 cgroup.kill (Linux 5.14): SIGKILL to every process in the cgroup and
// below, atomically with respect to forks. Code::Unsupported where absent.
Status kill(sys::Kernel& k, int dirfd);

}  // namespace berth::cgroup::freezer
