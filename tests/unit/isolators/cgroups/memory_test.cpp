// The memory controller: v1 limits (memsw order, kmem the kernel lacks),
// checkBeforeUpdate.
#include <doctest/doctest.h>

#include <fstream>

#include "tests/unit/isolators/cgroups/fixture.hpp"

using namespace berth;
using namespace berth::test::cgroups;

TEST_CASE("cgroups: kernel memory limits the kernel lacks are accepted with a warning naming the field (v1 and v2)") {
  Fixture f;
  f.cg.add_hierarchy("memory", {{"cgroup.procs", ""}, {"memory.limit_in_bytes", "9223372036854771712"}});
  auto c = config(R"("cgroupsPath":"/k","resources":{"memory":{"kernel":50593792,"kernelTCP":1048576}})");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  Status s = f.provision(ctx);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  REQUIRE(f.warnings.size() == 2);
  CHECK(f.warnings[0].find("memory.kmem.limit_in_bytes is missing") != std::string::npos);
  CHECK(f.warnings[0].find("[config /linux/resources/memory/kernel]") != std::string::npos);
  CHECK(f.warnings[1].find("[config /linux/resources/memory/kernelTCP]") != std::string::npos);
  // Where the kernel has the file and keeps the value, it is set and nothing is said.
  Fixture g;
  g.cg.add_hierarchy("memory", {{"cgroup.procs", ""},
                                {"memory.kmem.limit_in_bytes", "9223372036854771712"},
                                {"memory.kmem.tcp.limit_in_bytes", "9223372036854771712"}});
  ContainerContext gctx{c, "c", "/b", "/b/rootfs", g.state.at("c"), g.record("c")};
  REQUIRE(g.provision(gctx).ok());
  CHECK(g.warnings.empty());
  CHECK(g.cg.read("memory/k/memory.kmem.limit_in_bytes") == "50593792");
  CHECK(g.cg.read("memory/k/memory.kmem.tcp.limit_in_bytes") == "1048576");
  // cgroup v2 has no kernel memory limit: a warning, as runc 1.1.
  Fixture v2(true);
  ContainerContext vctx{c, "c", "/b", "/b/rootfs", v2.state.at("c"), v2.record("c")};
  REQUIRE(v2.provision(vctx).ok());
  REQUIRE(v2.warnings.size() == 2);
  CHECK(v2.warnings[0].find("[config /linux/resources/memory/kernel]") != std::string::npos);
}

TEST_CASE("cgroups: update with checkBeforeUpdate refuses a memory limit below the current usage") {
  Fixture f(true);
  auto c = config(R"("cgroupsPath":"/k","resources":{"memory":{"limit":8388608}})");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(ctx).ok());
  std::ofstream(f.cg.tree.at("unified/k/memory.current")) << "4194304\n";
  auto low = spec::parse_resources(R"({"memory":{"limit":1048576,"checkBeforeUpdate":true}})");
  REQUIRE(low.ok());
  auto e = f.recovered(ctx.state_dir)->update(ctx.state_dir, *low);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().json_path() == "/memory/limit");
  CHECK(f.cg.read("unified/k/memory.max") == "8388608");
  auto unchecked = spec::parse_resources(R"({"memory":{"limit":1048576}})");
  REQUIRE(unchecked.ok());
  CHECK(f.recovered(ctx.state_dir)->update(ctx.state_dir, *unchecked).ok());
  CHECK(f.cg.read("unified/k/memory.max") == "1048576");
}

TEST_CASE("cgroups: v1 update of the memory limit to -1 alone lifts a memsw limit first (runc 1.1's rule)") {
  Fixture f;
  f.cg.add_hierarchy("memory", {{"cgroup.procs", ""},
                                {"memory.limit_in_bytes", "9223372036854771712"},
                                {"memory.memsw.limit_in_bytes", "9223372036854771712"}});
  auto c = config(R"("cgroupsPath":"/m","resources":{"memory":{"limit":67108864,"swap":134217728}})");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(ctx).ok());
  CHECK(f.cg.read("memory/m/memory.memsw.limit_in_bytes") == "134217728");
  auto r = spec::parse_resources(R"({"memory":{"limit":-1}})");
  REQUIRE(r.ok());
  f.kernel.calls.clear();
  Status s = f.recovered(ctx.state_dir)->update(ctx.state_dir, *r);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  // memsw may never be below the limit: it goes first.
  std::vector<std::string> writes;
  for (const auto& call : f.kernel.calls)
    if (call.op == "write_at") writes.push_back(call.arg);
  CHECK(writes == std::vector<std::string>{"memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1"});
  // Without memsw files (swap not accounted) only the limit is written.
  Fixture g;
  g.cg.add_hierarchy("memory", {{"cgroup.procs", ""}, {"memory.limit_in_bytes", "9223372036854771712"}});
  auto c2 = config(R"("cgroupsPath":"/m","resources":{"memory":{"limit":-1}})");
  ContainerContext ctx2{c2, "c", "/b", "/b/rootfs", g.state.at("c"), g.record("c")};
  Status s2 = g.provision(ctx2);
  REQUIRE_MESSAGE(s2.ok(), (s2.ok() ? "" : s2.error().message()));
  CHECK(g.cg.read("memory/m/memory.limit_in_bytes") == "-1");
}
