// The merge of the isolators' fragments (merge.hpp): each kind in one place,
// one owner per scalar and per key, the conflicts named.
#include "libcontainer/launcher/merge.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <string_view>

#include "libcontainer/sys/namespace.hpp"
#include "libcontainer/sys/userns.hpp"

namespace berth::launcher {
namespace {

Error conflict(std::string_view a, std::string_view b, const std::string& what) {
  return Error(Code::Config, "the isolators " + std::string(a) + " and " + std::string(b) + " disagree on " + what);
}

// A value and the isolator that set it first.
template <class T>
struct Slot {
  std::optional<T> value;
  const char* by = nullptr;
  Status take(const std::optional<T>& v, const char* who, const char* what) {
    if (!v) return {};
    if (value && !(*value == *v)) return conflict(by, who, what);
    if (!value) value = v, by = who;
    return {};
  }
};

// Items with a key: one isolator owns each key (the first to give it); the
// same item from another is kept once, a different one is a conflict.
using Owners = std::map<std::string, std::string_view>;
template <class T, class KeyOf, class Same>
Status merge_keyed(std::vector<T>& into, Owners& owners, const std::vector<T>& items, const char* who, const char* what,
                   KeyOf key_of, Same same) {
  for (const T& item : items) {
    std::string key = key_of(item);
    auto [it, fresh] = owners.emplace(key, who);
    if (fresh || it->second == who) {
      into.push_back(item);
      continue;
    }
    bool known = std::any_of(into.begin(), into.end(), [&](const T& x) { return key_of(x) == key && same(x, item); });
    if (!known) return conflict(it->second, who, std::string(what) + " " + key);
  }
  return {};
}

struct Scalars {
  Slot<bool> rootfs_readonly, setup_dev;
  Slot<unsigned long> rootfs_propagation;
  Slot<std::string> hostname, domainname, timens_offsets;
  Slot<Fragment::Caps> caps;
  Slot<Fragment::Seccomp> seccomp;

