// What network/cni keeps of a container: its section of the record (the
// attachments, journaled before any ADD) and, in STATE/cni/, each network's
// configuration and cached ADD result. cleanup and `berth inspect-network`
// read them back; nothing else is needed to DEL or report a network.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "libcontainer/state/container_state.hpp"

namespace berth::cni {

inline constexpr const char* kSection = "network/cni";

struct Attachments {
  std::string netns;       // STATE/netns
  std::string host_netns;  // STATE/cni/hostns: the create's own, where every plugin runs
  std::vector<std::string> bin_dirs;
  std::string capability_args = "{}";  // a JSON object
  int plugin_timeout = 60;             // seconds
  struct Network {
    std::string name, ifname;
  };
  std::vector<Network> networks;
};

inline std::string dir(const std::string& state_dir) { return state_dir + "/cni"; }
inline std::string conf_file(const std::string& state_dir, const std::string& ifname) {
  return dir(state_dir) + "/" + ifname + ".conf";
}
inline std::string result_file(const std::string& state_dir, const std::string& ifname) {
  return dir(state_dir) + "/" + ifname + ".result";
}

inline std::string etc_dir(const std::string& state_dir) { return dir(state_dir) + "/etc"; }
inline constexpr const char* kEtcFiles[] = {"hosts", "resolv.conf", "hostname"};

// The three files' text from an ADD result: hosts (localhost, and each of
// the result's addresses as hostname), resolv.conf (the result's DNS, else
// host_resolv as it is), hostname.
struct EtcFiles {
  std::string hosts, resolv_conf, hostname;
};
EtcFiles etc_files(const std::string& result, const std::string& hostname, const std::string& host_resolv);

// path is a bound namespace (nsfs), not the empty file a cut-off bind leaves.
bool is_namespace_file(const std::string& path);

std::string section_json(const Attachments& a);
// The record's section; nullopt when there is none (no network asked).
std::optional<Attachments> read_section(const state::ContainerState& record);

// The container's networks as JSON: [{"name", "interface", "ips": [...],
// "portMappings": [...], "result": {...}}], from the cached results ("[]"
// without networks).
std::string report(const std::string& state_dir, const state::ContainerState& record);
// The same without the results: what `berth state` shows.
std::string summary(const std::string& state_dir, const state::ContainerState& record);

// The networks whose DEL has not succeeded (their files are still in
// STATE/cni), with their addresses, as words for `delete --force`'s warning;
// "" when every DEL is done.
std::string undeleted(const std::string& state_dir, const state::ContainerState& record);

}  // namespace berth::cni
