// A user namespace with given id maps, held by an fd: what an idmapped mount
// (mount_setattr MOUNT_ATTR_IDMAP) takes to translate ids.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth::sys {

// "containerID hostID size\n" per entry, the format of /proc/PID/uid_map.
std::string id_map_text(const std::vector<spec::IdMapping>& m);
// Writes mappings to /proc/PID/<file> ("uid_map" or "gid_map").
Status write_id_map(pid_t pid, const char* file, const std::vector<spec::IdMapping>& m);

// Forks a throwaway process into a new user namespace, writes its maps,
// opens /proc/PID/ns/user and reaps it. Leaves no process behind.
Result<UniqueFd> make_userns(const std::vector<spec::IdMapping>& uids, const std::vector<spec::IdMapping>& gids);

}  // namespace berth::sys
