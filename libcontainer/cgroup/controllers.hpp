// Mechanism: one function per control file of the memory and cpu
// controllers, on v1 and v2, each writing through a cgroup dirfd and the
// Kernel. No policy: which to call, in what order, and what a value means
// for the OCI config is the cgroups isolator's.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "libcontainer/error/error.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::cgroup {

// cpuset.cpus / cpuset.mems: the same files on v1 and v2.
namespace cpuset {
Status set_cpus(sys::Kernel& k, int dirfd, const std::string& list);
Status set_mems(sys::Kernel& k, int dirfd, const std::string& list);
}  // namespace cpuset

namespace v1::memory {
// Bytes; -1 is unlimited.
Status set_limit(sys::Kernel& k, int dirfd, int64_t bytes);        // memory.limit_in_bytes
Status set_soft_limit(sys::Kernel& k, int dirfd, int64_t bytes);   // memory.soft_limit_in_bytes
Status set_memsw_limit(sys::Kernel& k, int dirfd, int64_t bytes);  // memory.memsw.limit_in_bytes
Status set_kmem_limit(sys::Kernel& k, int dirfd, int64_t bytes);   // memory.kmem.limit_in_bytes
Status set_kmem_tcp_limit(sys::Kernel& k, int dirfd, int64_t bytes);
Status set_swappiness(sys::Kernel& k, int dirfd, uint64_t v);
Status set_oom_killer_disabled(sys::Kernel& k, int dirfd, bool disabled);  // memory.oom_control
Status set_use_hierarchy(sys::Kernel& k, int dirfd, bool on);
}  // namespace v1::memory

namespace v1::cpu {
Status set_shares(sys::Kernel& k, int dirfd, uint64_t shares);
Status set_cfs_period(sys::Kernel& k, int dirfd, uint64_t us);
Status set_cfs_quota(sys::Kernel& k, int dirfd, int64_t us);  // -1: none
Status set_cfs_burst(sys::Kernel& k, int dirfd, uint64_t us);
Status set_rt_period(sys::Kernel& k, int dirfd, uint64_t us);
Status set_rt_runtime(sys::Kernel& k, int dirfd, int64_t us);
Status set_idle(sys::Kernel& k, int dirfd, int64_t idle);  // cpu.idle (Linux 5.15+)
}  // namespace v1::cpu

namespace v2::memory {
// "max" for -1.
Status set_max(sys::Kernel& k, int dirfd, int64_t bytes);
Status set_low(sys::Kernel& k, int dirfd, int64_t bytes);
Status set_swap_max(sys::Kernel& k, int dirfd, int64_t bytes);
}  // namespace v2::memory

namespace v2::cpu {
// v1 shares [2, 262144] to v2 weight [1, 10000], as runc and crun map them.
uint64_t weight_of_shares(uint64_t shares);
Status set_weight(sys::Kernel& k, int dirfd, uint64_t weight);
// cpu.max "QUOTA PERIOD"; quota < 0 is "max".
Status set_max(sys::Kernel& k, int dirfd, int64_t quota, uint64_t period);
Status set_max_burst(sys::Kernel& k, int dirfd, uint64_t us);
Status set_idle(sys::Kernel& k, int dirfd, int64_t idle);
}  // namespace v2::cpu

namespace v1::blkio {
Status set_weight(sys::Kernel& k, int dirfd, uint16_t w);  // blkio.weight (CFQ/BFQ)
Status set_leaf_weight(sys::Kernel& k, int dirfd, uint16_t w);
Status set_weight_device(sys::Kernel& k, int dirfd, int64_t major, int64_t minor, uint16_t w);
Status set_leaf_weight_device(sys::Kernel& k, int dirfd, int64_t major, int64_t minor, uint16_t w);
// file: "read_bps_device", "write_bps_device", "read_iops_device", "write_iops_device"
Status set_throttle(sys::Kernel& k, int dirfd, const char* file, int64_t major, int64_t minor, uint64_t rate);
}  // namespace v1::blkio

namespace v2::io {
// v1 blkio weights [10, 1000] to io.weight [1, 10000], as runc maps them.
uint64_t weight_of_blkio(uint16_t w);
Status set_weight(sys::Kernel& k, int dirfd, uint64_t w);  // "default W"
Status set_weight_device(sys::Kernel& k, int dirfd, int64_t major, int64_t minor, uint64_t w);
// key: "rbps", "wbps", "riops", "wiops"; rate 0 is "max".
Status set_max(sys::Kernel& k, int dirfd, int64_t major, int64_t minor, const char* key, uint64_t rate);
}  // namespace v2::io

namespace hugetlb {
// v1 hugetlb.SIZE.limit_in_bytes, v2 hugetlb.SIZE.max.
Status set_limit(sys::Kernel& k, int dirfd, bool v2, const std::string& page_size, uint64_t bytes);
}  // namespace hugetlb

namespace v1::net {
Status set_classid(sys::Kernel& k, int dirfd, uint32_t id);                               // net_cls.classid
Status set_priority(sys::Kernel& k, int dirfd, const std::string& iface, uint32_t prio);  // net_prio.ifpriomap
}  // namespace v1::net

namespace rdma {
// rdma.max "DEV hca_handle=N hca_object=M" (unset: max); v1 and v2.
Status set_max(sys::Kernel& k, int dirfd, const std::string& device, std::optional<uint32_t> handles,
               std::optional<uint32_t> objects);
}  // namespace rdma

}  // namespace berth::cgroup
