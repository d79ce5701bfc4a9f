// The cgroups isolator on a FakeCgroupTree through a FakeKernel: what
// provision makes and writes, where isolate puts the init, what cleanup
// removes (only what it made), and that a failure at any of its kernel
// calls is undone by cleanup.
#include <doctest/doctest.h>

#include <filesystem>
#include <map>
#include <set>

#include "isolators/registry.hpp"
#include "libcontainer/cgroup/device_record.hpp"
#include "libcontainer/cgroup/devices.hpp"
#include "libcontainer/cgroup/journal.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/state/record.hpp"
#include "libcontainer/spec/parse.hpp"
#include "tests/unit/cgroup/fake_cgroup_tree.hpp"

using namespace berth;
using berth::test::FakeCgroupTree;
using berth::test::FakeKernel;

namespace {

spec::Config config(const std::string& linux_extra) {
  auto c = spec::parse_config(R"({"ociVersion":"1.2.0","root":{"path":"/"},"process":{"args":["sh"],"cwd":"/"},
    "linux":{)" + linux_extra +
                              "}}");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message()));
  return std::move(*c);
}

std::set<std::string> snapshot(const std::string& root) {
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

}  // namespace

TEST_CASE("cgroups: provision makes the cgroup in every hierarchy with its limit; cleanup removes only what it made") {
  Fixture f;
  f.cg.tree.mkdirs("pids/shared");  // a parent another container also uses
  auto c = config(R"("cgroupsPath":"/shared/ctr","resources":{"pids":{"limit":5}})");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  auto iso = f.isolator();
  Fragment plan;
  REQUIRE(iso->prepare(ctx, plan).ok());
  CHECK(f.kernel.calls.empty());  // prepare has no side effects
  REQUIRE(plan.mounts.empty());   // no cgroup mount in the config
  Status s = iso->provision(ctx, plan);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  CHECK(f.cg.read("pids/shared/ctr/pids.max") == "5");
  CHECK(f.cg.read("cpuset/shared/ctr/cpuset.cpus") == "0-1");  // inherited, or no task could join
  CHECK(f.cg.read("cpuset/shared/cpuset.mems") == "0");
  CHECK(f.cg.exists("unified/shared/ctr"));
  REQUIRE(iso->isolate(ctx, plan, 4242).ok());
  for (const char* h : {"pids", "cpuset", "unified"})
    CHECK(f.cg.read(std::string(h) + "/shared/ctr/cgroup.procs") == "4242");
  // The init exits: the kernel takes it out of cgroup.procs.
  for (const char* h : {"pids", "cpuset", "unified"})
    std::ofstream(f.cg.tree.at(std::string(h) + "/shared/ctr/cgroup.procs")).flush();
  CHECK(cgroup::leaves(ctx.state_dir).size() == f.cg.layout().hierarchies.size());  // journaled in the record
  REQUIRE(iso->cleanup(ctx.state_dir).ok());
  CHECK(f.cg.exists("pids/shared"));  // not ours
  CHECK_FALSE(f.cg.exists("pids/shared/ctr"));
  CHECK_FALSE(f.cg.exists("cpuset/shared"));  // ours
  CHECK_FALSE(f.cg.exists("unified/shared"));
  CHECK(iso->cleanup(ctx.state_dir).ok());  // idempotent
}

TEST_CASE("cgroups: the init joins its v1 leaves itself through their tasks files; isolate writes only what is left") {
  Fixture f;
  f.cg.add_hierarchy("freezer", {{"cgroup.procs", ""}, {"tasks", ""}});  // the fake's others have no tasks file
  auto c = config(R"("cgroupsPath":"/ctr")");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  auto iso = f.isolator();
  Fragment plan;
  REQUIRE(iso->prepare(ctx, plan).ok());
  Status s = iso->provision(ctx, plan);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  REQUIRE(plan.cgroup_joins.size() == 1);
  CHECK(plan.cgroup_joins[0].second == f.cg.tree.at("freezer/ctr"));
  CHECK(write(plan.cgroup_joins[0].first, "0", 1) == 1);  // as the init does
  CHECK(f.cg.read("freezer/ctr/tasks") == "0");
  // The cgroup2 leaf already holds the init (CLONE_INTO_CGROUP): not written.
  std::ofstream(f.cg.tree.at("unified/ctr/cgroup.procs")) << "4242\n";
  REQUIRE(iso->isolate(ctx, plan, 4242).ok());
  CHECK(f.cg.read("freezer/ctr/cgroup.procs") == "");
  CHECK(f.cg.read("unified/ctr/cgroup.procs") == "4242");
  for (const char* h : {"pids", "cpuset"}) CHECK(f.cg.read(std::string(h) + "/ctr/cgroup.procs") == "4242");
}

