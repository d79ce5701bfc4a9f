// A user namespace with given id maps, held by an fd: what an idmapped mount
// (mount_setattr MOUNT_ATTR_IDMAP) takes to translate ids.
#pragma once

#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth::sys {

// Forks a throwaway process into a new user namespace, writes its maps,
// opens /proc/PID/ns/user and reaps it. Leaves no process behind.
Result<UniqueFd> make_userns(const std::vector<spec::IdMapping>& uids, const std::vector<spec::IdMapping>& gids);

}  // namespace berth::sys
