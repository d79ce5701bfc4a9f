// OCI hooks run by the runtime itself (prestart, createRuntime, poststart,
// poststop), each with the state JSON on stdin, its env and args, and its
// timeout. Hooks of one kind run in order; the first failure stops them.
#pragma once

#include <string>
#include <vector>

#include "libcontainer/child/plan.hpp"
#include "libcontainer/error/error.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth {
class Arena;

namespace hooks {

// kind is the config key ("prestart", "createRuntime", ...), used in errors
// and json paths ("/hooks/prestart/1").
Status run(const std::vector<spec::Hook>& hooks, const char* kind, const std::string& state_json);

// Precomputes hooks run by the init (createContainer, startContainer).
std::vector<child::ChildHook> to_child(const std::vector<spec::Hook>& hooks, Arena& arena);

}  // namespace hooks
}  // namespace berth
