// A /mounts entry as the isolator that realises it reads it: filesystem/linux
// for most, cgroups for a cgroup mount (is_cgroup_mount), both through this
// one parser so an entry is checked the same way whoever mounts it.
#pragma once

#include "libcontainer/child/plan.hpp"
#include "libcontainer/error/error.hpp"
#include "libcontainer/launcher/launch_plan.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth {

// m's options parsed (errors name /mounts/idx/options/N), an idmap or
// remount refused where berth cannot do it; dest, json_index and
// dest_is_proc_or_sys set, the fds -1. kind, source and fstype are the
// caller's. Strings go to arena.
Result<child::ChildMount> mount_entry(const spec::Mount& m, int idx, Arena& arena);

// A cgroup or cgroup2 mount that is not a bind: the container's own
// cgroups, which only the cgroups isolator knows (isolators/cgroups/mounts.hpp).
bool is_cgroup_mount(const spec::Mount& m);

}  // namespace berth
