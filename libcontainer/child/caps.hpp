// Capability sets of the init, applied after the uid change (the caller
// keeps capabilities across setuid with PR_SET_KEEPCAPS). Allocation-free.
#pragma once

#include "libcontainer/child/plan.hpp"

namespace berth::child {

// Drops from the bounding set every cap up to last_cap not in m.bounding,
// sets effective/permitted/inheritable with capset(2), then the ambient set.
// Returns 0 or -errno; *step names the failed step.
int apply_capabilities(const CapMasks& m, int last_cap, const char** step) noexcept;

}  // namespace berth::child
