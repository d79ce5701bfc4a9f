// linux.resources.hugepageLimits: v1 hugetlb.SIZE.limit_in_bytes, v2
// hugetlb.SIZE.max (on a hybrid host like this one, hugetlb is the
// cgroup2 mount's).
#include "isolators/cgroups/controllers/controller.hpp"
#include "libcontainer/cgroup/controllers.hpp"

namespace berth::isolators::cgroups {
namespace {

class Hugetlb final : public Controller {
 public:
  Status check(Scope& s, const spec::Resources& r) override {
    return r.hugepage_limits.empty() ? Status{} : s.require("hugetlb", s.json_root + "/hugepageLimits");
  }

  Status update(Scope& s, const spec::Resources& r) override {
    for (size_t i = 0; i < r.hugepage_limits.size(); i++) {
      const auto& h = r.hugepage_limits[i];
      BERTH_CHECK(
          at(s.json_root + "/hugepageLimits/" + std::to_string(i),
             cgroup::hugetlb::set_limit(s.kernel, s.fd_of("hugetlb"), s.is_v2("hugetlb"), h.page_size, h.limit)));
    }
    return {};
  }
};

}  // namespace

std::unique_ptr<Controller> make_hugetlb() { return std::make_unique<Hugetlb>(); }

}  // namespace berth::isolators::cgroups
