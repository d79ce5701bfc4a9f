// Layout detection; see layout.hpp.
#include "libcontainer/cgroup/layout.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <sstream>

#include "libcontainer/state/files.hpp"
#include "libcontainer/sys/mountinfo.hpp"
#include "libcontainer/text/split.hpp"

namespace berth::cgroup {
namespace {

using text::split;

// Lexically clean an absolute path: "/a/./b/../c//" -> "/a/c"; ".." stops at "/".
std::string clean(const std::string& path) {
  std::vector<std::string> parts;
  for (auto& p : split(path, '/')) {
    if (p.empty() || p == ".") continue;
    if (p == "..") {
      if (!parts.empty()) parts.pop_back();
      continue;
    }
    parts.push_back(p);
  }
  std::string out;
  for (auto& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

constexpr const char* kV1Controllers[] = {"cpu",   "cpuacct",    "cpuset",   "memory",  "devices", "freezer", "net_cls",
                                          "blkio", "perf_event", "net_prio", "hugetlb", "pids",    "rdma",    "misc"};

}  // namespace

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::None: return "none";
    case Mode::V1: return "v1";
    case Mode::Hybrid: return "hybrid";
    case Mode::V2: return "v2";
  }
  return "?";
}

bool Hierarchy::has(std::string_view c) const {
  return std::find(controllers.begin(), controllers.end(), c) != controllers.end();
}

const Hierarchy* Layout::find(std::string_view controller) const {
  for (const auto& h : hierarchies)
    if (!h.v2 && h.has(controller)) return &h;
  return unified();
}

const Hierarchy* Layout::unified() const {
  for (const auto& h : hierarchies)
    if (h.v2) return &h;
  return nullptr;
}

Layout parse_layout(std::string_view mountinfo, std::string_view proc_self_cgroup) {
  Layout l;
  std::vector<std::string> mount_roots;
  for (const auto& m : sys::parse_mountinfo(mountinfo)) {
    Hierarchy h;
    h.mount = m.mount_point;
    if (m.fstype == "cgroup2") {
      if (l.unified()) continue;  // the first mount of a hierarchy wins
      h.v2 = true;
    } else if (m.fstype == "cgroup") {
      for (auto& opt : split(m.super_options, ','))
        if (opt.rfind("name=", 0) == 0 ||
            std::find(std::begin(kV1Controllers), std::end(kV1Controllers), opt) != std::end(kV1Controllers))
          h.controllers.push_back(opt);
      if (h.controllers.empty()) continue;
      bool seen = false;
      for (const auto& o : l.hierarchies) seen |= !o.v2 && o.controllers == h.controllers;
      if (seen) continue;
    } else {
      continue;
    }
    l.hierarchies.push_back(std::move(h));
    mount_roots.push_back(m.root);
  }
  // Our own cgroup in each: "ID:controllers:path"; the v2 line is "0::path".
  std::istringstream cg{std::string(proc_self_cgroup)};
  for (std::string line; std::getline(cg, line);) {
    size_t a = line.find(':'), b = line.find(':', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    auto ctrls = split(std::string_view(line).substr(a + 1, b - a - 1), ',');
    std::string path = line.substr(b + 1);
    for (size_t i = 0; i < l.hierarchies.size(); i++) {
      Hierarchy& h = l.hierarchies[i];
      bool match = h.v2 ? (ctrls.size() == 1 && ctrls[0].empty()) : (ctrls == h.controllers);
      if (!match) continue;
      // Below the mount: strip the mount's root within the hierarchy.
      const std::string& root = mount_roots[i];
      std::string below = path;
      if (root != "/" && below.rfind(root, 0) == 0) below.erase(0, root.size());
      h.own = clean(below);
    }
  }
  for (auto& h : l.hierarchies)
    if (h.own.empty()) h.own.assign(1, '/');  // (not = "/": g++ 12 -Wrestrict false positive)
  bool v1 = false, v2 = false;
  for (const auto& h : l.hierarchies) (h.v2 ? v2 : v1) = true;
  l.mode = v1 && v2 ? Mode::Hybrid : v1 ? Mode::V1 : v2 ? Mode::V2 : Mode::None;
  // v1 hierarchies first: the order cgroups are created and joined in.
  std::stable_partition(l.hierarchies.begin(), l.hierarchies.end(), [](const Hierarchy& h) { return !h.v2; });
  return l;
}

Result<Layout> host_layout() {
  auto mi = BERTH_TRY(state::read_file("/proc/self/mountinfo"));
  auto cg = BERTH_TRY(state::read_file("/proc/self/cgroup"));
  return parse_layout(mi, cg);
}

std::string container_path(const Hierarchy& h, const std::string& cgroups_path, const std::string& id) {
  // Without a cgroupsPath, runc's default: our own cgroup plus the id,
  // whatever the --root (one id under two roots shares a cgroup there, as
  // with runc: the second create joins it with a warning).
  if (cgroups_path.empty()) return clean(h.own + "/" + id);
  if (cgroups_path[0] == '/') return clean(cgroups_path);
  // Relative: ".." cannot climb above our own cgroup.
  std::string rel = clean("/" + cgroups_path);
  return clean(h.own + rel);
}

}  // namespace berth::cgroup