TEST_CASE("cgroups: a pids limit where no pids controller exists is refused by name, before any side effect") {
  Fixture f;
  f.cg.hierarchies.erase("pids");
  auto c = config(R"("resources":{"pids":{"limit":5}})");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  Fragment plan;
  auto s = f.isolator()->prepare(ctx, plan);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == Code::Unsupported);
  CHECK(s.error().json_path() == "/linux/resources/pids");
  CHECK(f.kernel.calls.empty());
}

TEST_CASE("cgroups: on a pure v2 host the parents pass the pids controller down") {
  Fixture f(true);
  auto c = config(R"("cgroupsPath":"/a/b","resources":{"pids":{"limit":-1}})");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  Status s = f.provision(ctx);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  CHECK(f.cg.read("unified/cgroup.subtree_control") == "+pids");
  CHECK(f.cg.read("unified/a/cgroup.subtree_control") == "+pids");
  CHECK(f.cg.read("unified/a/b/pids.max") == "max");
}

TEST_CASE(
    "cgroups: a cgroup that already holds processes is joined with one warning naming it; the annotation \"false\" "
    "refuses it") {
  Fixture f;
  for (const char* h : {"pids", "cpuset"}) {
    f.cg.tree.mkdirs(std::string(h) + "/busy");
    std::ofstream(f.cg.tree.at(std::string(h) + "/busy/cgroup.procs")) << "1\n";
  }
  std::ofstream(f.cg.tree.at("cpuset/busy/cpuset.cpus")) << "0";
  std::ofstream(f.cg.tree.at("cpuset/busy/cpuset.mems")) << "0";
  auto c = config(R"("cgroupsPath":"/busy")");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  Status s = f.provision(ctx);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  REQUIRE(f.warnings.size() == 1);  // once, not once per hierarchy
  CHECK(f.warnings[0].find("joining the cgroup " + f.cg.tree.path()) != std::string::npos);
  CHECK(f.warnings[0].find("/busy, which already holds 1 process(es)") != std::string::npos);
  CHECK(f.warnings[0].find("[config /linux/cgroupsPath]") != std::string::npos);
  CHECK(f.kernel.xattrs[f.cg.tree.at("pids/busy")]["trusted.berth.shared"] == "1");
  // Configs that set the annotation still work: "true" joins quietly, "false" refuses.
  for (const char* v : {"true", "false"}) {
    Fixture g;
    g.cg.tree.mkdirs("pids/busy");
    std::ofstream(g.cg.tree.at("pids/busy/cgroup.procs")) << "1\n";
    auto a =
        spec::parse_config(std::string(R"({"ociVersion":"1.2.0","root":{"path":"/"},"process":{"args":["sh"],"cwd":"/"},
      "annotations":{"org.berth.cgroups.join-busy":")") +
                           v + R"("},"linux":{"cgroupsPath":"/busy"}})");
    REQUIRE(a.ok());
    ContainerContext actx{*a, "c", "/b", "/b/rootfs", g.state.at("c"), g.record("c")};
    Status r = g.provision(actx);
    CHECK(g.warnings.empty());
    CHECK(r.ok() == (std::string(v) == "true"));
    if (!r.ok()) CHECK(r.error().json_path() == "/linux/cgroupsPath");
  }
}

