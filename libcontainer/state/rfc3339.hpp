// The current time as RFC 3339 with nanoseconds, UTC, into a caller's buffer
// (libc only: the shim, which has no C++ library, uses it too).
#pragma once

#include <stdio.h>
#include <time.h>

namespace berth::state {

// "2026-12-07T04:05:06" of t; not strftime, which reads the time zone
// (/etc/localtime) on its first call.
inline int format_utc_seconds(char* buf, size_t len, const tm& t) {
  return snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d", t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour,
                  t.tm_min, t.tm_sec);
}

inline void format_rfc3339_now(char* buf, size_t len) {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  tm t;
  gmtime_r(&ts.tv_sec, &t);
  int n = format_utc_seconds(buf, len, t);
  if (n > 0 && size_t(n) < len) snprintf(buf + n, len - size_t(n), ".%09ldZ", ts.tv_nsec);
}

}  // namespace berth::state
