// The init's startContainer hooks (runtime-spec 1.2: at `start`, before the
// user's program, in the container's namespaces, as the process user, as runc
// runs them). The seccomp filter never applies to them: when the init must
// load it before the start gate (without noNewPrivileges it needs
// CAP_SYS_ADMIN, so it goes before the capabilities are dropped; with a
// listenerPath the agent must have its fd before create returns), a runner
// process is forked just before, and the hooks are run from it at `start`.
//
// Call order in the init: arm() once the state JSON is mapped; fork_runner()
// right before each load of the filter ahead of the gate (prepare_process);
// run() after the gate. Only the init calls them; they keep their state in
// statics of the init's own memory (it is not CLONE_VM).
#pragma once

#include <cstddef>

#include "libcontainer/child/plan.hpp"
#include "libcontainer/child/sync.hpp"

namespace berth::child::start_hooks {

// state: the state JSON ("creating"), a private writable mapping.
void arm(const char* state, size_t len);

// Forks the runner when there are startContainer hooks and a filter, unless
// one runs already. The runner calls take_process_user(p) first (nullptr: the
// init has already taken it), then waits for run(). A failure there is
// reported on the sync channel, as any init step.
void fork_runner(const ChildPlan& p, void (*take_process_user)(const ChildPlan&));

// Runs the hooks (through the runner when there is one). Returns true when
// all passed; otherwise *err says which failed and how.
bool run(const ChildPlan& p, ChildError* err);

}  // namespace berth::child::start_hooks
