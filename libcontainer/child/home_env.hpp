// HOME from the container's /etc/passwd, for a process.env without one.
// Called by the init after its root is entered (the container's mounts are in
// place) and before the user changes; a no-op when the env has its HOME.
#pragma once

#include "libcontainer/child/plan.hpp"

namespace berth::child {

// Rewrites plan.home_buf ("HOME=/" from the parent, already in envp) with the
// home of plan.uid in /etc/passwd inside the root; leaves it when the file or
// the entry is missing.
void fill_home_env(const ChildPlan& p);

// The home of the first passwd(5) line for uid read from fd, into out (cap
// bytes with the NUL); false when no line has it or it does not fit. Lines
// with a uid that is not a number, or longer than 4096 bytes, are skipped.
bool find_home(int fd, uid_t uid, char* out, size_t cap);

}  // namespace berth::child
