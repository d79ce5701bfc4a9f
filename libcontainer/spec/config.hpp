// The OCI runtime configuration (runtime-spec 1.2, Linux) as typed structs.
// Produced by spec::parse_config(); everything here has been validated: names
// are known (capabilities, rlimits, namespaces, seccomp actions), paths are
// absolute where the spec says so, and unsupported fields were refused.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace berth::spec {

struct IdMapping {
  uint32_t container_id = 0;
  uint32_t host_id = 0;
  uint32_t size = 0;
};

struct User {
  uint32_t uid = 0;
  uint32_t gid = 0;
  std::optional<uint32_t> umask;
  std::vector<uint32_t> additional_gids;
};

struct Rlimit {
  std::string type;  // "RLIMIT_NOFILE"
  int resource = 0;  // RLIMIT_NOFILE
  uint64_t hard = 0;
  uint64_t soft = 0;
};

// Capability numbers (CAP_*), already mapped from names. An absent set is
// std::nullopt (the set is then emptied, as runc does).
struct Capabilities {
  std::optional<std::vector<int>> bounding, effective, inheritable, permitted, ambient;
};

struct ConsoleSize {
  uint32_t height = 0;
  uint32_t width = 0;
};

// process.scheduler (sched_setattr(2)): names already mapped to SCHED_* and
// SCHED_FLAG_* numbers; the parser checked the per-policy rules.
struct Scheduler {
  std::string policy_name;  // "SCHED_FIFO"
  uint32_t policy = 0;      // SCHED_FIFO
  int32_t nice = 0;
  int32_t priority = 0;
  uint64_t flags = 0;                              // SCHED_FLAG_*
  uint64_t runtime = 0, deadline = 0, period = 0;  // ns, SCHED_DEADLINE only
};

// process.ioPriority (ioprio_set(2)).
struct IoPriority {
  int io_class = 0;  // IOPRIO_CLASS_RT, _BE, _IDLE
  int priority = 0;  // 0 (highest) .. 7
};

struct Process {
  bool terminal = false;
  std::optional<ConsoleSize> console_size;
  User user;
  std::vector<std::string> args;
  std::vector<std::string> env;
  std::string cwd = "/";
  std::optional<Capabilities> capabilities;
  std::vector<Rlimit> rlimits;
  bool no_new_privileges = false;
  std::string apparmor_profile;  // accepted only when empty or when no LSM is loaded (see parser)
  std::string selinux_label;
  std::optional<int> oom_score_adj;
  // Applied by the init just before exec (issue 10 section 3).
  std::optional<Scheduler> scheduler;
  std::optional<IoPriority> io_priority;
};

struct Root {
  std::string path;  // as written; resolved against the bundle by the launcher
  bool readonly = false;
};

struct Mount {
  std::string destination;  // absolute and lexically clean (relative is taken from "/", ".." stops there)
  std::string type;         // "" for a bind mount without type
  std::string source;
  std::vector<std::string> options;
  std::vector<IdMapping> uid_mappings, gid_mappings;
};

struct Hook {
  std::string path;  // absolute
  std::vector<std::string> args;
  // Absent: the hook inherits an environment (hooks.hpp says which), as in
  // runc; present but empty: it runs with none.
  std::optional<std::vector<std::string>> env;
  std::optional<int> timeout;  // seconds, > 0
};

struct Hooks {
  std::vector<Hook> prestart, create_runtime, create_container, start_container, poststart, poststop;
  bool empty() const {
    return prestart.empty() && create_runtime.empty() && create_container.empty() && start_container.empty() &&
           poststart.empty() && poststop.empty();
  }
};

enum class NsType { Pid, Network, Mount, Ipc, Uts, User, Cgroup, Time };

struct Namespace {
  NsType type = NsType::Mount;
  std::string path;  // empty: create a new one; otherwise join this one
};

struct Device {
  char type = 'c';  // 'c', 'b', 'u', 'p'
  std::string path;
  int64_t major = 0, minor = 0;
  std::optional<uint32_t> file_mode, uid, gid;
};

// A linux.resources.devices entry.
struct DeviceRule {
  bool allow = false;
  std::string type = "a";
  std::optional<int64_t> major, minor;
  std::string access = "rwm";
  bool operator==(const DeviceRule&) const = default;
};

// linux.resources.memory; bytes, -1 is unlimited.
struct MemoryResources {
  std::optional<int64_t> limit, reservation, swap, kernel, kernel_tcp;
  std::optional<uint64_t> swappiness;
  std::optional<bool> disable_oom_killer, use_hierarchy, check_before_update;
};

