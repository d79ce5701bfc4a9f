// linux.resources.pids: pids.max, the same file on v1 and v2 (0 leaves it
// as it is, as runc does).
#include "isolators/cgroups/controllers/controller.hpp"
#include "libcontainer/cgroup/files.hpp"

namespace berth::isolators::cgroups {
namespace {

class Pids final : public Controller {
 public:
  Status check(Scope& s, const spec::Resources& r) override {
    return r.pids_limit ? s.require("pids", s.json_root + "/pids") : Status{};
  }

  Status update(Scope& s, const spec::Resources& r) override {
    if (!r.pids_limit || *r.pids_limit == 0) return {};
    return at(s.json_root + "/pids/limit", cgroup::pids::set_max(s.kernel, s.fd_of("pids"), *r.pids_limit));
  }
};

}  // namespace

std::unique_ptr<Controller> make_pids() { return std::make_unique<Pids>(); }

}  // namespace berth::isolators::cgroups
