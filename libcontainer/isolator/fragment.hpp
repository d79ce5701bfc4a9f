// Fragment: one isolator's part of a container's launch plan. prepare()
// fills it from the config alone; no other isolator reads it. The launcher
// merges every fragment into the LaunchPlan (launcher/merge.hpp), refusing
// two that disagree with an error naming both isolators, and realises what
// the kinds below ask for (joins a namespace by path, makes the user
// namespace of an idmapped mount, ...), so a new isolator that contributes
// these kinds needs no launcher edit.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "libcontainer/child/plan.hpp"
#include "libcontainer/launcher/launch_plan.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth {

struct Fragment {
  // The strings its entries point to (ChildMount::dest, ...); the plan
  // adopts it, so they stay where they are.
  Arena arena;

  // --- namespaces: at most one entry per type ------------------------------
  struct Namespace {
    spec::NsType type = spec::NsType::Mount;
    std::string path;  // empty: a new one; else joined (opened after the id is claimed)
    int json_index = -1;
    bool operator==(const Namespace& o) const { return type == o.type && path == o.path; }
  };
  std::vector<Namespace> namespaces;
  std::optional<std::string> hostname, domainname;
  std::optional<std::string> timens_offsets;  // "monotonic 1 0\n..."
  // enter(): the CLONE_NEW* types of the running init's namespaces that a
  // process exec'd into the container joins (through a pidfd of the init).
  uint64_t init_namespaces = 0;

  // --- root filesystem ------------------------------------------------------
  std::optional<bool> rootfs_readonly;
  std::optional<unsigned long> rootfs_propagation;
  std::optional<bool> setup_dev;  // /dev gets its default devices and links
  struct Mount {
    // json_index >= 0: the /mounts entry it realises (mounts are merged in
    // the config's order); -1: the isolator's own, after those. Its fds
    // are the launcher's to fill.
    child::ChildMount m{};
    // Not empty: an idmapped mount with these maps.
    std::vector<spec::IdMapping> uid_map, gid_map;
  };
  std::vector<Mount> mounts;
  std::vector<child::ChildDevice> devices;
  std::vector<const char*> masked_paths, readonly_paths;
  std::vector<child::ChildSysctl> sysctls;

  // --- process --------------------------------------------------------------
  struct Caps {
    child::CapMasks masks{};
    int last_cap = 0;
    bool operator==(const Caps& o) const {
      const auto &a = masks, &b = o.masks;
      return last_cap == o.last_cap && a.bounding == b.bounding && a.effective == b.effective &&
             a.permitted == b.permitted && a.inheritable == b.inheritable && a.ambient == b.ambient;
    }
  };
  std::optional<Caps> caps;
  std::vector<child::ChildRlimit> rlimits;
  struct Seccomp {
    std::vector<uint8_t> bpf;  // struct sock_filter[]
    unsigned flags = 0;
    bool listener = false;  // SCMP_ACT_NOTIFY: the fd goes to listener_path
    std::string listener_path, listener_metadata;
    bool operator==(const Seccomp&) const = default;
  };
  std::optional<Seccomp> seccomp;

  // --- set by provision() ---------------------------------------------------
  // The cgroup2 leaf the init is cloned into (CLONE_INTO_CGROUP), owned by
  // the isolator until it is destroyed.
  std::optional<int> cgroup_fd;
  // v1 leaves the init joins itself (child::CgroupJoin): their `tasks`
  // fds, owned by the isolator likewise, and their directories.
  std::vector<std::pair<int, std::string>> cgroup_joins;
};

}  // namespace berth
