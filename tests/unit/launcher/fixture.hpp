// A container's world for launcher tests: a bundle and a --root in a temp
// tree, a FakeKernel with a FakeCgroupTree, the isolators of the registry,
// and the launcher's operations on one container id.
#pragma once

#include <doctest/doctest.h>
#include <signal.h>

#include <filesystem>
#include <set>
#include <string>

#include "isolators/registry.hpp"
#include "libcontainer/launcher/launcher.hpp"
#include "libcontainer/spec/parse.hpp"
#include "tests/unit/cgroup/fake_cgroup_tree.hpp"
#include "tests/unit/fake_kernel.hpp"
#include "tests/unit/temp_tree.hpp"

namespace berth::test {

inline const char* kTestConfig = R"({"ociVersion":"1.2.0","root":{"path":"rootfs"},
  "process":{"args":["/bin/true"],"cwd":"/","env":["PATH=/bin"]},
  "linux":{"namespaces":[{"type":"mount"},{"type":"pid"}],"cgroupsPath":"/c1","resources":{"pids":{"limit":10}}}})";

// Every path below root with its type, so "as it was" is a comparison.
inline std::set<std::string> snapshot(const std::string& root) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    out.insert(e.path().string() + (e.is_directory() ? "/" : ""));
  return out;
}

inline size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) n++;
  return n;
}

struct Fixture {
  TempTree tree;
  FakeKernel kernel;
  FakeCgroupTree cgroups;
  spec::Config config;
  launcher::CreateOptions opts;
  state::Store store{kernel, tree.at("state")};
  std::vector<std::string> warnings;

  explicit Fixture(const char* config_json = kTestConfig) {
    cgroups.attach(kernel);
    tree.mkdirs("bundle/rootfs");
    tree.mkdirs("state");
    auto c = spec::parse_config(config_json);
    REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message()));
    config = std::move(*c);
    opts.id = "c1";
    opts.bundle = tree.at("bundle");
    opts.shim_path = "/nonexistent/berth-shim";
    opts.pid_file = tree.at("bundle/pid");
  }
  IsolatorList isolators() {
    return isolators::make_all(kernel, [layout = cgroups.layout()] { return Result<cgroup::Layout>(layout); });
  }
  Result<launcher::Created> create() {
    auto isos = isolators();
    return launcher::create(store, opts, config, isos);
  }
  Status start() { return launcher::start(store, opts.id, &warnings); }
  Status kill(int sig) { return launcher::kill(store, opts.id, sig); }
  Status remove(bool force) {
    auto isos = isolators();
    return launcher::remove(store, opts.id, force, isos, &warnings);
  }
  state::RunState status() {
    auto st = store.read(opts.id);
    REQUIRE(st.ok());
    return state::current_status(store, *st);
  }
  // The number of kernel calls op makes on a fresh container in its state
  // (made by setup), so a walk can fail each in turn.
  template <typename Setup, typename Op>
  static size_t count_calls(Setup setup, Op op) {
    Fixture f;
    setup(f);
    size_t before = f.kernel.calls.size();
    (void)op(f);
    return f.kernel.calls.size() - before;
  }
};

// Makes a container and starts it.
inline void created(Fixture& f) { REQUIRE(f.create().ok()); }
inline void running(Fixture& f) {
  created(f);
  REQUIRE(f.start().ok());
}

}  // namespace berth::test
