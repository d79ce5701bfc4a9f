// The Scope the controllers share, and their order; see controller.hpp.
#include "isolators/cgroups/controllers/controller.hpp"

#include <fcntl.h>

#include <algorithm>
#include <sstream>

#include "libcontainer/cgroup/files.hpp"

namespace berth::isolators::cgroups {

std::vector<std::unique_ptr<Controller>> all_controllers() {
  std::vector<std::unique_ptr<Controller>> all;
  all.push_back(make_memory());
  all.push_back(make_cpuset());
  all.push_back(make_cpu());
  all.push_back(make_pids());
  all.push_back(make_block_io());
  all.push_back(make_hugetlb());
  all.push_back(make_network());
  all.push_back(make_rdma());
  all.push_back(make_unified());
  // Last: the devices every container gets come after the config's limits.
  all.push_back(make_devices());
  return all;
}

Target* Scope::target_for(const char* controller) {
  const cgroup::Hierarchy* h = layout.find(controller);
  for (auto& t : targets)
    if (t.h == h) return &t;
  return nullptr;
}

int Scope::fd_of(const char* controller) {
  Target* t = target_for(controller);
  return t ? t->fd : -1;
}

Target* Scope::unified() {
  const cgroup::Hierarchy* u = layout.unified();
  for (auto& t : targets)
    if (u && t.h == u) return &t;
  return nullptr;
}

bool Scope::is_v2(const char* controller) const {
  const cgroup::Hierarchy* h = layout.find(controller);
  return h && h->v2;
}

Status Scope::require(const char* controller, const std::string& json_path) {
  const cgroup::Hierarchy* h = layout.find(controller);
  if (!h || (h->v2 && !v2_has(controller)))
    return Error(Code::Unsupported,
                 std::string("no ") + controller + " cgroup controller on this host (" +
                     cgroup::mode_name(layout.mode) + " layout)",
                 0, json_path);
  if (h->v2) need_v2(controller);
  return {};
}

bool Scope::v2_has(const std::string& controller) {
  if (!v2_available_) {
    v2_available_.emplace();
    if (const cgroup::Hierarchy* u = layout.unified()) {
      UniqueFd root(open(u->mount.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      std::istringstream in(cgroup::read_value(root.get(), "cgroup.controllers"));
      for (std::string c; in >> c;) v2_available_->insert(c);
    }
  }
  return v2_available_->count(controller) > 0;
}

void Scope::need_v2(const std::string& controller) {
  if (std::find(needed_v2_.begin(), needed_v2_.end(), controller) == needed_v2_.end()) needed_v2_.push_back(controller);
}

void Scope::warn(const Error& e) const {
  if (warn_) warn_(e.message());
}

Status at(const std::string& json_path, Status s) {
  if (s.ok()) return s;
  return std::move(s).error().with_path(json_path).context("set " + json_path);
}

Error no_v2(const std::string& json_path, const char* why) {
  return Error(Code::Unsupported, std::string("not supported on cgroup v2: ") + why, 0, json_path);
}

}  // namespace berth::isolators::cgroups
