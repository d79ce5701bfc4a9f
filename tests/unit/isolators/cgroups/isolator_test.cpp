// The cgroups isolator on a FakeCgroupTree through a FakeKernel: what
// provision makes, where the init joins its cgroups, what cleanup removes
// (only what it made, and what others left to it), what recover and watch
// find, and that a failure at any of its kernel calls is undone by cleanup.
#include <doctest/doctest.h>

#include <unistd.h>

#include <fstream>

#include "libcontainer/cgroup/journal.hpp"
#include "tests/unit/isolators/cgroups/fixture.hpp"

using namespace berth;
using namespace berth::test::cgroups;

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

TEST_CASE("cgroups: the journal says which leaves can be frozen, from the hierarchies (nothing probed later)") {
  Fixture f;
  f.cg.add_hierarchy("freezer", {{"cgroup.procs", ""}, {"tasks", ""}, {"freezer.state", "THAWED"}});
  auto c = config(R"("cgroupsPath":"/ctr")");
  ContainerContext ctx{c, "c", "/b", "/b/rootfs", f.state.at("c"), f.record("c")};
  REQUIRE(f.provision(ctx).ok());
  std::map<std::string, std::string> kinds;
  for (const auto& e : cgroup::leaves(ctx.state_dir)) kinds[e.mount.substr(e.mount.rfind('/') + 1)] = e.freezer;
  CHECK(kinds.at("freezer") == "v1");
  CHECK(kinds.at("unified") == "v2");
  CHECK(kinds.at("pids") == "none");
  CHECK(kinds.at("cpuset") == "none");
}