TEST_CASE(
    "cgroups: the delete of a cgroup's maker kills nothing a joiner left there; the joiner's delete removes it once "
    "empty") {
  Fixture f;
  f.state.mkdirs("j");
  auto c = config(R"("cgroupsPath":"/pod/ctr")");
  ContainerContext maker{c, "m", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(maker).ok());
  ContainerContext joiner{c, "j", "/b", "/b/rootfs", f.state.at("j"), f.record("j")};
  REQUIRE(f.provision(joiner).ok());
  // The joiner's process, alive in every hierarchy (the maker's init is gone).
  f.kernel.processes[4000001] = 1;
  for (const char* h : {"pids", "cpuset", "unified"})
    std::ofstream(f.cg.tree.at(std::string(h) + "/pod/ctr/cgroup.procs")) << "4000001\n";
  f.kernel.calls.clear();
  REQUIRE(f.isolator()->cleanup(maker.state_dir).ok());
  for (const auto& call : f.kernel.calls) {
    CHECK(call.op != "signal");
    CHECK(call.arg.rfind("cgroup.kill", 0) != 0);
  }
  CHECK(f.kernel.processes.count(4000001));
  CHECK(f.cg.exists("pids/pod/ctr"));
  CHECK(f.kernel.xattrs[f.cg.tree.at("pids/pod/ctr")]["trusted.berth.left"] == "1");
  CHECK(f.kernel.xattrs[f.cg.tree.at("pids/pod")]["trusted.berth.left"] == "1");
  // Once its process is gone, the joiner's delete removes what the maker left, in every hierarchy.
  f.kernel.processes.erase(4000001);
  REQUIRE(f.isolator()->cleanup(joiner.state_dir).ok());
  for (const char* h : {"pids", "cpuset", "unified"}) {
    CHECK_FALSE(f.cg.exists(std::string(h) + "/pod/ctr"));
    CHECK_FALSE(f.cg.exists(std::string(h) + "/pod"));
  }
}

TEST_CASE("cgroups: a joiner's delete never removes a joined cgroup its maker did not leave to it") {
  Fixture f;
  f.cg.tree.mkdirs("pids/by-hand");
  std::ofstream(f.cg.tree.at("pids/by-hand/cgroup.procs")) << "";
  auto c = config(R"("cgroupsPath":"/by-hand")");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(ctx).ok());
  REQUIRE(f.isolator()->cleanup(ctx.state_dir).ok());
  CHECK(f.cg.exists("pids/by-hand"));
  CHECK_FALSE(f.cg.exists("cpuset/by-hand"));  // made by this create
}

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

TEST_CASE("cgroups: a failure at each kernel call of provision is undone by cleanup") {
  size_t total;
  {
    Fixture f;
    auto c = config(R"("cgroupsPath":"/x/y","resources":{"pids":{"limit":3}})");
    ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
    auto iso = f.isolator();
    Fragment plan;
    REQUIRE(iso->prepare(ctx, plan).ok());
    REQUIRE(iso->provision(ctx, plan).ok());
    total = f.kernel.calls.size();
  }
  REQUIRE(total > 8);
  for (size_t n = 1; n <= total; n++) {
    Fixture f;
    auto c = config(R"("cgroupsPath":"/x/y","resources":{"pids":{"limit":3}})");
    ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
    auto before_cg = snapshot(f.cg.tree.path());
    auto iso = f.isolator();
    Fragment plan;
    REQUIRE(iso->prepare(ctx, plan).ok());
    f.kernel.fail_at = int(f.kernel.calls.size() + n);
    auto s = iso->provision(ctx, plan);
    INFO("failed call ", n, ": ", f.kernel.calls[n - 1].op, " ", f.kernel.calls[n - 1].arg);
    REQUIRE_FALSE(s.ok());
    CHECK(s.error().message().find("injected failure") != std::string::npos);
    // What create's undo does (the record then goes with the directory).
    REQUIRE(iso->cleanup(ctx.state_dir).ok());
    CHECK(snapshot(f.cg.tree.path()) == before_cg);
  }
}

