// The small helpers declared on spec::Config.
#include "libcontainer/spec/config.hpp"

namespace berth::spec {

const Namespace* Config::find_namespace(NsType t) const {
  for (const auto& ns : linux.namespaces)
    if (ns.type == t) return &ns;
  return nullptr;
}

bool MemoryPolicy::has_nodes() const {
  for (uint64_t w : node_mask)
    if (w) return true;
  return false;
}

bool Config::has_namespace(NsType t) const { return find_namespace(t) != nullptr; }

// The names used by the spec's linux.namespaces[].type.
const char* ns_type_name(NsType t) {
  switch (t) {
    case NsType::Pid: return "pid";
    case NsType::Network: return "network";
    case NsType::Mount: return "mount";
    case NsType::Ipc: return "ipc";
    case NsType::Uts: return "uts";
    case NsType::User: return "user";
    case NsType::Cgroup: return "cgroup";
    case NsType::Time: return "time";
  }
  return "unknown";
}

}  // namespace berth::spec
