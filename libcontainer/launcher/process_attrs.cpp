// process.scheduler / ioPriority, linux.personality / memoryPolicy and the LSM
// labels: the host checks and the values the init applies (see
// process_attrs.hpp; the child side is apply_process_attrs in
// child/process_setup.cpp).
#include "libcontainer/launcher/process_attrs.hpp"

#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <sys/statfs.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "libcontainer/spec/known_names.hpp"

namespace berth::launcher {

namespace {

constexpr long kSelinuxMagic = 0xf97cff8c;

std::string read_first_line(const char* path) {
  std::ifstream f(path);
  std::string line;
  std::getline(f, line);
  return line;
}

bool lsm_listed(const std::string& list, const char* name) {
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');)
    if (item == name) return true;
  return false;
}

std::string node_names(const std::vector<uint64_t>& mask) {
  std::string out;
  for (size_t n = 0; n < mask.size() * 64; n++)
    if (mask[n / 64] >> (n % 64) & 1) out += (out.empty() ? "" : ",") + std::to_string(n);
  return out.empty() ? "none" : out;
}

// Without MPOL_F_STATIC_NODES or MPOL_F_RELATIVE_NODES the kernel takes the
// nodes as they are and refuses ones it does not have with a bare EINVAL.
Status check_nodes(const spec::MemoryPolicy& mp, const HostFacts& host) {
  if (mp.flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) return {};
  for (size_t n = 0; n < mp.node_mask.size() * 64; n++) {
    if (!(mp.node_mask[n / 64] >> (n % 64) & 1)) continue;
    bool online = n / 64 < host.numa_online.size() && (host.numa_online[n / 64] >> (n % 64) & 1);
    if (!online)
      return config_error("/linux/memoryPolicy/nodes",
                          "NUMA node " + std::to_string(n) +
                              " is not online on this host (online: " + node_names(host.numa_online) + ")");
  }
  return {};
}

void fill_memory_policy(const spec::MemoryPolicy& mp, child::ChildProcessAttrs& a) {
  a.has_mempolicy = true;
  a.mempolicy_mode = mp.mode | int(mp.flags);
  a.mempolicy_has_nodes = mp.has_nodes();
  static_assert(sizeof a.mempolicy_nodes * 8 == spec::kMaxNumaNodes);
  for (size_t i = 0; i < mp.node_mask.size() && i < std::size(a.mempolicy_nodes); i++)
    a.mempolicy_nodes[i] = mp.node_mask[i];
}

}  // namespace

HostFacts probe_host_facts() {
  HostFacts h;
  std::string lsm = read_first_line("/sys/kernel/security/lsm");
  if (!lsm.empty()) {
    h.apparmor = lsm_listed(lsm, "apparmor");
    h.selinux = lsm_listed(lsm, "selinux");
  } else {
    h.apparmor = read_first_line("/sys/module/apparmor/parameters/enabled") == "Y";
    struct statfs sfs;
    h.selinux = statfs("/sys/fs/selinux", &sfs) == 0 && long(sfs.f_type) == kSelinuxMagic;
  }
  std::string online = read_first_line("/sys/devices/system/node/online");
  if (online.empty() || !spec::parse_node_list(online, h.numa_online).empty()) {
    h.numa_online.assign(spec::kMaxNumaNodes / 64, 0);
    h.numa_online[0] = 1;  // no NUMA: everything is node 0
  }
  return h;
}

Status check_lsm_labels(const spec::Config& c, const HostFacts& host, std::vector<std::string>* warnings) {
  std::vector<std::pair<std::string, std::string>> refused;
  if (c.process && !c.process->apparmor_profile.empty() && !host.apparmor)
    refused.emplace_back("/process/apparmorProfile", "AppArmor is not enabled on this host");
  if (c.process && !c.process->selinux_label.empty() && !host.selinux)
    refused.emplace_back("/process/selinuxLabel", "SELinux is not enabled on this host");
  // A mount label is a property of the files, not of the process: without
  // SELinux it has no meaning, and configs written for SELinux hosts carry
  // it (the runtime-tools suite's linux_mount_label). Accepted with a
  // warning, as crun does (runc fails at the first tmpfs mount instead).
  if (!c.linux.mount_label.empty() && !host.selinux && warnings)
    warnings->push_back("ignored: SELinux is not enabled on this host [config /linux/mountLabel]");
  if (refused.empty()) return {};
  Error e(Code::Unsupported, refused[0].first + ": " + refused[0].second, 0, refused[0].first);
  for (size_t i = 1; i < refused.size(); i++) e.add_note(refused[i].first + ": " + refused[i].second);
  return e;
}

Status fill_process_attrs(const spec::Config& c, const HostFacts& host, LaunchPlan& plan,
                          std::vector<std::string>* warnings) {
  BERTH_CHECK(check_lsm_labels(c, host, warnings));
  child::ChildProcessAttrs& a = plan.child.attrs;
  if (c.process && c.process->scheduler) {
    const spec::Scheduler& s = *c.process->scheduler;
    a.has_sched = true;
    a.sched_policy = s.policy;
    a.sched_nice = s.nice;
    a.sched_priority = uint32_t(s.priority);
    a.sched_flags = s.flags;
    a.sched_runtime = s.runtime;
    a.sched_deadline = s.deadline;
    a.sched_period = s.period;
  }
  if (c.process && c.process->io_priority) {
    a.has_ioprio = true;
    a.ioprio = IOPRIO_PRIO_VALUE(c.process->io_priority->io_class, c.process->io_priority->priority);
  }
  if (c.linux.personality) {
    a.has_personality = true;
    a.personality = c.linux.personality->domain;
  }
  if (c.linux.memory_policy) {
    BERTH_CHECK(check_nodes(*c.linux.memory_policy, host));
    fill_memory_policy(*c.linux.memory_policy, a);
  }
  if (c.process && host.apparmor && !c.process->apparmor_profile.empty())
    a.apparmor_exec = plan.arena.str("exec " + c.process->apparmor_profile);
  if (c.process && host.selinux && !c.process->selinux_label.empty())
    a.selinux_exec = plan.arena.str(c.process->selinux_label);
  return {};
}

Status apply_mount_label(const spec::Config& c, const HostFacts& host, LaunchPlan& plan) {
  if (c.linux.mount_label.empty() || !host.selinux) return {};
  std::string opt = "context=\"" + c.linux.mount_label + "\"";
  for (auto& m : plan.mounts) {
    if (m.kind != child::MountKind::Fs || m.opts.bind || !m.fstype) continue;
    std::string_view type = m.fstype;
    if (type == "proc" || type == "sysfs" || type == "mqueue" || type.rfind("cgroup", 0) == 0) continue;
    if (std::string_view(m.opts.data, m.opts.data_len).find("context=") != std::string_view::npos) continue;
    std::string data(m.opts.data, m.opts.data_len);
    data += (data.empty() ? "" : ",") + opt;
    if (data.size() >= sizeof m.opts.data)
      return config_error("/linux/mountLabel",
                          "the mount label does not fit the options of mount " + std::to_string(m.json_index));
    std::memcpy(m.opts.data, data.c_str(), data.size() + 1);
    m.opts.data_len = uint32_t(data.size());
  }
  return {};
}

}  // namespace berth::launcher
