// linux.resources.cpu's scheduling fields: v1 cpu.shares, cfs and rt
// periods and quotas; v2 cpu.weight (from the shares, as runc and crun map
// them) and cpu.max. v2 has no realtime group scheduling: refused.
#include "isolators/cgroups/controllers/controller.hpp"
#include "libcontainer/cgroup/controllers.hpp"

namespace berth::isolators::cgroups {
namespace {

Status apply_v1(sys::Kernel& k, int fd, const spec::CpuResources& c, const std::string& p) {
  namespace v1 = cgroup::v1::cpu;
  if (c.shares) BERTH_CHECK(at(p + "shares", v1::set_shares(k, fd, *c.shares)));
  if (c.period) BERTH_CHECK(at(p + "period", v1::set_cfs_period(k, fd, *c.period)));
  if (c.quota) BERTH_CHECK(at(p + "quota", v1::set_cfs_quota(k, fd, *c.quota)));
  if (c.burst) BERTH_CHECK(at(p + "burst", v1::set_cfs_burst(k, fd, *c.burst)));
  if (c.realtime_period) BERTH_CHECK(at(p + "realtimePeriod", v1::set_rt_period(k, fd, *c.realtime_period)));
  if (c.realtime_runtime) BERTH_CHECK(at(p + "realtimeRuntime", v1::set_rt_runtime(k, fd, *c.realtime_runtime)));
  if (c.idle) BERTH_CHECK(at(p + "idle", v1::set_idle(k, fd, *c.idle)));
  return {};
}

Status apply_v2(sys::Kernel& k, int fd, const spec::CpuResources& c, const std::string& p) {
  namespace v2 = cgroup::v2::cpu;
  if (c.realtime_period) return no_v2(p + "realtimePeriod", "there is no realtime group scheduling");
  if (c.realtime_runtime) return no_v2(p + "realtimeRuntime", "there is no realtime group scheduling");
  if (c.shares) BERTH_CHECK(at(p + "shares", v2::set_weight(k, fd, v2::weight_of_shares(*c.shares))));
  if (c.quota || c.period)
    BERTH_CHECK(
        at(p + (c.quota ? "quota" : "period"), v2::set_max(k, fd, c.quota.value_or(-1), c.period.value_or(100000))));
  if (c.burst) BERTH_CHECK(at(p + "burst", v2::set_max_burst(k, fd, *c.burst)));
  if (c.idle) BERTH_CHECK(at(p + "idle", v2::set_idle(k, fd, *c.idle)));
  return {};
}

class Cpu final : public Controller {
 public:
  Status check(Scope& s, const spec::Resources& r) override {
    if (!r.cpu) return {};
    const spec::CpuResources& c = *r.cpu;
    if (c.shares || c.quota || c.period || c.burst || c.realtime_period || c.realtime_runtime || c.idle)
      return s.require("cpu", s.json_root + "/cpu");
    return {};
  }

  Status update(Scope& s, const spec::Resources& r) override {
    if (!r.cpu) return {};
    const std::string p = s.json_root + "/cpu/";
    int fd = s.fd_of("cpu");
    return s.is_v2("cpu") ? apply_v2(s.kernel, fd, *r.cpu, p) : apply_v1(s.kernel, fd, *r.cpu, p);
  }
};

}  // namespace

std::unique_ptr<Controller> make_cpu() { return std::make_unique<Cpu>(); }

}  // namespace berth::isolators::cgroups
