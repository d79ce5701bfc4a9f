// The cgroup layout of a host: which hierarchies are mounted where (v1
// controllers, a cgroup2 mount, or both: hybrid), and this process's own
// cgroup in each, which relative cgroupsPaths are resolved against (as runc
// does: the caller may itself run in a container). Detected once per CLI
// call from /proc/self/mountinfo and /proc/self/cgroup; parse_layout() is
// pure so tests can feed it any host.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libcontainer/error/error.hpp"

namespace berth::cgroup {

enum class Mode { None, V1, Hybrid, V2 };
const char* mode_name(Mode m);

struct Hierarchy {
  std::string mount;                     // "/sys/fs/cgroup/pids"
  std::vector<std::string> controllers;  // v1: {"cpu", "cpuacct"}, {"name=systemd"}; v2: empty
  bool v2 = false;
  std::string own;  // our cgroup below the mount ("/" or "/a/b")
  bool has(std::string_view controller) const;
};

struct Layout {
  Mode mode = Mode::None;
  std::vector<Hierarchy> hierarchies;  // v1 ones first, the cgroup2 mount last
  // The v1 hierarchy holding a controller, else the cgroup2 mount (on a
  // hybrid host too: hugetlb lives there on this machine), whose
  // cgroup.controllers the caller checks; nullptr when neither.
  const Hierarchy* find(std::string_view controller) const;
  const Hierarchy* unified() const;
};

Layout parse_layout(std::string_view mountinfo, std::string_view proc_self_cgroup);
Result<Layout> host_layout();

// The container's cgroup below a hierarchy's mount: cgroupsPath cleaned
// lexically (no "..", ".", or empty parts); absolute from the hierarchy's
// root, relative below our own cgroup; absent: our own cgroup plus the id.
std::string container_path(const Hierarchy& h, const std::string& cgroups_path, const std::string& id);

}  // namespace berth::cgroup
