// Control files of the memory and cpu controllers; see controllers.hpp.
#include "libcontainer/cgroup/controllers.hpp"

namespace berth::cgroup {
namespace {

Status put(sys::Kernel& k, int dirfd, const std::string& file, const std::string& value) {
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
Status set_oom_killer_disabled(sys::Kernel& k, int d, bool off) {
  return put(k, d, "memory.oom_control", off ? "1" : "0");
}
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

namespace {
std::string dev(int64_t major, int64_t minor) { return std::to_string(major) + ":" + std::to_string(minor); }
}  // namespace

namespace v1::blkio {
// With the BFQ scheduler (CFQ is gone since Linux 5.0) the files are
// blkio.bfq.*, as runc also falls back to.
Status put_weight(sys::Kernel& k, int d, const char* name, const std::string& v) {
  Status s = put(k, d, std::string("blkio.") + name, v);
  if (!s.ok() && s.error().sys_errno() == ENOENT) return put(k, d, std::string("blkio.bfq.") + name, v);
  return s;
}
Status set_weight(sys::Kernel& k, int d, uint16_t w) { return put_weight(k, d, "weight", unum(w)); }
Status set_leaf_weight(sys::Kernel& k, int d, uint16_t w) { return put(k, d, "blkio.leaf_weight", unum(w)); }
Status set_weight_device(sys::Kernel& k, int d, int64_t ma, int64_t mi, uint16_t w) {
  return put_weight(k, d, "weight_device", dev(ma, mi) + " " + unum(w));
}
Status set_leaf_weight_device(sys::Kernel& k, int d, int64_t ma, int64_t mi, uint16_t w) {
  return put(k, d, "blkio.leaf_weight_device", dev(ma, mi) + " " + unum(w));
}
Status set_throttle(sys::Kernel& k, int d, const char* file, int64_t ma, int64_t mi, uint64_t rate) {
  return put(k, d, (std::string("blkio.throttle.") + file).c_str(), dev(ma, mi) + " " + unum(rate));
}
}  // namespace v1::blkio

namespace v2::io {
uint64_t weight_of_blkio(uint16_t w) {
  if (w == 0) return 0;
  return 1 + (uint64_t(w) - 10) * 9999 / 990;
}
Status set_weight(sys::Kernel& k, int d, uint64_t w) { return put(k, d, "io.weight", "default " + unum(w)); }
Status set_weight_device(sys::Kernel& k, int d, int64_t ma, int64_t mi, uint64_t w) {
  return put(k, d, "io.weight", dev(ma, mi) + " " + unum(w));
}
Status set_max(sys::Kernel& k, int d, int64_t ma, int64_t mi, const char* key, uint64_t rate) {
  return put(k, d, "io.max", dev(ma, mi) + " " + key + "=" + (rate == 0 ? std::string("max") : unum(rate)));
}
}  // namespace v2::io

namespace hugetlb {
Status set_limit(sys::Kernel& k, int d, bool v2, const std::string& size, uint64_t bytes) {
  std::string file = "hugetlb." + size + (v2 ? ".max" : ".limit_in_bytes");
  return put(k, d, file.c_str(), unum(bytes));
}
}  // namespace hugetlb

namespace v1::net {
Status set_classid(sys::Kernel& k, int d, uint32_t id) { return put(k, d, "net_cls.classid", unum(id)); }
Status set_priority(sys::Kernel& k, int d, const std::string& iface, uint32_t prio) {
  return put(k, d, "net_prio.ifpriomap", iface + " " + unum(prio));
}
}  // namespace v1::net

namespace rdma {
Status set_max(sys::Kernel& k, int d, const std::string& device, std::optional<uint32_t> handles,
               std::optional<uint32_t> objects) {
  auto v = [](std::optional<uint32_t> x) { return x ? std::to_string(*x) : std::string("max"); };
  return put(k, d, "rdma.max", device + " hca_handle=" + v(handles) + " hca_object=" + v(objects));
}
}  // namespace rdma

}  // namespace berth::cgroup
