// FakeCgroupTree: a temp dir laid out like a host's cgroup mounts, holding
// only the control files the kernel would create, and making them in each
// directory a FakeKernel mkdirs (writes never create files, so a missing
// controller fails as on a host). Hybrid by default, like this machine:
// v1 pids and cpuset hierarchies, and a cgroup2 mount with no controllers.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "libcontainer/cgroup/layout.hpp"
#include "tests/unit/fake_kernel.hpp"
#include "tests/unit/temp_tree.hpp"

namespace berth::test {

class FakeCgroupTree {
 public:
  // name below the tree -> files (with their initial content in the root)
  std::map<std::string, std::map<std::string, std::string>> hierarchies;
  bool pure_v2 = false;

  explicit FakeCgroupTree(bool v2 = false) : pure_v2(v2) {
    if (v2) {
      hierarchies["unified"] = {{"cgroup.procs", ""},
                                {"cgroup.controllers", "cpuset cpu io memory hugetlb pids"},
                                {"cgroup.subtree_control", ""},
                                {"pids.max", "max"},
                                {"memory.max", "max"},
                                {"memory.low", "0"},
                                {"memory.swap.max", "max"},
                                {"cpu.weight", "100"},
                                {"cpu.max", "max 100000"},
                                {"cpuset.cpus", ""},
                                {"cpuset.mems", ""}};
    } else {
      hierarchies["pids"] = {{"cgroup.procs", ""}, {"pids.max", "max"}, {"pids.current", "0"}};
      hierarchies["cpuset"] = {{"cgroup.procs", ""}, {"cpuset.cpus", "0-1"}, {"cpuset.mems", "0"}};
      hierarchies["unified"] = {{"cgroup.procs", ""}, {"cgroup.controllers", ""}, {"cgroup.subtree_control", ""}};
    }
    for (const auto& [name, files] : hierarchies) {
      tree.mkdirs(name);
      for (const auto& [f, v] : files) std::ofstream(tree.at(name + "/" + f)) << v;
    }
  }

  // One more hierarchy after construction (a v1 controller the default
  // layout lacks), with its root's files.
  void add_hierarchy(const std::string& name, std::map<std::string, std::string> files) {
    tree.mkdirs(name);
    for (const auto& [f, v] : files) std::ofstream(tree.at(name + "/" + f)) << v;
    hierarchies[name] = std::move(files);
  }

  cgroup::Layout layout() const {
    cgroup::Layout l;
    l.mode = pure_v2 ? cgroup::Mode::V2 : cgroup::Mode::Hybrid;
    for (const auto& [name, files] : hierarchies) {
      cgroup::Hierarchy h;
      h.mount = tree.at(name);
      h.v2 = name == "unified";
      if (!h.v2) h.controllers = {name};
      h.own = "/";
      l.hierarchies.push_back(h);
    }
    std::stable_partition(l.hierarchies.begin(), l.hierarchies.end(), [](const auto& h) { return !h.v2; });
    return l;
  }

  // Makes the kernel's files in every directory the fake kernel creates,
  // and takes them away again on rmdir as cgroupfs does (EBUSY while a
  // task is listed).
  void attach(FakeKernel& k) {
    k.before_remove_dir_at = [&k](int dirfd, const std::string& name) {
      std::string dir = name[0] == '/' ? name : path_of(dirfd) + "/" + name;
      std::error_code ec;
      if (!std::filesystem::is_directory(dir, ec)) return 0;
      // Busy while a task listed there lives (in the fake kernel's process
      // table, or any pid it does not model).
      std::ifstream procs(dir + "/cgroup.procs");
      for (pid_t pid; procs >> pid;)
        if (pid < 4000000 || k.processes.count(pid)) return EBUSY;
      for (const auto& e : std::filesystem::directory_iterator(dir, ec))
        if (e.is_regular_file()) std::filesystem::remove(e.path(), ec);
      return 0;
    };
    k.on_make_dir_at = [this](int dirfd, const std::string& name) {
      std::string dir = path_of(dirfd) + "/" + name;
      for (const auto& [h, files] : hierarchies) {
        if (dir.rfind(tree.at(h) + "/", 0) != 0) continue;
        for (const auto& [f, v] : files) {
          // New cgroups: limits at their defaults, v1 cpusets empty.
          bool empty = f.rfind("cpuset.", 0) == 0 || f == "cgroup.procs" || f == "cgroup.subtree_control";
          std::ofstream(dir + "/" + f) << (empty ? "" : v);
        }
      }
    };
  }

  std::string read(const std::string& rel) const { return tree.read(rel); }
  static std::string path_of(int dirfd) {
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    return n <= 0 ? std::string() : std::string(path, size_t(n));
  }
  bool exists(const std::string& rel) const { return std::filesystem::exists(tree.at(rel)); }

  TempTree tree;
};

}  // namespace berth::test
