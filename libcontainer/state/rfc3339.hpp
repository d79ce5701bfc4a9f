// The current time as RFC 3339 with nanoseconds, UTC, into a caller's buffer
// (libc only: the shim, which has no C++ library, uses it too).
#pragma once

#include <stdio.h>
#include <time.h>

namespace berth::state {

inline void format_rfc3339_now(char* buf, size_t len) {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t;
  gmtime_r(&ts.tv_sec, &t);
  size_t n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &t);
  snprintf(buf + n, len - n, ".%09ldZ", ts.tv_nsec);
}

}  // namespace berth::state
