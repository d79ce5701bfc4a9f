// LaunchPlan: what the launcher builds for one container from the config
// and the isolators' fragments (launcher/merge.hpp). It owns the memory (an
// arena of strings and arrays) that the ChildPlan points into, plus what the
// parent needs on its side of the launch (fds to pass, the seccomp
// listener). finalize() wires the vectors into the ChildPlan.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "libcontainer/child/plan.hpp"
#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth {

// Stable storage for C strings and arrays; nothing moves once handed out.
class Arena {
 public:
  const char* str(std::string_view s);
  char* buffer(size_t n);  // zeroed
  // A NULL-terminated argv/envp.
  char* const* strv(const std::vector<std::string>& v);
  // Takes over other's blocks: what pointed into them still does.
  void adopt(Arena&& other);
  template <typename T>
  T* copy(const std::vector<T>& v) {
    if (v.empty()) return nullptr;
    auto* p = reinterpret_cast<T*>(buffer(sizeof(T) * v.size()));
    for (size_t i = 0; i < v.size(); i++) p[i] = v[i];
    return p;
  }

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
};

struct LaunchPlan {
  LaunchPlan() {
    child.cgroup_fd = -1;
    child.shim_sock_fd = -1;
  }

  Arena arena;
  child::ChildPlan child{};

  // Filled by the merge of the fragments, copied into the arena by finalize().
  std::vector<child::ChildMount> mounts;
  std::vector<child::ChildDevice> devices;
  std::vector<const char*> masked_paths, readonly_paths;
  std::vector<child::ChildSysctl> sysctls;
  std::vector<child::ChildRlimit> rlimits;
  std::vector<gid_t> groups;
  std::vector<child::ChildHook> create_container_hooks, start_container_hooks;
  std::vector<uint8_t> seccomp_bpf;  // struct sock_filter[]
  uint64_t init_namespaces = 0;      // exec: the init's namespaces to join (Fragment)

  // What the merge leaves to acquire_fds (after the id is claimed): the
  // namespace file of each child.joins entry, and the maps of each
  // idmapped mount.
  std::vector<spec::Namespace> joins;
  struct Idmap {
    size_t mount;  // index in mounts
    std::vector<spec::IdMapping> uids, gids;
  };
  std::vector<Idmap> idmaps;

  // Parent side.
  std::vector<UniqueFd> owned_fds;  // ns files to join, idmap user namespaces, /dev/null, ...
  std::string seccomp_listener_path;
  std::string seccomp_listener_metadata;

  // child.envp from process.env; without a HOME (or with an empty one) it
  // gets a "HOME=" entry the init fills from the container's /etc/passwd.
  void set_env(const std::vector<std::string>& env);
  void finalize();
};

}  // namespace berth
