// OCI hooks run by the runtime itself (prestart, createRuntime, poststart,
// poststop), each with the state JSON on stdin, its env and args, and its
// timeout. A hook without "env" inherits the runtime's environment (as runc
// and crun); the init's hooks (to_child) inherit the process's env instead.
#pragma once

#include <string>
#include <vector>

#include "libcontainer/child/plan.hpp"
#include "libcontainer/error/error.hpp"
#include "libcontainer/spec/config.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth {
class Arena;

namespace hooks {

// Runs the hooks in order; the first failure stops them and is returned
// (prestart, createRuntime: runtime-spec 1.2 fails the create). kind is the
// config key ("prestart", ...), used in errors and json paths ("/hooks/prestart/1").
// Each hook runs through k.run_hook.
Status run(sys::Kernel& k, const std::vector<spec::Hook>& hooks, const char* kind, const std::string& state_json);

// Runs every hook whatever the earlier ones did; each failure is appended to
// *warnings (poststart, poststop: runtime-spec 1.2 "log a warning, but the
// remaining hooks and lifecycle continue as if the hook had succeeded").
void run_all(sys::Kernel& k, const std::vector<spec::Hook>& hooks, const char* kind, const std::string& state_json,
             std::vector<std::string>* warnings);

// Precomputes hooks run by the init (createContainer, startContainer). A hook
// without "env" gets process_env, the container process's (as runc: its init
// runs them with that environment), never the host's.
std::vector<child::ChildHook> to_child(const std::vector<spec::Hook>& hooks,
                                       const std::vector<std::string>& process_env, Arena& arena);

}  // namespace hooks
}  // namespace berth
