// `events` and `stats`: a container's usage (the isolators' usage()) once,
// or a stream of events until it stops: OOM notifications as they happen
// and a stats event every interval, as runc 1.1's `events`. The container's
// end is seen through a pidfd of its init (readable when it exits), the
// OOM through the memory cgroup's notifier; nothing polls on a timer but
// the stats interval itself.
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>

#include "libcontainer/launcher/launcher.hpp"
#include "libcontainer/sys/proc.hpp"

namespace berth::launcher {
namespace {

// The container as runc's events finds it: it exists and is not stopped;
// its isolators have recovered their view of it.
Result<state::ContainerState> live(const state::Store& store, const std::string& id, IsolatorList& isolators) {
  auto st = BERTH_TRY(store.read(id));
  if (state::current_status(store, st) == state::RunState::Stopped)
    return Error(Code::Busy, "container with id " + id + " is not running");
  BERTH_CHECK(recover(store, st, isolators));
  return st;
}

}  // namespace

// The isolators' usage(), in the registry's order, once recovered.
Result<Usage> usage_of(const state::Store& store, const std::string& id, IsolatorList& isolators) {
  Usage u;
  for (auto& iso : isolators) BERTH_CHECK(iso->usage(store.dir(id), u).context(iso->name()));
  if (u.cgroup.empty())
    return Error(Code::Unsupported, "container " + id + " has no cgroups (it was made without them)");
  return u;
}

Result<Usage> stats(const state::Store& store, const std::string& id, IsolatorList& isolators) {
  BERTH_TRY(live(store, id, isolators));
  return usage_of(store, id, isolators);
}

Status events(const state::Store& store, const std::string& id, IsolatorList& isolators,
              std::chrono::milliseconds interval, const std::function<void(const std::string&)>& emit) {
  if (interval.count() <= 0) return Error(Code::Config, "duration interval must be greater than 0");
  auto st = BERTH_TRY(live(store, id, isolators));
  // Without a memory cgroup there are no OOM events to wait for, only stats.
  auto oom = cgroups_of(store, st, st.pid).oom_watch();
  if (!oom.ok() && oom.error().code() != Code::Unsupported) return std::move(oom).error().context("events");
  UniqueFd pidfd = sys::open_pidfd(st.pid, st.init_start_time);

  using Clock = std::chrono::steady_clock;
  auto next = Clock::now() + interval;
  auto report_oom = [&] {
    for (uint64_t n = oom->take(); n > 0; n--) emit(event_json("oom", id, nullptr));
  };
  for (;;) {
    pollfd fds[2];
    nfds_t n = 0;
    int pid_i = -1, oom_i = -1;
    if (pidfd) pid_i = int(n), fds[n++] = {pidfd.get(), POLLIN, 0};
    if (oom.ok() && !oom->gone()) oom_i = int(n), fds[n++] = {oom->fd(), POLLIN, 0};
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next - Clock::now()).count();
    // Without a pidfd, look at the status at least once a second.
    if (!pidfd) wait = std::min<long long>(wait, 1000);
    int r = poll(fds, n, int(std::max<long long>(wait, 0)));
    if (r < 0 && errno != EINTR) return sys_error(errno, "events: poll");
    if (oom_i >= 0 && (fds[oom_i].revents & POLLIN)) report_oom();
    bool ended = pid_i >= 0 && (fds[pid_i].revents & (POLLIN | POLLHUP));
    if (!pidfd) ended = state::current_status(store, st) == state::RunState::Stopped;
    if (ended || (oom.ok() && oom->gone())) {
      // An OOM kill that ended the container is told before the stream ends.
      if (oom.ok() && !oom->gone()) {
        pollfd last = {oom->fd(), POLLIN, 0};
        if (poll(&last, 1, 0) == 1) report_oom();
      }
      return {};
    }
    if (Clock::now() >= next) {
      auto s = BERTH_TRY(usage_of(store, id, isolators));
      emit(event_json("stats", id, &s));
      next += interval;
      if (next < Clock::now()) next = Clock::now() + interval;
    }
  }
}

}  // namespace berth::launcher
