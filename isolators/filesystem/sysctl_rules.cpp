// runc 1.1.5's rule for which sysctls a container may set (see the header);
// the strings of the refusals name the namespace the key needs.
#include "isolators/filesystem/sysctl_rules.hpp"

#include "libcontainer/json/tree.hpp"

namespace berth::isolators::sysctl {
namespace {

bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

bool is_ipc_key(std::string_view k) {
  static constexpr std::string_view kIpc[] = {"kernel.msgmax", "kernel.msgmnb",         "kernel.msgmni",
                                              "kernel.sem",    "kernel.shmall",         "kernel.shmmax",
                                              "kernel.shmmni", "kernel.shm_rmid_forced"};
  for (auto i : kIpc)
    if (k == i) return true;
  return starts_with(k, "fs.mqueue.");
}

// The /proc/sys path the key names must stay a plain path below it: no empty,
// "." or ".." component ("net/../../sysrq-trigger" would pass as net.*), and
// short enough for the init's fixed buffer.
bool plain_path(const std::string& dotted_key) {
  if (dotted_key.size() > kMaxKeyLen) return false;
  size_t start = 0;
  while (true) {
    size_t end = dotted_key.find('.', start);
    std::string_view c = std::string_view(dotted_key).substr(start, end == std::string::npos ? end : end - start);
    // A '/' inside a dotted component is a '.' in the path.
    if (c.empty() || c == "/" || c == "//") return false;
    if (end == std::string::npos) return true;
    start = end + 1;
  }
}

}  // namespace

std::string dotted(std::string_view key) {
  std::string out(key);
  size_t first = out.find_first_of("./");
  if (first == std::string::npos || out[first] == '.') return out;
  for (char& c : out) c = c == '.' ? '/' : c == '/' ? '.' : c;
  return out;
}

Status check(std::string_view key, const OwnNamespaces& own) {
  std::string jp = "/linux/sysctl";
  json::append_pointer_token(jp, key);
  std::string k = dotted(key);
  if (!plain_path(k))
    return config_error(jp, "sysctl key must name a file below /proc/sys (no empty, \".\" or \"..\" part, at most " +
                                std::to_string(kMaxKeyLen) + " bytes)");
  if (is_ipc_key(k)) {
    if (own.ipc) return {};
    return config_error(jp, "sysctl " + k + " needs an ipc namespace other than the runtime's");
  }
  if (starts_with(k, "net.")) {
    if (own.net) return {};
    return config_error(jp, "sysctl " + k + " needs a network namespace other than the runtime's");
  }
  if (k == "kernel.domainname" && own.uts) return {};
  if (k == "kernel.hostname" && own.uts)
    return config_error(jp, "sysctl kernel.hostname conflicts with the OCI \"hostname\" field: set that instead");
  if (k == "kernel.domainname" || k == "kernel.hostname")
    return config_error(jp, "sysctl " + k + " needs a uts namespace other than the runtime's");
  return config_error(jp, "sysctl " + k + " is not namespaced and cannot be set in a container");
}

}  // namespace berth::isolators::sysctl
