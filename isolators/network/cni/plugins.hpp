// Invoking CNI plugins (the CNI specification, "Execution protocol" and
// "Execution of network configurations"): a network list's plugins run in
// order for ADD and CHECK, in reverse for DEL, each with its own object on
// stdin plus the list's name and cniVersion, the capability arguments it
// declares (runtimeConfig) and the previous result (prevResult). Every
// program runs through sys::Kernel::run_program.
#pragma once

#include <string>
#include <vector>

#include "isolators/network/cni/network.hpp"
#include "libcontainer/error/error.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::cni {

// What the runtime passes every plugin of one attachment.
struct Attachment {
  std::string container_id;
  std::string netns;  // path of the network namespace file
  std::string ifname;
  std::vector<std::string> bin_dirs;
  // A JSON object of capability arguments ({"portMappings": [...], ...}):
  // each plugin gets those it declares, as runtimeConfig.
  std::string capability_args = "{}";
  // The network namespace the plugins run in (the caller's at create,
  // bound in the state directory): "" the current one.
  std::string host_netns;
};

class Plugins {
 public:
  Plugins(sys::Kernel& kernel, std::vector<std::string> environ, int timeout_s = 60)
      : kernel_(kernel), environ_(std::move(environ)), timeout_s_(timeout_s) {}

  // ADD: the final result (JSON text), to be cached for CHECK and DEL.
  Result<std::string> add(const NetworkList& net, const Attachment& a);
  // DEL, with the cached ADD result as prevResult ("" when there is none:
  // an ADD cut off, or never made).
  Status del(const NetworkList& net, const Attachment& a, const std::string& cached);
  // CHECK (cniVersion 0.4.0 and later, unless the list disables it), with
  // the cached ADD result.
  Status check(const NetworkList& net, const Attachment& a, const std::string& cached);
  // VERSION of one plugin: the versions it supports.
  Result<std::vector<std::string>> versions(const NetworkList& net, const Plugin& p,
                                            const std::vector<std::string>& bin_dirs);
  // STATUS (CNI 1.1) of each plugin whose VERSION names 1.1.0; a plugin
  // that does not is skipped and named in *skipped.
  Status status(const NetworkList& net, const std::vector<std::string>& bin_dirs, std::vector<std::string>* skipped);

 private:
  // Runs plugin p with command on stdin_conf; its stdout on success.
  Result<std::string> invoke(const NetworkList& net, const Plugin& p, const char* command, const Attachment& a,
                             const std::string& stdin_conf);

  sys::Kernel& kernel_;
  std::vector<std::string> environ_;
  int timeout_s_;
};

// This process's environment, which plugins run with (CNI_* replaced).
std::vector<std::string> process_environment();

// The configuration cached for interface ifname in a container's state
// directory (state.hpp), parsed.
Result<NetworkList> cached_network(const std::string& state_dir, const std::string& ifname);

// The object plugin p gets on stdin: its own, with the list's name and
// cniVersion, runtimeConfig (the capability arguments it declares, if any)
// and prevResult ("" none) set.
std::string plugin_stdin(const NetworkList& net, const Plugin& p, const std::string& capability_args,
                         const std::string& prev_result);

}  // namespace berth::cni
