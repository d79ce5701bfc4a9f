// linux.resources.cpu's cpus and mems: cpuset.cpus / cpuset.mems, the same
// files on v1 and v2. (A new v1 cpuset cgroup starts empty: the isolator
// fills each part of the path from its parent as it makes it.)
#include "isolators/cgroups/controllers/controller.hpp"
#include "libcontainer/cgroup/controllers.hpp"

namespace berth::isolators::cgroups {
namespace {

class Cpuset final : public Controller {
 public:
  Status check(Scope& s, const spec::Resources& r) override {
    if (!r.cpu || (r.cpu->cpus.empty() && r.cpu->mems.empty())) return {};
    return s.require("cpuset", s.json_root + "/cpu");
  }

  Status update(Scope& s, const spec::Resources& r) override {
    if (!r.cpu) return {};
    const std::string p = s.json_root + "/cpu/";
    if (!r.cpu->cpus.empty())
      BERTH_CHECK(at(p + "cpus", cgroup::cpuset::set_cpus(s.kernel, s.fd_of("cpuset"), r.cpu->cpus)));
    if (!r.cpu->mems.empty())
      BERTH_CHECK(at(p + "mems", cgroup::cpuset::set_mems(s.kernel, s.fd_of("cpuset"), r.cpu->mems)));
    return {};
  }
};

}  // namespace

std::unique_ptr<Controller> make_cpuset() { return std::make_unique<Cpuset>(); }

}  // namespace berth::isolators::cgroups
