// The controllers of blockIO, hugepageLimits, network, rdma and unified:
// the files each writes on v1 and on v2, and the fields refused, by name,
// where the host has no controller or v2 no file for them.
#include <doctest/doctest.h>

#include "tests/unit/isolators/cgroups/fixture.hpp"

using namespace berth;
using namespace berth::test::cgroups;

namespace {

// The writes of the files whose names start with prefix.
std::vector<std::string> writes(const test::FakeKernel& k, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& c : k.calls)
    if (c.op == "write_at" && c.arg.rfind(prefix, 0) == 0) out.push_back(c.arg);
  return out;
}

// provision's error, which must be Unsupported, naming json_path.
void refused(Fixture& f, const std::string& linux_extra, const std::string& json_path) {
  auto c = config(linux_extra);
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  auto iso = f.isolator();
  Fragment plan;
  Status s = iso->prepare(ctx, plan);
  if (s.ok()) s = iso->provision(ctx, plan);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == Code::Unsupported);
  CHECK(s.error().json_path() == json_path);
}

const char* kBlockIo = R"("cgroupsPath":"/io","resources":{"blockIO":{"weight":500,
  "weightDevice":[{"major":8,"minor":0,"weight":100}],"throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1048576}],
  "throttleWriteIOPSDevice":[{"major":8,"minor":0,"rate":0}]}})";

}  // namespace

TEST_CASE("cgroups blockIO: v1 blkio files, v2 io.weight (runc's mapping) and io.max") {
  Fixture v1;
  v1.cg.add_hierarchy("blkio", {{"cgroup.procs", ""},
                                {"blkio.weight", "100"},
                                {"blkio.weight_device", ""},
                                {"blkio.throttle.read_bps_device", ""},
                                {"blkio.throttle.write_iops_device", ""}});
  auto c = config(kBlockIo);
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", v1.state.at("c"), v1.record("c")};
  Status s = v1.provision(ctx);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  CHECK(writes(v1.kernel, "blkio.") == std::vector<std::string>{"blkio.weight=500", "blkio.weight_device=8:0 100",
                                                                "blkio.throttle.read_bps_device=8:0 1048576",
                                                                "blkio.throttle.write_iops_device=8:0 0"});
  Fixture v2(true);
  v2.cg.hierarchies["unified"]["io.weight"] = "default 100";
  v2.cg.hierarchies["unified"]["io.max"] = "";
  ContainerContext ctx2{c, "c", "/b", "/b/rootfs", v2.state.at("c"), v2.record("c")};
  s = v2.provision(ctx2);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  CHECK(writes(v2.kernel, "io.") == std::vector<std::string>{"io.weight=default 4950", "io.weight=8:0 910",
                                                             "io.max=8:0 rbps=1048576", "io.max=8:0 wiops=max"});
  Fixture leaf(true);
  refused(leaf, R"("resources":{"blockIO":{"leafWeight":10}})", "/linux/resources/blockIO/leafWeight");
}

TEST_CASE("cgroups hugepageLimits: hugetlb.SIZE.max on v2; refused where the cgroup2 mount lacks hugetlb") {
  const char* doc = R"("cgroupsPath":"/h","resources":{"hugepageLimits":[{"pageSize":"2MB","limit":4194304}]})";
  Fixture v2(true);
  v2.cg.hierarchies["unified"]["hugetlb.2MB.max"] = "max";
  auto c = config(doc);
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", v2.state.at("c"), v2.record("c")};
  REQUIRE(v2.provision(ctx).ok());
  CHECK(v2.cg.read("unified/h/hugetlb.2MB.max") == "4194304");
  Fixture hybrid;  // its cgroup2 mount has no controllers
  refused(hybrid, doc, "/linux/resources/hugepageLimits");
}

TEST_CASE("cgroups network and rdma: refused by name on a host without the controllers") {
  Fixture v2(true);
  refused(v2, R"("resources":{"network":{"classID":1048577}})", "/linux/resources/network/classID");
  Fixture prio(true);
  refused(prio, R"("resources":{"network":{"priorities":[{"name":"eth0","priority":5}]}})",
          "/linux/resources/network/priorities");
  Fixture rdma(true);
  refused(rdma, R"("resources":{"rdma":{"mlx5_1":{"hcaHandles":3}}})", "/linux/resources/rdma");
}

TEST_CASE("cgroups network: v1 net_cls.classid and net_prio.ifpriomap") {
  Fixture f;
  f.cg.add_hierarchy("net_cls", {{"cgroup.procs", ""}, {"net_cls.classid", "0"}});
  f.cg.add_hierarchy("net_prio", {{"cgroup.procs", ""}, {"net_prio.ifpriomap", ""}});
  auto c = config(
      R"("cgroupsPath":"/n","resources":{"network":{"classID":1048577,"priorities":[{"name":"eth0","priority":5}]}})");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  Status s = f.provision(ctx);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  CHECK(f.cg.read("net_cls/n/net_cls.classid") == "1048577");
  CHECK(f.cg.read("net_prio/n/net_prio.ifpriomap") == "eth0 5");
}

TEST_CASE("cgroups unified: each key written to the cgroup2 leaf, its controller passed down") {
  Fixture f(true);
  f.cg.hierarchies["unified"]["memory.high"] = "max";
  auto c = config(R"("cgroupsPath":"/un","resources":{"unified":{"memory.high":"1048576"}})");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  Status s = f.provision(ctx);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  CHECK(f.cg.read("unified/un/memory.high") == "1048576");
  CHECK(f.cg.read("unified/cgroup.subtree_control") == "+memory");
  // A file the kernel did not make fails, named by its key.
  Fixture g(true);
  auto bad = config(R"("cgroupsPath":"/un","resources":{"unified":{"memory.nosuch":"1"}})");
  ContainerContext bctx{bad, "c", "/b", "/b/rootfs", g.state.at("c"), g.record("c")};
  Status r = g.provision(bctx);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().json_path() == "/linux/resources/unified/memory.nosuch");
}
