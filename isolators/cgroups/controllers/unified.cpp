// linux.resources.unified: raw cgroup2 files, KEY = VALUE, written to the
// cgroup2 leaf as given. Each file's controller (the KEY up to its first
// dot) is passed down to the leaf where the mount has it; cgroup.* files
// belong to no controller.
#include "isolators/cgroups/controllers/controller.hpp"

namespace berth::isolators::cgroups {
namespace {

class Unified final : public Controller {
 public:
  Status check(Scope& s, const spec::Resources& r) override {
    if (r.unified.empty()) return {};
    if (!s.layout.unified())
      return Error(Code::Unsupported, "no cgroup2 mount on this host", 0, s.json_root + "/unified");
    for (const auto& [key, value] : r.unified) {
      std::string ctl = key.substr(0, key.find('.'));
      if (ctl != "cgroup" && s.v2_has(ctl)) s.need_v2(ctl);
    }
    return {};
  }

  Status update(Scope& s, const spec::Resources& r) override {
    if (r.unified.empty()) return {};
    Target* t = s.unified();
    int fd = t ? t->fd : -1;
    for (const auto& [key, value] : r.unified)
      BERTH_CHECK(at(s.json_root + "/unified/" + key, s.kernel.write_at(fd, key, value)));
    return {};
  }
};

}  // namespace

std::unique_ptr<Controller> make_unified() { return std::make_unique<Unified>(); }

}  // namespace berth::isolators::cgroups
