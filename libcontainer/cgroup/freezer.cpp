// Freezer control files; see freezer.hpp.
#include "libcontainer/cgroup/freezer.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <ctime>

#include "libcontainer/cgroup/files.hpp"

namespace berth::cgroup::freezer {
namespace {

using Clock = std::chrono::steady_clock;

// Rounded up: 0 only once the deadline has passed, so a wait never ends
// early (a truncated 0.9 ms used to end it up to 1 ms before its bound).
int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left < 0 ? 0 : int(left);
}

void nap_ms(int ms) {
  timespec ts{ms / 1000, long(ms % 1000) * 1000 * 1000};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

// "frozen 1" among cgroup.events' lines.
bool events_frozen(const std::string& events) {
  size_t at = 0;
  while (at < events.size()) {
    size_t end = events.find('\n', at);
    if (end == std::string::npos) end = events.size();
    if (events.compare(at, end - at, "frozen 1") == 0) return true;
    at = end + 1;
  }
  return false;
}

Error timed_out(const char* what, int timeout_ms) {
  return Error(Code::Busy, std::string("the cgroup did not freeze within ") + std::to_string(timeout_ms) + " ms (" +
                               what + "; a process in uninterruptible sleep?); thawed it again");
}

// v1: FREEZING can last while a task is busy in the kernel; writing FROZEN
// again nudges the freezer to retry the tasks it could not stop.
Status freeze_v1(sys::Kernel& k, int dirfd, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  int nap = 1;
  for (;;) {
    BERTH_CHECK(k.write_at(dirfd, "freezer.state", "FROZEN"));
    std::string s = read_value(dirfd, "freezer.state");
    if (s == "FROZEN") return {};
    if (s != "FREEZING") return Error(Code::Internal, "freezer.state reads \"" + s + "\" after writing FROZEN");
    int left = ms_left(deadline);
    if (left == 0) break;
    nap_ms(std::min(nap, left));
    nap = std::min(nap * 2, 20);
  }
  (void)k.write_at(dirfd, "freezer.state", "THAWED");
  return timed_out("freezer.state stayed FREEZING", timeout_ms);
}

// v2: cgroup.events says "frozen 1" once every process below has stopped;
// the kernel wakes a POLLPRI poller when that file changes. The poll is
// also capped, so a missed wake-up costs a few ms, not the whole bound.
Status freeze_v2(sys::Kernel& k, int dirfd, int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  UniqueFd events(openat(dirfd, "cgroup.events", O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!events) return sys_error(errno, "open cgroup.events");
  BERTH_CHECK(k.write_at(dirfd, "cgroup.freeze", "1"));
  for (;;) {
    char buf[512];
    ssize_t n = pread(events.get(), buf, sizeof buf - 1, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error(errno, "read cgroup.events");
    if (events_frozen(std::string(buf, size_t(n)))) return {};
    int left = ms_left(deadline);
    if (left == 0) break;
    pollfd p{events.get(), POLLPRI, 0};
    (void)poll(&p, 1, std::min(left, 50));
  }
  (void)k.write_at(dirfd, "cgroup.freeze", "0");
  return timed_out("cgroup.events did not say \"frozen 1\"", timeout_ms);
}

}  // namespace

Kind kind_of(int dirfd) {
  if (dirfd < 0) return Kind::None;
  if (has_file(dirfd, "freezer.state")) return Kind::V1;
  if (has_file(dirfd, "cgroup.freeze")) return Kind::V2;
  return Kind::None;
}

std::optional<Kind> kind_named(std::string_view name) {
  if (name == "v1") return Kind::V1;
  if (name == "v2") return Kind::V2;
  if (name == "none") return Kind::None;
  return std::nullopt;
}

const char* kind_name(Kind k) {
  switch (k) {
    case Kind::V1: return "v1";
    case Kind::V2: return "v2";
    case Kind::None: break;
  }
  return "none";
}

Status freeze(sys::Kernel& k, int dirfd, Kind kind, int timeout_ms) {
  switch (kind) {
    case Kind::V1: return freeze_v1(k, dirfd, timeout_ms);
    case Kind::V2: return freeze_v2(k, dirfd, timeout_ms);
    case Kind::None: break;
  }
  return Error(Code::Unsupported, "no freezer for this cgroup (neither the v1 freezer controller nor cgroup.freeze)");
}

Status thaw(sys::Kernel& k, int dirfd, Kind kind) {
  switch (kind) {
    case Kind::V1: return k.write_at(dirfd, "freezer.state", "THAWED");
    case Kind::V2: return k.write_at(dirfd, "cgroup.freeze", "0");
    case Kind::None: break;
  }
  return Error(Code::Unsupported, "no freezer for this cgroup (neither the v1 freezer controller nor cgroup.freeze)");
}

bool self_frozen(int dirfd, Kind kind) {
  switch (kind) {
    case Kind::V1: {
      std::string self = read_value(dirfd, "freezer.self_freezing");
      if (!self.empty()) return self == "1";
      std::string s = read_value(dirfd, "freezer.state");
      return s == "FROZEN" || s == "FREEZING";
    }
    case Kind::V2: return read_value(dirfd, "cgroup.freeze") == "1";
    case Kind::None: break;
  }
  return false;
}

bool effectively_frozen(int dirfd, Kind kind) {
  switch (kind) {
    case Kind::V1: {
      std::string s = read_value(dirfd, "freezer.state");
      return s == "FROZEN" || s == "FREEZING";
    }
    case Kind::V2:
      return read_value(dirfd, "cgroup.freeze") == "1" || events_frozen(read_value(dirfd, "cgroup.events"));
    case Kind::None: break;
  }
  return false;
}

Status kill(sys::Kernel& k, int dirfd) {
  if (!has_file(dirfd, "cgroup.kill")) return Error(Code::Unsupported, "no cgroup.kill in this cgroup");
  return k.write_at(dirfd, "cgroup.kill", "1");
}

}  // namespace berth::cgroup::freezer
