// update: new resource values for a container that exists and has not
// stopped, handed to every isolator's update() in the registry's order,
// after each has recovered its view of the container.
#include "libcontainer/launcher/launcher.hpp"

namespace berth::launcher {

Status recover(const state::Store& store, const state::ContainerState& st, IsolatorList& isolators) {
  pid_t init = state::current_status(store, st) == state::RunState::Stopped ? 0 : st.pid;
  for (auto& iso : isolators) BERTH_CHECK(iso->recover(store.dir(st.id), init).context(iso->name()));
  return {};
}

Status update(const state::Store& store, const std::string& id, const spec::Resources& resources,
              IsolatorList& isolators) {
  auto lock = BERTH_TRY(store.lock(id));
  auto st = BERTH_TRY(store.read(id));
  if (state::current_status(store, st) == state::RunState::Stopped)
    return Error(Code::Busy, "cannot update a container that has stopped");
  BERTH_CHECK(recover(store, st, isolators));
  for (auto& iso : isolators) BERTH_CHECK(iso->update(store.dir(id), resources).context(iso->name()));
  return {};
}

}  // namespace berth::launcher
