// Facts about processes read from /proc.
#pragma once

#include <sys/types.h>

#include <cstdint>

namespace berth::sys {

// /proc/PID/stat field 22 (start time in clock ticks since boot), or 0 when
// the process is gone or a zombie. With the pid it names one process: pids
// are reused, start times are not.
uint64_t process_start_time(pid_t pid);

}  // namespace berth::sys
