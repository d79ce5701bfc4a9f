// linux.resources.network: v1 net_cls.classid and net_prio.ifpriomap.
// cgroup v2 has neither controller (a cgroup BPF program does the job
// there), so a host without the v1 hierarchies refuses the fields.
#include "isolators/cgroups/controllers/controller.hpp"
#include "libcontainer/cgroup/controllers.hpp"

namespace berth::isolators::cgroups {
namespace {

class Network final : public Controller {
 public:
  Status check(Scope& s, const spec::Resources& r) override {
    if (!r.network) return {};
    if (r.network->class_id) BERTH_CHECK(s.require("net_cls", s.json_root + "/network/classID"));
    if (!r.network->priorities.empty()) BERTH_CHECK(s.require("net_prio", s.json_root + "/network/priorities"));
    return {};
  }

  Status update(Scope& s, const spec::Resources& r) override {
    if (!r.network) return {};
    const std::string p = s.json_root + "/network/";
    if (r.network->class_id)
      BERTH_CHECK(at(p + "classID", cgroup::v1::net::set_classid(s.kernel, s.fd_of("net_cls"), *r.network->class_id)));
    for (size_t i = 0; i < r.network->priorities.size(); i++) {
      const auto& [iface, prio] = r.network->priorities[i];
      BERTH_CHECK(at(p + "priorities/" + std::to_string(i),
                     cgroup::v1::net::set_priority(s.kernel, s.fd_of("net_prio"), iface, prio)));
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<Controller> make_network() { return std::make_unique<Network>(); }

}  // namespace berth::isolators::cgroups