  Status take(const Fragment& f, const char* who) {
    BERTH_CHECK(rootfs_readonly.take(f.rootfs_readonly, who, "root.readonly"));
    BERTH_CHECK(setup_dev.take(f.setup_dev, who, "the setup of /dev"));
    BERTH_CHECK(rootfs_propagation.take(f.rootfs_propagation, who, "the rootfs propagation"));
    BERTH_CHECK(hostname.take(f.hostname, who, "the hostname"));
    BERTH_CHECK(domainname.take(f.domainname, who, "the domainname"));
    BERTH_CHECK(timens_offsets.take(f.timens_offsets, who, "the time namespace offsets"));
    BERTH_CHECK(caps.take(f.caps, who, "the capabilities"));
    return seccomp.take(f.seccomp, who, "the seccomp program");
  }
  void put(LaunchPlan& plan) const {
    auto& ch = plan.child;
    ch.rootfs_readonly = rootfs_readonly.value.value_or(false);
    ch.setup_dev = setup_dev.value.value_or(false);
    ch.rootfs_propagation = rootfs_propagation.value.value_or(0);
    if (hostname.value) ch.hostname = plan.arena.str(*hostname.value);
    if (domainname.value) ch.domainname = plan.arena.str(*domainname.value);
    if (timens_offsets.value) ch.timens_offsets = plan.arena.str(*timens_offsets.value);
    if (caps.value) ch.caps = caps.value->masks, ch.last_cap = caps.value->last_cap;
    if (const auto& s = seccomp.value) {
      plan.seccomp_bpf = s->bpf;
      ch.seccomp_flags = s->flags;
      ch.seccomp_listener = s->listener;
      plan.seccomp_listener_path = s->listener_path;
      plan.seccomp_listener_metadata = s->listener_metadata;
    }
  }
};

// New namespaces become clone flags (cgroup and time are unshared later);
// joined ones are opened by acquire_fds, the user namespace first: the
// others are owned by it.
Status put_namespaces(const std::vector<Fragment::Namespace>& nss, LaunchPlan& plan) {
  auto& ch = plan.child;
  std::vector<const Fragment::Namespace*> order;
  for (const auto& ns : nss)
    if (ns.type == spec::NsType::User)
      order.insert(order.begin(), &ns);
    else
      order.push_back(&ns);
  for (const auto* ns : order) {
    int flag = sys::clone_flag(ns->type);
    if (ns->path.empty()) {
      if (ns->type == spec::NsType::Cgroup)
        ch.new_cgroupns = true;
      else if (ns->type == spec::NsType::Time)
        ch.new_timens = true;
      else
        ch.clone_flags |= uint64_t(flag);
      if (ns->type == spec::NsType::User) ch.new_userns = true;
      continue;
    }
    if (ch.n_joins >= int(std::size(ch.joins)))
      return config_error("/linux/namespaces/" + std::to_string(ns->json_index) + "/path",
                          "too many namespaces to join");
    ch.joins[ch.n_joins++] = child::JoinNs{-1, flag, ns->json_index};
    plan.joins.push_back(spec::Namespace{ns->type, ns->path});
  }
  ch.cloner_is_intermediate = ch.n_joins > 0 || ch.new_timens;
  // A user namespace of its own and a mount namespace made with it: the
  // parent opens the bind sources, so that a source only the host can
  // reach still works, as in runc.
  ch.bind_sources_from_parent = ch.new_userns && (ch.clone_flags & CLONE_NEWNS);
  return {};
}

// /mounts entries in the config's order, each isolator's own after them.
void put_mounts(std::vector<Fragment::Mount>& mounts, LaunchPlan& plan) {
  auto rank = [](const Fragment::Mount& m) { return m.m.json_index < 0 ? INT32_MAX : m.m.json_index; };
  std::stable_sort(mounts.begin(), mounts.end(), [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  for (auto& m : mounts) {
    if (!m.uid_map.empty() || !m.gid_map.empty())
      plan.idmaps.push_back({plan.mounts.size(), std::move(m.uid_map), std::move(m.gid_map)});
    plan.mounts.push_back(m.m);
  }
}

bool same_device(const child::ChildDevice& a, const child::ChildDevice& b) {
  return a.mode == b.mode && a.dev == b.dev && a.uid == b.uid && a.gid == b.gid;
}

}  // namespace

Status merge(std::vector<Contribution>& parts, LaunchPlan& plan) {
  Scalars scalars;
  Owners ns_owners, device_owners, sysctl_owners, rlimit_owners;
  std::vector<Fragment::Namespace> nss;
  std::vector<Fragment::Mount> mounts;
  // Per destination: its first isolator, whether another has one there
  // too, whether every mount there realises a /mounts entry.
  struct Dest {
    std::string_view by;
    bool shared = false, all_config = true;
  };
  std::map<std::string, Dest> dests;
  for (auto& [who, f] : parts) {
    BERTH_CHECK(scalars.take(f, who));
    BERTH_CHECK(merge_keyed(
        nss, ns_owners, f.namespaces, who, "the namespace",
        [](const Fragment::Namespace& n) { return std::string(spec::ns_type_name(n.type)); }, std::equal_to<>()));
    for (const auto& m : f.mounts) {
      bool config = m.m.json_index >= 0;
      auto [it, fresh] = dests.emplace(m.m.dest, Dest{who});
      Dest& d = it->second;
      if (!fresh && (d.by != who || d.shared) && !(config && d.all_config))
        return conflict(d.by, who, std::string("a mount on ") + m.m.dest);
      d.shared |= d.by != who;
      d.all_config &= config;
      mounts.push_back(m);
    }
    BERTH_CHECK(merge_keyed(
        plan.devices, device_owners, f.devices, who, "the device",
        [](const child::ChildDevice& d) { return std::string(d.path); }, same_device));
    BERTH_CHECK(merge_keyed(
        plan.sysctls, sysctl_owners, f.sysctls, who, "the sysctl",
        [](const child::ChildSysctl& s) { return std::string(s.key); },
        [](const child::ChildSysctl& a, const child::ChildSysctl& b) { return std::string_view(a.value) == b.value; }));
    BERTH_CHECK(merge_keyed(
        plan.rlimits, rlimit_owners, f.rlimits, who, "the rlimit",
        [](const child::ChildRlimit& r) { return std::to_string(r.resource); },
        [](const child::ChildRlimit& a, const child::ChildRlimit& b) { return a.soft == b.soft && a.hard == b.hard; }));
    plan.init_namespaces |= f.init_namespaces;
    plan.masked_paths.insert(plan.masked_paths.end(), f.masked_paths.begin(), f.masked_paths.end());
    plan.readonly_paths.insert(plan.readonly_paths.end(), f.readonly_paths.begin(), f.readonly_paths.end());
    plan.arena.adopt(std::move(f.arena));
  }
  scalars.put(plan);
  BERTH_CHECK(put_namespaces(nss, plan));
  put_mounts(mounts, plan);
  return {};
}

Status acquire_fds(LaunchPlan& plan) {
  auto& ch = plan.child;
  for (int i = 0; i < ch.n_joins; i++) {
    auto& j = ch.joins[i];
    const auto& ns = plan.joins[size_t(i)];
    std::string jp = "/linux/namespaces/" + std::to_string(j.json_index) + "/path";
    auto fd = BERTH_TRY(sys::open_namespace(ns.type, ns.path, jp));
    j.fd = fd.get();
    plan.owned_fds.push_back(std::move(fd));
  }
  for (const auto& idmap : plan.idmaps) {
    auto& m = plan.mounts[idmap.mount];
    auto ns = sys::make_userns(idmap.uids, idmap.gids);
    if (!ns) return std::move(ns).error().with_path("/mounts/" + std::to_string(m.json_index));
    m.userns_fd = ns->get();
    plan.owned_fds.push_back(std::move(*ns));
  }
  if (!ch.bind_sources_from_parent) return {};
  for (auto& m : plan.mounts) {
    if (m.kind != child::MountKind::Bind) continue;
    // The number must be free in the init, which inherits our fd table.
    UniqueFd fd(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (!fd) return sys_error(errno, "open /dev/null");
    m.source_fd = fd.get();
    plan.owned_fds.push_back(std::move(fd));
  }
  return {};
}

Status take_provisioned(const std::vector<Contribution>& parts, LaunchPlan& plan) {
  Slot<int> cgroup_fd;
  for (const auto& [who, f] : parts)
    BERTH_CHECK(cgroup_fd.take(f.cgroup_fd, who, "the cgroup the init is cloned into"));
  plan.child.cgroup_fd = cgroup_fd.value.value_or(-1);
  std::vector<child::CgroupJoin> joins;
  for (const auto& part : parts)
    for (const auto& [fd, dir] : part.fragment.cgroup_joins) joins.push_back({fd, plan.arena.str(dir)});
  plan.child.cgroup_joins = plan.arena.copy(joins);
  plan.child.n_cgroup_joins = joins.size();
  return {};
}

}  // namespace berth::launcher