TEST_CASE("cgroups: without a cgroupsPath the id names the cgroup below our own, whatever the --root (runc 1.1.5)") {
  Fixture f;
  auto c = config("");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(ctx).ok());
  CHECK(f.cg.exists("pids/c"));
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

TEST_CASE("cgroups: update changes the live cgroup's values through the journal, naming fields as the document does") {
  Fixture f(true);
  auto c = config(R"("cgroupsPath":"/u","resources":{"pids":{"limit":10}})");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(ctx).ok());
  auto r = spec::parse_resources(
      R"({"pids":{"limit":20},"cpu":{"quota":20000,"period":100000},"memory":{"limit":4194304}})");
  REQUIRE(r.ok());
  auto iso = f.recovered(ctx.state_dir);
  Status s = iso->update(ctx.state_dir, *r);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  CHECK(f.cg.read("unified/u/pids.max") == "20");
  CHECK(f.cg.read("unified/u/cpu.max") == "20000 100000");
  CHECK(f.cg.read("unified/u/memory.max") == "4194304");
  auto bad = spec::parse_resources(R"({"memory":{"swappiness":5}})");
  REQUIRE(bad.ok());
  auto e = f.recovered(ctx.state_dir)->update(ctx.state_dir, *bad);
  REQUIRE_FALSE(e.ok());
  CHECK(e.error().json_path() == "/memory/swappiness");
  test::TempTree none;
  CHECK(f.recovered(none.path())->update(none.path(), *r).error().code() == Code::NotFound);
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

TEST_CASE("cgroups: cleanup kills what is left in a cgroup2 leaf with cgroup.kill, not one pid at a time") {
  Fixture f(true);
  auto c = config(R"("cgroupsPath":"/left")");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  auto iso = f.isolator();
  Fragment plan;
  REQUIRE(iso->prepare(ctx, plan).ok());
  REQUIRE(iso->provision(ctx, plan).ok());
  // A process the init left behind (no pid namespace), still in the leaf.
  const pid_t left = 4000007;
  f.kernel.processes[left] = 77;
  std::ofstream(f.cg.tree.at("unified/left/cgroup.procs")) << left << "\n";
  std::ofstream(f.cg.tree.at("unified/left/cgroup.kill")).flush();
  // The kernel's cgroup.kill: every task of the cgroup gets SIGKILL.
  auto rmdir_hook = f.kernel.before_remove_dir_at;
  f.kernel.before_remove_dir_at = [&](int dirfd, const std::string& path) {
    std::string leaf = f.cg.tree.at("unified/left");
    if (f.cg.read("unified/left/cgroup.kill") == "1") {
      f.kernel.processes.erase(left);
      std::ofstream(leaf + "/cgroup.procs").flush();
    }
    return rmdir_hook(dirfd, path);
  };
  Status s = f.isolator()->cleanup(ctx.state_dir);
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  CHECK_FALSE(f.cg.exists("unified/left"));
  bool killed = false, signalled = false;
  for (const auto& call : f.kernel.calls) {
    killed |= call.op == "write_at" && call.arg == "cgroup.kill=1";
    signalled |= call.op == "signal";
  }
  CHECK(killed);
  CHECK_FALSE(signalled);
}

TEST_CASE("cgroups: recover finds the init in every leaf, and names the cgroup it was moved out of") {
  Fixture f;
  auto c = config(R"("cgroupsPath":"/r","resources":{"pids":{"limit":7}})");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  auto iso = f.isolator();
  Fragment plan;
  REQUIRE(iso->prepare(ctx, plan).ok());
  REQUIRE(iso->provision(ctx, plan).ok());
  REQUIRE(iso->isolate(ctx, plan, 4242).ok());
  Usage u;
  REQUIRE(f.recovered(ctx.state_dir, 4242)->usage(ctx.state_dir, u).ok());
  CHECK(u.cgroup == "v1");
  CHECK(u.pids.limit == 7);
  // Someone moves the init out of its pids cgroup.
  std::ofstream(f.cg.tree.at("pids/r/cgroup.procs")).flush();
  Status s = f.isolator()->recover(ctx.state_dir, 4242);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == Code::NotFound);
  CHECK(s.error().message().find("pid 4242") != std::string::npos);
  CHECK(s.error().message().find(f.cg.tree.at("pids/r")) != std::string::npos);
  // Stopped (init 0): the cgroups are still there for stats and cleanup.
  CHECK(f.isolator()->recover(ctx.state_dir, 0).ok());
  // A hierarchy that is gone is named too.
  FakeCgroupTree other;
  auto layout = other.layout();
  auto stranger = isolators::make_cgroups(f.kernel, [layout] { return Result<cgroup::Layout>(layout); });
  Status g = stranger->recover(ctx.state_dir, 0);
  REQUIRE_FALSE(g.ok());
  CHECK(g.error().message().find("no longer mounted") != std::string::npos);
}

