// One cgroup of a container: its directory in one hierarchy, open.
#pragma once

#include <string>

#include "libcontainer/fd/unique_fd.hpp"

namespace berth::cgroup {

// The host path of PATH (absolute, below the hierarchy) under MOUNT.
inline std::string dir_of(const std::string& mount, const std::string& path) {
  return path == "/" ? mount : mount + path;
}

struct Leaf {
  std::string mount;    // the hierarchy's
  std::string path;     // below it, absolute
  UniqueFd fd;          // -1 when it could not be opened
  std::string freezer;  // the journal's word for its freezer ("v1", "v2", "none"), "" when unknown
  std::string dir() const { return dir_of(mount, path); }
};

}  // namespace berth::cgroup
