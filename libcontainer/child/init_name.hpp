// The name (comm) the container init has from its clone until it execs the
// container's program, as runc's is "runc:[2:INIT]": ps shows it, and
// `state` tells by it an init still waiting at the start gate from one
// whose `start` was killed after letting it pass (the fifo is left then).
#pragma once

namespace berth::child {

inline constexpr char kInitName[] = "berth:[init]";
// A process `berth exec` starts, from its clone to its exec.
inline constexpr char kExecName[] = "berth:[exec]";

}  // namespace berth::child