TEST_CASE("cgroups: watch names the OOM and pids counters of the container's own cgroups") {
  for (bool v2 : {false, true}) {
    CAPTURE(v2);
    Fixture f(v2);
    auto c = config(R"("cgroupsPath":"/w","resources":{"pids":{"limit":7}})");
    ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
    auto iso = f.isolator();
    Fragment plan;
    REQUIRE(iso->prepare(ctx, plan).ok());
    REQUIRE(iso->provision(ctx, plan).ok());
    // A cgroup with a past: its counter starts where it is.
    std::ofstream(f.cg.tree.at(v2 ? "unified/w/pids.events" : "pids/w/pids.events")) << "max 5\n";
    std::vector<Watch> w;
    REQUIRE(iso->watch(ctx, w).ok());
    REQUIRE(w.size() == 2);
    CHECK(w[0].base == 0);
    CHECK(w[1].base == 5);
    // The fake hybrid tree has no v1 memory hierarchy: memory is found on
    // the cgroup2 mount there, as on a host without a v1 memory controller.
    CHECK(w[0].limitation == "oom");
    CHECK(w[0].key == "oom_kill");
    CHECK(w[0].file == f.cg.tree.at("unified/w/memory.events"));
    CHECK(w[1].limitation == "pids");
    CHECK(w[1].key == "max");
    CHECK(w[1].file == f.cg.tree.at(v2 ? "unified/w/pids.events" : "pids/w/pids.events"));
  }
}

// ---- device rules of a live container ----

namespace {

namespace devices = cgroup::devices;

// The v1 devices controller this host has and the default fake lacks.
void add_v1_devices(FakeCgroupTree& cg) {
  cg.add_hierarchy("devices",
                   {{"cgroup.procs", ""}, {"devices.allow", ""}, {"devices.deny", ""}, {"devices.list", "a *:* rwm"}});
}

// What the v1 devices leaf holds: every line the kernel took, replayed
// through the model of the kernel (the fake's files keep only the last).
devices::V1State v1_host(const FakeKernel& k) {
  devices::V1State s;
  for (size_t i = 0; i < k.calls.size(); i++) {
    const auto& c = k.calls[i];
    if (c.op != "write_at" || int(i + 1) == k.fail_at) continue;
    for (const char* file : {"devices.allow=", "devices.deny="}) {
      if (c.arg.rfind(file, 0) != 0) continue;
      auto r = devices::parse_record(std::string("[[\"resources ") + (file[8] == 'a' ? "allow " : "deny ") +
                                     c.arg.substr(strlen(file)) + "\"]]");
      REQUIRE(r.ok());
      devices::v1_apply(s, r->lists[0][0].rule);
    }
  }
  return s;
}

devices::Record record_of(const Fixture& f) {
  auto st = state::read_record(f.state.at("c"));
  REQUIRE(st.ok());
  auto r = devices::parse_record(st->sections[devices::kRecordSection]);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return std::move(*r);
}

// Calls since `from` that change something: writes, the BPF program.
std::vector<std::string> changes_since(const FakeKernel& k, size_t from) {
  std::vector<std::string> out;
  for (size_t i = from; i < k.calls.size(); i++)
    if (k.calls[i].op == "write_at" || k.calls[i].op == "write_file_synced" || k.calls[i].op == "replace_device_filter")
      out.push_back(k.calls[i].op + " " + k.calls[i].arg.substr(k.calls[i].arg.rfind('/') + 1));
  return out;
}

const char* kDevConfig = R"("cgroupsPath":"/d","devices":[{"path":"/dev/fuse","type":"c","major":10,"minor":229}],
  "resources":{"devices":[{"allow":false,"access":"rwm"}]})";
