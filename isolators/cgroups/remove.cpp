// Removing the container's cgroups; see tree.hpp.
#include <fcntl.h>
#include <signal.h>

#include <ctime>

#include "isolators/cgroups/tree.hpp"
#include "libcontainer/cgroup/files.hpp"
#include "libcontainer/cgroup/freezer.hpp"
#include "libcontainer/cgroup/journal.hpp"

namespace berth::isolators::cgroups {
namespace {

using Entries = std::vector<cgroup::JournalEntry>;

void nap_10ms() {
  timespec ts{0, 10 * 1000 * 1000};
  nanosleep(&ts, nullptr);
}

UniqueFd open_dir(const std::string& path) { return UniqueFd(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); }

bool journaled(const Entries& entries, const char* kind, const std::string& mount, const std::string& path) {
  for (const auto& e : entries)
    if (e.kind == kind && e.mount == mount && e.path == path) return true;
  return false;
}

// A directory we made that others still use: theirs to remove.
Status leave(sys::Kernel& k, int dirfd, const std::string& path) {
  Status s = k.set_xattr(dirfd, kLeftMark, "1");
  if (!s.ok()) return std::move(s).error().context("leave " + path + " to the containers that use it");
  return {};
}

// rmdir, after killing what is left in it (a container without its own
// pid namespace can leave processes behind its init); the kernel needs a
// moment to take a killed task out of the cgroup. cgroup.kill (a cgroup2
// leaf, Linux 5.14) also reaches what forks meanwhile; elsewhere each
// listed process is signalled. A cgroup another container joined
// (kSharedMark) is left to them, and nothing in it is killed: its
// processes cannot be told apart.
Status remove_leaf(sys::Kernel& k, const std::string& path) {
  for (int attempt = 0;; attempt++) {
    Status s = k.remove_dir_at(AT_FDCWD, path);
    if (s.ok() || s.error().sys_errno() == ENOENT) return {};
    if (s.error().sys_errno() != EBUSY || attempt == 100) return s;
    UniqueFd dir = open_dir(path);
    if (dir && k.get_xattr(dir.get(), kSharedMark).ok()) return leave(k, dir.get(), path);
    if (!cgroup::freezer::kill(k, dir.get()).ok())
      for (pid_t pid : cgroup::read_procs(dir.get())) (void)k.signal(pid, k.start_time(pid), SIGKILL);
    nap_10ms();
  }
}

// A parent we made may hold another container's cgroup by now: then it
// is theirs to remove.
Status remove_parent(sys::Kernel& k, const std::string& path) {
  Status s = k.remove_dir_at(AT_FDCWD, path);
  if (s.ok()) return {};
  int e = s.error().sys_errno();
  if (e == ENOENT) return {};
  if (e != EBUSY && e != ENOTEMPTY) return s;
  UniqueFd dir = open_dir(path);
  return dir ? leave(k, dir.get(), path) : Status{};
}

// rmdir, retried for a moment on EBUSY (a v1 hierarchy can lag behind
// the exit of the last task), never killing anything there.
bool remove_if_empty(sys::Kernel& k, const std::string& path) {
  for (int attempt = 0;; attempt++) {
    Status s = k.remove_dir_at(AT_FDCWD, path);
    if (s.ok() || s.error().sys_errno() == ENOENT) return true;
    if (s.error().sys_errno() != EBUSY || attempt == 20) return false;
    nap_10ms();
  }
}

// From a leaf up to its hierarchy's root: the directories another
// container made and left to us (kLeftMark), innermost first, while they
// come out empty. What this container made is removed before.
void remove_left(sys::Kernel& k, const Entries& entries, const cgroup::JournalEntry& leaf) {
  for (std::string path = leaf.path; path.size() > 1; path.erase(path.rfind('/') == 0 ? 1 : path.rfind('/'))) {
    if (journaled(entries, "made", leaf.mount, path)) continue;
    UniqueFd dir = open_dir(leaf.mount + path);
    if (!dir) continue;
    if (!k.get_xattr(dir.get(), kLeftMark).ok()) return;
    dir.reset();
    if (!remove_if_empty(k, leaf.mount + path)) return;
  }
}

}  // namespace

Status remove_cgroups(sys::Kernel& k, const state::ContainerState& record) {
  auto entries = cgroup::read_journal(record);
  Error errs(Code::Internal, "remove cgroups");
  bool failed = false;
  for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
    if (it->kind != "made") continue;
    std::string path = it->mount + it->path;
    Status s = journaled(entries, "leaf", it->mount, it->path) ? remove_leaf(k, path) : remove_parent(k, path);
    if (!s.ok()) errs.add_note(s.error().message()), failed = true;
  }
  for (const auto& e : entries)
    if (e.kind == "leaf") remove_left(k, entries, e);
  // The journal stays in the record: the directory goes right after
  // (delete, create's undo), and a second cleanup finds nothing to do.
  if (failed) return errs;
  return {};
}

}  // namespace berth::isolators::cgroups
