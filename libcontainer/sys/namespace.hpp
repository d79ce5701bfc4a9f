// Namespace files: the clone flag of a namespace type, a namespace file
// opened to be joined (checked to be of the type asked), and whether the
// container's namespace of a type is one of its own or the runtime's.
#pragma once

#include <sys/types.h>

#include <string>

#include "libcontainer/error/error.hpp"
#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth::sys {

int clone_flag(spec::NsType t);  // CLONE_NEW*

// path opened O_RDONLY; Code::Config naming json_path when it cannot be
// opened or is not a namespace of type t.
Result<UniqueFd> open_namespace(spec::NsType t, const std::string& path, const std::string& json_path);

// The container has a namespace of type t other than the runtime's own: a
// new one, or one joined by a path that names another namespace than
// /proc/self/ns/<t> (a joined namespace that is the runtime's is not its
// own: its hostname or sysctls are the host's).
bool owns_namespace(const spec::Config& c, spec::NsType t);

// Process pid is in another namespace of type t than the runtime
// (/proc/<pid>/ns/<t> against /proc/self/ns/<t>); also when either cannot
// be read, so that a join says why it fails.
bool differs_from_ours(pid_t pid, spec::NsType t);

}  // namespace berth::sys
