// Control files of the memory and cpu controllers; see controllers.hpp.
#include "libcontainer/cgroup/controllers.hpp"

namespace berth::cgroup {
namespace {

Status put(sys::Kernel& k, int dirfd, const char* file, const std::string& value) {
  return k.write_at(dirfd, file, value);
}
std::string num(int64_t v) { return std::to_string(v); }
std::string unum(uint64_t v) { return std::to_string(v); }
std::string max_or(int64_t v) { return v < 0 ? std::string("max") : std::to_string(v); }

}  // namespace

namespace cpuset {
Status set_cpus(sys::Kernel& k, int d, const std::string& l) { return put(k, d, "cpuset.cpus", l); }
Status set_mems(sys::Kernel& k, int d, const std::string& l) { return put(k, d, "cpuset.mems", l); }
}  // namespace cpuset

namespace v1::memory {
Status set_limit(sys::Kernel& k, int d, int64_t b) { return put(k, d, "memory.limit_in_bytes", num(b)); }
Status set_soft_limit(sys::Kernel& k, int d, int64_t b) { return put(k, d, "memory.soft_limit_in_bytes", num(b)); }
Status set_memsw_limit(sys::Kernel& k, int d, int64_t b) { return put(k, d, "memory.memsw.limit_in_bytes", num(b)); }
Status set_kmem_limit(sys::Kernel& k, int d, int64_t b) { return put(k, d, "memory.kmem.limit_in_bytes", num(b)); }
Status set_kmem_tcp_limit(sys::Kernel& k, int d, int64_t b) {
  return put(k, d, "memory.kmem.tcp.limit_in_bytes", num(b));
}
Status set_swappiness(sys::Kernel& k, int d, uint64_t v) { return put(k, d, "memory.swappiness", unum(v)); }
Status set_oom_killer_disabled(sys::Kernel& k, int d, bool off) { return put(k, d, "memory.oom_control", off ? "1" : "0"); }
Status set_use_hierarchy(sys::Kernel& k, int d, bool on) { return put(k, d, "memory.use_hierarchy", on ? "1" : "0"); }
}  // namespace v1::memory

namespace v1::cpu {
Status set_shares(sys::Kernel& k, int d, uint64_t s) { return put(k, d, "cpu.shares", unum(s)); }
Status set_cfs_period(sys::Kernel& k, int d, uint64_t us) { return put(k, d, "cpu.cfs_period_us", unum(us)); }
Status set_cfs_quota(sys::Kernel& k, int d, int64_t us) { return put(k, d, "cpu.cfs_quota_us", num(us < 0 ? -1 : us)); }
Status set_cfs_burst(sys::Kernel& k, int d, uint64_t us) { return put(k, d, "cpu.cfs_burst_us", unum(us)); }
Status set_rt_period(sys::Kernel& k, int d, uint64_t us) { return put(k, d, "cpu.rt_period_us", unum(us)); }
Status set_rt_runtime(sys::Kernel& k, int d, int64_t us) { return put(k, d, "cpu.rt_runtime_us", num(us)); }
Status set_idle(sys::Kernel& k, int d, int64_t idle) { return put(k, d, "cpu.idle", num(idle)); }
}  // namespace v1::cpu

namespace v2::memory {
Status set_max(sys::Kernel& k, int d, int64_t b) { return put(k, d, "memory.max", max_or(b)); }
Status set_low(sys::Kernel& k, int d, int64_t b) { return put(k, d, "memory.low", max_or(b)); }
Status set_swap_max(sys::Kernel& k, int d, int64_t b) { return put(k, d, "memory.swap.max", max_or(b)); }
}  // namespace v2::memory

namespace v2::cpu {
uint64_t weight_of_shares(uint64_t shares) {
  if (shares == 0) return 0;
  if (shares < 2) shares = 2;
  if (shares > 262144) shares = 262144;
  return 1 + ((shares - 2) * 9999) / 262142;
}
Status set_weight(sys::Kernel& k, int d, uint64_t w) { return put(k, d, "cpu.weight", unum(w)); }
Status set_max(sys::Kernel& k, int d, int64_t quota, uint64_t period) {
  return put(k, d, "cpu.max", max_or(quota) + " " + unum(period));
}
Status set_max_burst(sys::Kernel& k, int d, uint64_t us) { return put(k, d, "cpu.max.burst", unum(us)); }
Status set_idle(sys::Kernel& k, int d, int64_t idle) { return put(k, d, "cpu.idle", num(idle)); }
}  // namespace v2::cpu

}  // namespace berth::cgroup
