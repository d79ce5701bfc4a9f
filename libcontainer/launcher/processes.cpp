// The operations on a container's processes through its cgroups
// (cgroup/container_cgroups.hpp): the pids for `ps`, `pause`/`resume` (the
// freezer), and `kill --all`.
#include "libcontainer/cgroup/container_cgroups.hpp"
#include "libcontainer/launcher/launcher.hpp"

namespace berth::launcher {
namespace {

Error no_freezer(const std::string& id) {
  return Error(Code::Unsupported, "container " + id +
                                      " has no freezer cgroup (neither the v1 freezer controller nor a cgroup2 "
                                      "hierarchy is mounted, or it was made without cgroups)");
}

}  // namespace

cgroup::ContainerCgroups cgroups_of(const state::Store& store, const state::ContainerState& st, pid_t init) {
  return cgroup::ContainerCgroups::open(store.kernel(), st, init);
}

Result<std::vector<pid_t>> processes(const state::Store& store, const std::string& id) {
  auto st = BERTH_TRY(store.read(id));
  return cgroups_of(store, st).pids();
}

Status pause(const state::Store& store, const std::string& id) {
  auto lock = BERTH_TRY(store.lock(id));
  auto st = BERTH_TRY(store.read(id));
  auto status = state::current_status(store, st);
  // runc 1.1 says "not running" for a paused one too.
  if (status == state::RunState::Stopped || status == state::RunState::Paused)
    return Error(Code::Busy, "container not running");
  auto cgroups = cgroups_of(store, st, st.pid);
  if (!cgroups.has_freezer()) return no_freezer(id);
  return cgroups.freeze().context("pause");
}

Status resume(const state::Store& store, const std::string& id) {
  auto lock = BERTH_TRY(store.lock(id));
  auto st = BERTH_TRY(store.read(id));
  if (state::current_status(store, st) != state::RunState::Paused) return Error(Code::Busy, "container not paused");
  auto cgroups = cgroups_of(store, st);
  if (!cgroups.has_freezer()) return no_freezer(id);
  return cgroups.thaw().context("resume");
}

Status kill_all(const state::Store& store, const std::string& id, int sig) {
  auto st = BERTH_TRY(store.read(id));
  auto status = state::current_status(store, st);
  auto cgroups = cgroups_of(store, st);
  if (cgroups.empty()) {
    // Made without cgroups: the init is all we know of.
    if (status == state::RunState::Stopped) return Error(Code::Busy, "container not running");
    return kill(store, id, sig);
  }
  return cgroups.kill(sig).context("kill --all");
}

}  // namespace berth::launcher
