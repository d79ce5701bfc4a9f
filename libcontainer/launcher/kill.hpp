// Killing a process through its pidfd and waiting, bounded, until it is
// gone: what delete does to the init and the shim, and create's undo to an
// init it cloned (a SIGKILL is delivered after kill() returns: an init still
// tearing down its namespaces would outlive the failed create).
#pragma once

#include "libcontainer/sys/kernel.hpp"

namespace berth::launcher {

inline constexpr int kKillWaitMs = 10000;

// Waits until the pidfd says the process has exited (or timeout_ms passes).
bool wait_exit(int pidfd, int timeout_ms);

// SIGKILL, then wait (bounded) until it is gone.
void kill_and_wait(sys::Kernel& k, int pidfd);

// The same for the process pid that started at start_time; one already gone
// (or a pid reused since) is no error.
Status kill_and_wait(sys::Kernel& k, pid_t pid, uint64_t start_time);

}  // namespace berth::launcher
