// The cgroups isolator's tests share this: a FakeCgroupTree (hybrid like
// this machine, or pure v2) behind a FakeKernel, a state directory with
// create's record, and isolators made and recovered as the CLI makes them.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "isolators/registry.hpp"
#include "libcontainer/state/record.hpp"
#include "libcontainer/spec/parse.hpp"
#include "tests/unit/cgroup/fake_cgroup_tree.hpp"

namespace berth::test::cgroups {

using test::FakeCgroupTree;
using test::FakeKernel;

inline spec::Config config(const std::string& linux_extra) {
  auto c = spec::parse_config(R"({"ociVersion":"1.2.0","root":{"path":"/"},"process":{"args":["sh"],"cwd":"/"},
    "linux":{)" + linux_extra +
                              "}}");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message()));
  return std::move(*c);
}

inline std::set<std::string> snapshot(const std::string& root) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) out.insert(e.path().string());
  return out;
}

struct Fixture {
  explicit Fixture(bool v2 = false) : cg(v2) {
    cg.attach(kernel);
    state.mkdirs("c");
  }
  // prepare (which must succeed) and provision with a fresh isolator, as
  // one create does, then create's next save of the record; returns what
  // provision said.
  Status provision(const ContainerContext& ctx) {
    auto iso = isolator();
    Fragment plan;
    REQUIRE(iso->prepare(ctx, plan).ok());
    BERTH_CHECK(iso->provision(ctx, plan));
    return ctx.record->save();
  }
  // A new CLI call on an existing container: a fresh isolator, recovered.
  std::unique_ptr<Isolator> recovered(const std::string& state_dir, pid_t init = 0) {
    auto iso = isolator();
    Status s = iso->recover(state_dir, init);
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
    return iso;
  }
  std::unique_ptr<Isolator> isolator() {
    auto layout = cg.layout();
    return isolators::make_cgroups(
        kernel, [layout] { return Result<cgroup::Layout>(layout); },
        [this](const std::string& m) { warnings.push_back(m); });
  }
  // create's record of the container in state/NAME, which provision saves.
  state::Record* record(const std::string& name) {
    return &records.try_emplace(name, kernel, state.at(name)).first->second;
  }
  FakeCgroupTree cg;
  std::vector<std::string> warnings;
  FakeKernel kernel;
  test::TempTree state;
  std::map<std::string, state::Record> records;
};

}  // namespace berth::test::cgroups