const char* kAllowLoop = R"({"devices":[{"allow":false,"access":"rwm"},
  {"allow":true,"type":"c","major":10,"minor":237,"access":"rw"}]})";
const char* kDenyLoop = R"({"devices":[{"allow":false,"access":"rwm"}]})";
// A third set: a wildcard, m taken from /dev/null, the loop device read-only.
const char* kOther = R"({"devices":[{"allow":false,"access":"rwm"},{"allow":true,"type":"b","access":"r"},
  {"allow":true,"type":"c","major":10,"minor":237,"access":"r"},{"allow":false,"type":"c","major":1,"minor":3,"access":"m"}]})";

spec::Resources resources(const char* doc) {
  auto r = spec::parse_resources(doc);
  REQUIRE(r.ok());
  return std::move(*r);
}

// The full list an update with doc gives the container of kDevConfig.
devices::RuleList full_list(const char* doc) {
  spec::Device fuse{'c', "/dev/fuse", 10, 229, std::nullopt, std::nullopt, std::nullopt};
  return devices::effective_rules(resources(doc).devices, {fuse});
}

}  // namespace

TEST_CASE("cgroups: update on v1 writes only the difference of the device rules; a resend changes nothing") {
  Fixture f;
  add_v1_devices(f.cg);
  auto c = config(kDevConfig);
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(ctx).ok());
  CHECK(v1_host(f.kernel) == devices::v1_state(devices::rules_of(full_list(kDenyLoop))));
  CHECK(record_of(f).lists == std::vector<devices::RuleList>{full_list(kDenyLoop)});

  size_t mark = f.kernel.calls.size();
  Status s = f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(kAllowLoop));
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  // Record (old and new), the one line, record (new alone).
  CHECK(changes_since(f.kernel, mark) == std::vector<std::string>{"write_file_synced state.json",
                                                                  "write_at devices.allow=c 10:237 rw",
                                                                  "write_file_synced state.json"});
  CHECK(v1_host(f.kernel) == devices::v1_state(devices::rules_of(full_list(kAllowLoop))));
  CHECK(record_of(f).lists == std::vector<devices::RuleList>{full_list(kAllowLoop)});  // linux.devices' fuse kept

  mark = f.kernel.calls.size();
  REQUIRE(f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(kAllowLoop)).ok());
  CHECK(changes_since(f.kernel, mark).empty());  // containerd's resend

  mark = f.kernel.calls.size();
  REQUIRE(f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(kDenyLoop)).ok());
  CHECK(changes_since(f.kernel, mark) == std::vector<std::string>{"write_file_synced state.json",
                                                                  "write_at devices.deny=c 10:237 rw",
                                                                  "write_file_synced state.json"});
  CHECK(v1_host(f.kernel) == devices::v1_state(devices::rules_of(full_list(kDenyLoop))));

  mark = f.kernel.calls.size();
  REQUIRE(f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(R"({"pids":{"limit":7}})")).ok());
  CHECK(changes_since(f.kernel, mark) == std::vector<std::string>{"write_at pids.max=7"});  // no list: rules kept
}

TEST_CASE("cgroups: update on v2 makes the new program the leaf's only device filter; a resend loads nothing") {
  Fixture f(true);
  auto c = config(kDevConfig);
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(ctx).ok());
  std::string leaf = f.cg.tree.at("unified/d");
  REQUIRE(f.kernel.device_filters[leaf].size() == 1);
  REQUIRE(f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(kAllowLoop)).ok());
  REQUIRE(f.kernel.device_filters[leaf].size() == 1);
  auto want = devices::program(devices::rules_of(full_list(kAllowLoop)));
  CHECK(f.kernel.device_filters[leaf][0].size() == want.size());
  CHECK(memcmp(f.kernel.device_filters[leaf][0].data(), want.data(), want.size() * sizeof(bpf_insn)) == 0);
  size_t mark = f.kernel.calls.size();
  REQUIRE(f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(kAllowLoop)).ok());
  CHECK(changes_since(f.kernel, mark).empty());
}

