// The operations on a container's processes through its cgroups: the pids
// for `ps`, `pause`/`resume` (the freezer), and `kill --all`. The cgroups
// are the leaves of the journal the cgroups isolator wrote at create
// (libcontainer/cgroup/journal.hpp); the control files are written through
// the Store's Kernel (libcontainer/cgroup/freezer.hpp).
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "libcontainer/cgroup/files.hpp"
#include "libcontainer/cgroup/freezer.hpp"
#include "libcontainer/cgroup/journal.hpp"
#include "libcontainer/launcher/launcher.hpp"

namespace berth::launcher {
namespace {

// cgroup.procs of dirfd and of every cgroup below it (a container may make
// its own sub-cgroups), depth-bounded.
void collect_procs(int dirfd, std::set<pid_t>& out, int depth) {
  for (pid_t p : cgroup::read_procs(dirfd)) out.insert(p);
  if (depth == 0) return;
  int dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return;
  DIR* d = fdopendir(dup_fd);
  if (!d) {
    close(dup_fd);
    return;
  }
  while (dirent* e = readdir(d)) {
    if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
    UniqueFd sub(openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (sub) collect_procs(sub.get(), out, depth - 1);
  }
  closedir(d);
}

std::vector<pid_t> cgroup_pids(const std::vector<cgroup::JournalEntry>& leaves) {
  // Every hierarchy holds the same processes; the union also covers one
  // that a process left on purpose in a single hierarchy.
  std::set<pid_t> pids;
  for (const auto& leaf : leaves) {
    UniqueFd fd(open(leaf.dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd) collect_procs(fd.get(), pids, 16);
  }
  return {pids.begin(), pids.end()};
}

Error no_freezer(const std::string& id) {
  return Error(Code::Unsupported, "container " + id +
                                      " has no freezer cgroup (neither the v1 freezer controller nor a cgroup2 "
                                      "hierarchy is mounted, or it was made without cgroups)");
}

}  // namespace

Result<std::vector<pid_t>> processes(const state::Store& store, const std::string& id) {
  BERTH_TRY(store.read(id));
  return cgroup_pids(cgroup::leaves(store.dir(id)));
}

Status pause(const state::Store& store, const std::string& id) {
  auto lock = BERTH_TRY(store.lock(id));
  auto st = BERTH_TRY(store.read(id));
  auto status = state::current_status(store, st);
  // runc 1.1 says "not running" for a paused one too.
  if (status == state::RunState::Stopped || status == state::RunState::Paused)
    return Error(Code::Busy, "container not running");
  auto leaves = cgroup::leaves(store.dir(id));
  auto t = cgroup::freezer::primary(leaves);
  if (!t) return no_freezer(id);
  // Frozen without its init, it would be "paused" and still run.
  BERTH_CHECK(cgroup::check_holds_init(t->fd.get(), t->dir, st.pid).context("pause"));
  BERTH_CHECK(cgroup::freezer::freeze(store.kernel(), t->fd.get(), t->kind).context("pause: freeze " + t->dir));
  return {};
}

Status resume(const state::Store& store, const std::string& id) {
  auto lock = BERTH_TRY(store.lock(id));
  auto st = BERTH_TRY(store.read(id));
  if (state::current_status(store, st) != state::RunState::Paused) return Error(Code::Busy, "container not paused");
  auto leaves = cgroup::leaves(store.dir(id));
  auto t = cgroup::freezer::primary(leaves);
  if (!t) return no_freezer(id);
  BERTH_CHECK(cgroup::freezer::thaw(store.kernel(), t->fd.get(), t->kind).context("resume: thaw " + t->dir));
  return {};
}

Status kill_all(const state::Store& store, const std::string& id, int sig) {
  auto st = BERTH_TRY(store.read(id));
  auto status = state::current_status(store, st);
  auto leaves = cgroup::leaves(store.dir(id));
  if (leaves.empty()) {
    // Made without cgroups: the init is all we know of.
    if (status == state::RunState::Stopped) return Error(Code::Busy, "container not running");
    return kill(store, id, sig);
  }
  sys::Kernel& k = store.kernel();
  // As runc 1.1: freeze, so no process forks away from the signal while
  // the list is read and signalled, then thaw, whatever the state was
  // before (a paused container is running again afterwards). A cgroup that
  // will not freeze is signalled anyway.
  auto t = cgroup::freezer::primary(leaves);
  if (t) (void)cgroup::freezer::freeze(k, t->fd.get(), t->kind);
  for (pid_t pid : cgroup_pids(leaves)) {
    uint64_t start = k.start_time(pid);
    if (start) (void)k.signal(pid, start, sig);  // gone meanwhile: nothing to signal
  }
  if (sig == SIGKILL) {
    // cgroup.kill (v2) also reaches a process forked before the freeze
    // took hold; on v1 a frozen process dies only once thawed.
    for (const auto& leaf : leaves) {
      UniqueFd fd(open(leaf.dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (fd && cgroup::freezer::kind_of(fd.get()) == cgroup::freezer::Kind::V2)
        (void)cgroup::freezer::kill(k, fd.get());
    }
    cgroup::freezer::thaw_all(k, leaves);
  }
  if (t) BERTH_CHECK(cgroup::freezer::thaw(k, t->fd.get(), t->kind).context("kill --all: thaw " + t->dir));
  return {};
}

}  // namespace berth::launcher
