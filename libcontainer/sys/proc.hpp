// Facts about processes read from /proc.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "libcontainer/fd/unique_fd.hpp"

namespace berth::sys {

// /proc/PID/stat field 22 (start time in clock ticks since boot), or 0 when
// the process is gone or a zombie. With the pid it names one process: pids
// are reused, start times are not. comm, when given, gets field 2 (the
// process's name) from the same read.
uint64_t process_start_time(pid_t pid, std::string* comm = nullptr);

// A pidfd of pid if it is still the process that started at start_time
// (checked after opening, so a pid reused meanwhile is never returned);
// invalid when it is gone or pidfds are unavailable.
UniqueFd open_pidfd(pid_t pid, uint64_t start_time);

}  // namespace berth::sys