TEST_CASE("cgroups: a device update without a record, or with a broken one, is refused before any write") {
  Fixture f;
  add_v1_devices(f.cg);
  auto c = config(kDevConfig);
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(ctx).ok());
  auto doc =
      resources(R"({"pids":{"limit":9},"devices":[{"allow":true,"type":"c","major":10,"minor":237,"access":"rw"}]})");
  state::Record& rec = *f.record("c");
  rec.put(devices::kRecordSection, R"([["resources allow c 10:237 rw","resources allow c 10:237 rwz"]])");
  REQUIRE(rec.save().ok());
  size_t mark = f.kernel.calls.size();
  Status bad = f.recovered(ctx.state_dir)->update(ctx.state_dir, doc);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().find("/0/1 is not a rule") != std::string::npos);
  rec.st.sections.erase(devices::kRecordSection);
  REQUIRE(rec.save().ok());
  mark = f.kernel.calls.size();
  Status none = f.recovered(ctx.state_dir)->update(ctx.state_dir, doc);
  REQUIRE_FALSE(none.ok());
  CHECK(none.error().code() == Code::Unsupported);
  CHECK(none.error().json_path() == "/devices");
  CHECK(changes_since(f.kernel, mark).empty());  // not even the pids limit
}

TEST_CASE("cgroups: a device update that fails at any kernel call leaves a record the next update finishes from") {
  for (bool v2 : {false, true}) {
    auto run = [&](int fail_n, bool& failed) {
      Fixture f(v2);
      if (!v2) add_v1_devices(f.cg);
      auto c = config(kDevConfig);
      ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
      REQUIRE(f.provision(ctx).ok());
      auto iso = f.recovered(ctx.state_dir);
      size_t mark = f.kernel.calls.size();
      if (fail_n) f.kernel.fail_at = int(mark) + fail_n;
      // The default changes on the way too (deny-all, then allow-all).
      const char* first = fail_n % 2 ? kAllowLoop : R"({"devices":[{"allow":true,"access":"rwm"},
        {"allow":false,"type":"c","major":10,"minor":237,"access":"w"}]})";
      Status s = iso->update(ctx.state_dir, resources(first));
      failed = !s.ok();
      if (!fail_n) return f.kernel.calls.size() - mark;
      std::string what = std::string(v2 ? "v2" : "v1") + ": failed call " + std::to_string(fail_n) + ": " +
                         f.kernel.calls[size_t(f.kernel.fail_at - 1)].op;  // a copy: calls grows below
      INFO(what);
      REQUIRE(failed);
      CHECK(s.error().message().find("injected failure") != std::string::npos);
      auto rec = record_of(f);  // still readable: the old list, or the old and the new
      CHECK(rec.lists.front() == full_list(kDenyLoop));
      CHECK(rec.lists.size() <= 2);
      f.kernel.fail_at = 0;
      Status again = f.recovered(ctx.state_dir)->update(ctx.state_dir, resources(kOther));
      REQUIRE_MESSAGE(again.ok(), (again.ok() ? "" : again.error().message()));
      CHECK(record_of(f).lists == std::vector<devices::RuleList>{full_list(kOther)});
      auto rules = devices::rules_of(full_list(kOther));
      if (v2) {
        auto& filters = f.kernel.device_filters[f.cg.tree.at("unified/d")];
        REQUIRE(filters.size() == 1);
        CHECK(filters[0].size() == devices::program(rules).size());
      } else {
        CHECK(v1_host(f.kernel) == devices::v1_state(rules));
      }
      return size_t(0);
    };
    bool failed = false;
    size_t total = run(0, failed);
    REQUIRE_FALSE(failed);
    REQUIRE(total >= 3);
    for (size_t n = 1; n <= total; n++) run(int(n), failed);
  }
}
