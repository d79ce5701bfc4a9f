// OOM notification; see oom_watch.hpp.
#include "libcontainer/cgroup/oom_watch.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <string>

#include "libcontainer/cgroup/files.hpp"
#include "libcontainer/cgroup/stats.hpp"

namespace berth::cgroup {
namespace {

// The leaf's dir again, for the watch to own.
UniqueFd dup_dir(const Leaf& leaf) { return UniqueFd(fcntl(leaf.fd.get(), F_DUPFD_CLOEXEC, 0)); }

}  // namespace

Result<OomWatch> OomWatch::open(sys::Kernel& k, const std::vector<Leaf>& leaves) {
  OomWatch w;
  // The v1 memory leaf first (a hybrid host's cgroup2 leaf has no memory).
  for (const auto& leaf : leaves) {
    int dir = leaf.fd.get();
    if (!leaf.fd || !has_file(dir, "memory.oom_control") || has_file(dir, "cgroup.controllers")) continue;
    UniqueFd fd = dup_dir(leaf);
    if (!fd) return sys_error(errno, "dup " + leaf.dir());
    UniqueFd control(openat(fd.get(), "memory.oom_control", O_RDONLY | O_CLOEXEC));
    if (!control) return sys_error(errno, "open " + leaf.dir() + "/memory.oom_control");
    UniqueFd efd(eventfd(0, EFD_CLOEXEC));
    if (!efd) return sys_error(errno, "eventfd");
    BERTH_CHECK(
        k.write_at(fd.get(), "cgroup.event_control", std::to_string(efd.get()) + " " + std::to_string(control.get()))
            .context("register for OOM notification in " + leaf.dir()));
    w.fd_ = std::move(efd), w.dir_ = std::move(fd), w.control_ = std::move(control);
    return w;
  }
  for (const auto& leaf : leaves) {
    int dir = leaf.fd.get();
    if (!leaf.fd || !has_file(dir, "memory.events") || !has_file(dir, "cgroup.controllers")) continue;
    UniqueFd fd = dup_dir(leaf);
    if (!fd) return sys_error(errno, "dup " + leaf.dir());
    UniqueFd in(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (!in) return sys_error(errno, "inotify_init1");
    std::string file = leaf.dir() + "/memory.events";
    if (inotify_add_watch(in.get(), file.c_str(), IN_MODIFY) < 0) return sys_error(errno, "watch " + file);
    w.v2_ = true;
    w.seen_ = parse::key_values(read_value(fd.get(), "memory.events"))["oom_kill"];
    w.fd_ = std::move(in), w.dir_ = std::move(fd);
    return w;
  }
  return Error(Code::Unsupported, "the container has no memory cgroup to watch for OOM events");
}

uint64_t OomWatch::take() {
  if (!v2_) {
    uint64_t n = 0;
    if (read(fd_.get(), &n, sizeof n) != sizeof n) return 0;
    // The eventfd also fires when the cgroup is removed.
    if (!has_file(dir_.get(), "cgroup.event_control")) {
      gone_ = true;
      return 0;
    }
    return n;
  }
  char buf[4096];
  bool any = false;
  ssize_t r;
  while ((r = read(fd_.get(), buf, sizeof buf)) > 0) {
    for (ssize_t off = 0; off < r;) {
      auto* ev = reinterpret_cast<inotify_event*>(buf + off);
      if (ev->mask & (IN_IGNORED | IN_DELETE_SELF)) gone_ = true;
      if (ev->mask & IN_MODIFY) any = true;
      off += ssize_t(sizeof(inotify_event) + ev->len);
    }
  }
  if (!any) return 0;
  uint64_t now = parse::key_values(read_value(dir_.get(), "memory.events"))["oom_kill"];
  uint64_t n = now > seen_ ? now - seen_ : 0;
  seen_ = std::max(seen_, now);
  return n;
}

}  // namespace berth::cgroup