// linux.resources.cpu
struct CpuResources {
  std::optional<uint64_t> shares, period, realtime_period, burst;
  std::optional<int64_t> quota, realtime_runtime, idle;
  std::string cpus, mems;  // cpuset lists, "" = leave as is
};

// linux.resources.blockIO
struct BlockIODevice {
  int64_t major = 0, minor = 0;
  std::optional<uint16_t> weight, leaf_weight;  // weightDevice
  uint64_t rate = 0;                            // throttle*Device
};
struct BlockIOResources {
  std::optional<uint16_t> weight, leaf_weight;
  std::vector<BlockIODevice> weight_device, throttle_read_bps, throttle_write_bps, throttle_read_iops,
      throttle_write_iops;
};

struct HugepageLimit {
  std::string page_size;  // "2MB", "1GB"
  uint64_t limit = 0;
};

struct NetworkResources {
  std::optional<uint32_t> class_id;
  std::vector<std::pair<std::string, uint32_t>> priorities;  // interface, priority
};

struct RdmaLimit {
  std::optional<uint32_t> hca_handles, hca_objects;
};

// linux.resources, every field of runtime-spec 1.2.
struct Resources {
  std::vector<DeviceRule> devices;
  std::optional<MemoryResources> memory;
  std::optional<CpuResources> cpu;
  std::optional<BlockIOResources> block_io;
  std::vector<HugepageLimit> hugepage_limits;
  std::optional<NetworkResources> network;
  std::map<std::string, RdmaLimit> rdma;
  std::map<std::string, std::string> unified;
  // pids.limit as runc reads it: 0 leaves pids.max alone, < 0 is "max".
  std::optional<int64_t> pids_limit;
};

struct SeccompArg {
  uint32_t index = 0;
  uint64_t value = 0;
  uint64_t value_two = 0;
  std::string op;  // SCMP_CMP_EQ ...
};

struct SeccompSyscall {
  std::vector<std::string> names;
  std::string action;  // SCMP_ACT_*
  std::optional<uint32_t> errno_ret;
  std::vector<SeccompArg> args;
};

struct Seccomp {
  std::string default_action;
  std::optional<uint32_t> default_errno_ret;
  std::vector<std::string> architectures;  // SCMP_ARCH_*
  std::vector<std::string> flags;          // SECCOMP_FILTER_FLAG_*
  std::string listener_path;
  std::string listener_metadata;
  std::vector<SeccompSyscall> syscalls;
};

struct TimeOffset {
  int64_t secs = 0;
  uint32_t nanosecs = 0;
};

// linux.memoryPolicy (set_mempolicy(2)). nodes is the parsed list as a
// bitmask of up to kMaxNumaNodes nodes; whether they exist is checked by the
// launcher against the host, not here.
constexpr size_t kMaxNumaNodes = 1024;
struct MemoryPolicy {
  int mode = 0;                     // MPOL_*
  unsigned flags = 0;               // MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING
  std::string nodes;                // as written, "0-3,7"
  std::vector<uint64_t> node_mask;  // kMaxNumaNodes / 64 words, bit n = node n
  bool has_nodes() const;
};

// linux.personality (personality(2)).
struct Personality {
  unsigned long domain = 0;  // PER_LINUX or PER_LINUX32
};

struct Linux {
  std::vector<Namespace> namespaces;
  std::vector<IdMapping> uid_mappings, gid_mappings;
  std::map<std::string, TimeOffset> time_offsets;  // "monotonic", "boottime"
  std::vector<Device> devices;
  std::string cgroups_path;
  Resources resources;
  std::map<std::string, std::string> sysctl;
  std::optional<Seccomp> seccomp;
  std::string rootfs_propagation;  // "", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable",
                                   // "runbindable"
  std::vector<std::string> masked_paths, readonly_paths;
  std::string mount_label;
  std::optional<MemoryPolicy> memory_policy;
  std::optional<Personality> personality;
};

struct Config {
  std::string oci_version;
  Root root;
  std::optional<Process> process;  // required by create; optional in the spec
  std::string hostname;
  std::string domainname;
  std::vector<Mount> mounts;
  Hooks hooks;
  std::map<std::string, std::string> annotations;
  Linux linux;

  bool has_namespace(NsType t) const;
  const Namespace* find_namespace(NsType t) const;
};

const char* ns_type_name(NsType t);  // "pid", "network", ...

}  // namespace berth::spec
