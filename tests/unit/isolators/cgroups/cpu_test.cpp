// The cpu and cpuset controllers: v1 cpusets filled from above, v2's
// weight and cpu.max (with memory, as one v2 create).
#include <doctest/doctest.h>

#include "tests/unit/isolators/cgroups/fixture.hpp"

using namespace berth;
using namespace berth::test::cgroups;

TEST_CASE("cgroups: v1 cpusets: an existing parent with empty cpus and mems gets them from above, then the leaf") {
  Fixture f;
  f.cg.tree.mkdirs("cpuset/empty");  // made by someone else, never given a cpuset
  for (const char* file : {"cgroup.procs", "cpuset.cpus", "cpuset.mems"})
    std::ofstream(f.cg.tree.at(std::string("cpuset/empty/") + file)) << "";
  auto c = config(R"("cgroupsPath":"/empty/a/ctr")");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  Status s = f.provision(ctx);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  for (const char* dir : {"cpuset/empty", "cpuset/empty/a", "cpuset/empty/a/ctr"}) {
    CHECK(f.cg.read(std::string(dir) + "/cpuset.cpus") == "0-1");
    CHECK(f.cg.read(std::string(dir) + "/cpuset.mems") == "0");
  }
}

TEST_CASE("cgroups: v2 memory and cpu: swap is translated, shares become a weight, v1-only fields are refused") {
  Fixture f(true);
  auto c = config(R"("cgroupsPath":"/m","resources":{"memory":{"limit":1048576,"swap":3145728,"reservation":4096},
    "cpu":{"shares":1024,"quota":50000,"period":100000,"cpus":"0","mems":"0"}})");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  Status s = f.provision(ctx);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  CHECK(f.cg.read("unified/m/memory.max") == "1048576");
  CHECK(f.cg.read("unified/m/memory.swap.max") == "2097152");  // swap alone
  CHECK(f.cg.read("unified/m/memory.low") == "4096");
  CHECK(f.cg.read("unified/m/cpu.weight") == "39");  // runc's mapping of 1024
  CHECK(f.cg.read("unified/m/cpu.max") == "50000 100000");
  CHECK(f.cg.read("unified/m/cpuset.cpus") == "0");
  // The root passes each controller down, one write each.
  std::set<std::string> enabled;
  for (const auto& call : f.kernel.calls)
    if (call.arg.rfind("cgroup.subtree_control=", 0) == 0) enabled.insert(call.arg.substr(23));
  CHECK(enabled == std::set<std::string>{"+memory", "+cpu", "+cpuset"});
  REQUIRE(f.kernel.device_filters.size() == 1);  // no v1 devices controller: a BPF program
  for (const char* field : {R"({"swappiness":10})", R"({"disableOOMKiller":true})"}) {
    Fixture g(true);
    auto bad = config(std::string(R"("cgroupsPath":"/m","resources":{"memory":)") + field + "}");
    ContainerContext bctx{bad, "c", "/b", "/b/rootfs", g.state.at("c"), g.record("c")};
    Status r = g.provision(bctx);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == Code::Unsupported);
    CHECK(r.error().json_path().rfind("/linux/resources/memory/", 0) == 0);
  }
}
