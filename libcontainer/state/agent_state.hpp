// The container process state that runtime-spec 1.2 defines for a seccomp
// agent: sent with the notify fd to linux.seccomp.listenerPath.
#pragma once

#include <string>
#include <string_view>

#include "libcontainer/state/store.hpp"

namespace berth::state {

// {"ociVersion","fds":["seccompFd"],"pid","metadata","state":{...}}, compact.
// metadata is linux.seccomp.listenerMetadata, escaped like every string.
std::string seccomp_agent_state(const ContainerState& s, std::string_view metadata);

}  // namespace berth::state
