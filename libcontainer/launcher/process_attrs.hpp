// The process attributes the init applies just before exec (process.scheduler,
// process.ioPriority, linux.personality, linux.memoryPolicy) and the LSM labels
// (process.apparmorProfile, process.selinuxLabel, linux.mountLabel): checked
// against what the host offers and turned into ChildPlan values. Pure functions
// of (config, HostFacts); probe_host_facts() is the only one that reads the host.
#pragma once

#include <cstdint>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/launcher/launch_plan.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth::launcher {

struct HostFacts {
  bool apparmor = false;              // AppArmor is loaded and enabled
  bool selinux = false;               // SELinux is loaded (selinuxfs mounted)
  std::vector<uint64_t> numa_online;  // bitmask of online NUMA nodes (node 0 without NUMA)
};

// /sys/kernel/security/lsm when securityfs is mounted, else
// /sys/module/apparmor/parameters/enabled and a selinuxfs at /sys/fs/selinux;
// /sys/devices/system/node/online.
HostFacts probe_host_facts();

// The process labels a config asks for that the host cannot apply, refused
// by name (Code::Unsupported, one note per further field), as runc 1.1.5
// does; a mount label without SELinux is a warning in *warnings instead.
Status check_lsm_labels(const spec::Config& c, const HostFacts& host, std::vector<std::string>* warnings = nullptr);

// Fills plan.child.attrs; refuses labels the host cannot apply and memory
// policy nodes that are not online. Before the isolators' prepare.
Status fill_process_attrs(const spec::Config& c, const HostFacts& host, LaunchPlan& plan,
                          std::vector<std::string>* warnings = nullptr);

// With SELinux: context="mountLabel" on the filesystem mounts that take it
// (not proc, sysfs, cgroup, mqueue or binds, as runc). After the isolators'
// prepare has filled plan.mounts.
Status apply_mount_label(const spec::Config& c, const HostFacts& host, LaunchPlan& plan);

}  // namespace berth::launcher
