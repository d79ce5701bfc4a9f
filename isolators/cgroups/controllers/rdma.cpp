// linux.resources.rdma: rdma.max, the same file on v1 and v2.
#include "isolators/cgroups/controllers/controller.hpp"
#include "libcontainer/cgroup/controllers.hpp"

namespace berth::isolators::cgroups {
namespace {

class Rdma final : public Controller {
 public:
  Status check(Scope& s, const spec::Resources& r) override {
    return r.rdma.empty() ? Status{} : s.require("rdma", s.json_root + "/rdma");
  }

  Status update(Scope& s, const spec::Resources& r) override {
    for (const auto& [device, lim] : r.rdma)
      BERTH_CHECK(at(s.json_root + "/rdma/" + device,
                     cgroup::rdma::set_max(s.kernel, s.fd_of("rdma"), device, lim.hca_handles, lim.hca_objects)));
    return {};
  }
};

}  // namespace

std::unique_ptr<Controller> make_rdma() { return std::make_unique<Rdma>(); }

}  // namespace berth::isolators::cgroups
