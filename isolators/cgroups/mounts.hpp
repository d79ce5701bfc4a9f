// The container's cgroup mounts (/mounts entries of type cgroup or cgroup2
// that are not binds). The cgroups isolator contributes them: it alone
// knows where the container's cgroups are (their paths follow from the
// host's layout and cgroupsPath in its prepare), and a filesystem isolator
// that mounted them would have to read another isolator's output.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/isolator/fragment.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth::isolators::cgroups {

// binds: the container's cgroup in each hierarchy seen below
// /sys/fs/cgroup, as (name below the mount's destination, host dir); one
// with an empty name is a cgroup2 mount on /sys/fs/cgroup itself.
Status add_mounts(const spec::Config& c, const std::vector<std::pair<std::string, std::string>>& binds, Fragment& f);

}  // namespace berth::isolators::cgroups
