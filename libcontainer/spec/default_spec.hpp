// The example config.json written by `berth spec`: the same bytes as
// `runc spec` (runc 1.1.5) prints, so tools and docs written for runc apply.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace berth::spec {

// Tab-indented JSON without a trailing newline, as runc writes it. rootless:
// a user namespace mapping root to the caller's euid/egid, no network
// namespace, /sys bind-mounted and no device cgroup rules.
std::string default_spec_json(bool rootless);

// The same template with the process, root and extra mounts of an image's
// bundle (images/bundle.cpp): one generator for both.
struct SpecOptions {
  bool rootless = false;
  bool terminal = true;
  std::vector<std::string> args = {"sh"};
  std::vector<std::string> env = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"};
  std::string cwd = "/";
  uint32_t uid = 0, gid = 0;
  std::vector<uint32_t> additional_gids;
  bool readonly_root = true;
  std::string hostname = "runc";
  struct Mount {
    std::string destination, type, source;
    std::vector<std::string> options;
  };
  std::vector<Mount> extra_mounts;  // after the template's
  std::vector<std::pair<std::string, std::string>> annotations;
};
std::string spec_json(const SpecOptions& o);

}  // namespace berth::spec
