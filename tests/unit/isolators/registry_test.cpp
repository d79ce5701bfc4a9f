// The isolators' registry: which isolators a config makes, the
// --isolation list and the annotation (their errors), the set an existing
// container is made with again, and that prepare, for every isolator, over a
// config that asks for everything, has no side effect at all.
#include <doctest/doctest.h>
#include <sys/resource.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "isolators/registry.hpp"
#include "libcontainer/spec/parse.hpp"
#include "libcontainer/state/isolator_names.hpp"
#include "libcontainer/state/record.hpp"
#include "tests/unit/cgroup/fake_cgroup_tree.hpp"
#include "tests/unit/fake_kernel.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;
using berth::test::FakeKernel;
using Names = std::vector<std::string>;

namespace {

const Names kAll = {"filesystem/image", "cgroups",       "namespaces",         "network/cni",
                    "filesystem/linux", "linux/rlimits", "linux/capabilities", "linux/seccomp"};

// A config with a mount namespace and nothing else asked, plus extra
// top-level members.
spec::Config config(const std::string& extra = "", const std::string& linux_extra = "") {
  auto c = spec::parse_config(R"({"ociVersion":"1.2.0","root":{"path":"/"},"process":{"args":["sh"],"cwd":"/"},
    "linux":{"namespaces":[{"type":"mount"}])" +
                              (linux_extra.empty() ? "" : "," + linux_extra) + "}" +
                              (extra.empty() ? "" : "," + extra) + "}");
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message()));
  return std::move(*c);
}

Names chosen(const spec::Config& c, std::optional<std::string> isolation = std::nullopt) {
  auto r = isolators::choose(c, isolation);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return *r;
}

Error refused(const spec::Config& c, std::optional<std::string> isolation) {
  auto r = isolators::choose(c, isolation);
  REQUIRE_FALSE(r.ok());
  return std::move(r).error();
}

}  // namespace

TEST_CASE("registry: the table is the one order, and each entry makes the isolator it names") {
  FakeKernel kernel;
  isolators::Deps deps{kernel, [] { return Result<cgroup::Layout>(cgroup::Layout{}); }, {}};
  Names names;
  for (const auto* e : isolators::entries()) {
    names.push_back(e->name);
    CHECK(std::string(e->make(deps)->name()) == e->name);
  }
  CHECK(names == kAll);
}

TEST_CASE("registry: a config makes the isolators it needs, in the table's order") {
  // Every container gets cgroups, its filesystem and its capabilities (as
  // runc); a namespace, rlimits or seccomp only when asked for.
  CHECK(chosen(config()) == Names{"cgroups", "namespaces", "filesystem/linux", "linux/capabilities"});
  auto none = spec::parse_config(R"({"ociVersion":"1.2.0","root":{"path":"/"},"process":{"args":["sh"],"cwd":"/"}})");
  REQUIRE(none.ok());
  CHECK(chosen(*none) == Names{"cgroups", "filesystem/linux", "linux/capabilities"});
  auto everything = config(R"("annotations":{"run.berth.cni.networks":"n","run.berth.image.name":"i"})",
                           R"("seccomp":{"defaultAction":"SCMP_ACT_ALLOW"})");
  everything.process->rlimits.push_back({"RLIMIT_NOFILE", RLIMIT_NOFILE, 10, 10});
  CHECK(chosen(everything) == kAll);
}

TEST_CASE("registry: --isolation chooses the set; what a field requires cannot be left out") {
  auto c = config();
  CHECK(chosen(c, "namespaces,linux/capabilities") == Names{"namespaces", "linux/capabilities"});
  // In the table's order whatever the list's, and one not needed may be asked for.
  CHECK(chosen(c, "linux/rlimits,namespaces") == Names{"namespaces", "linux/rlimits"});
  struct Case {
    std::string extra, linux_extra, list, field;
  };
  for (const Case& k : std::vector<Case>{
           {"", R"("resources":{"pids":{"limit":5}})", "namespaces", "/linux/resources"},
           {"", R"("cgroupsPath":"/x")", "namespaces", "/linux/cgroupsPath"},
           {R"("mounts":[{"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup"}])", "", "namespaces",
            "/mounts/0"},
           {R"("annotations":{"org.berth.cgroups.join-busy":"true"})", "", "namespaces",
            "/annotations/org.berth.cgroups.join-busy"},
           {R"("mounts":[{"destination":"/t","type":"tmpfs","source":"tmpfs"}])", "", "namespaces", "/mounts/0"},
           {"", R"("sysctl":{"kernel.shmmax":"1"})", "namespaces", "/linux/sysctl"},
           {"", R"("seccomp":{"defaultAction":"SCMP_ACT_ALLOW"})", "namespaces", "/linux/seccomp"},
       }) {
    Error e = refused(config(k.extra, k.linux_extra), k.list);
    INFO(e.message());
    CHECK(e.code() == Code::Config);
    CHECK(e.json_path() == k.field);
    CHECK(e.message().find("--isolation") != std::string::npos);
  }
  auto rl = config();
  rl.process->rlimits.push_back({"RLIMIT_NOFILE", RLIMIT_NOFILE, 10, 10});
  CHECK(refused(rl, "namespaces").json_path() == "/process/rlimits");
  // Without a mount namespace the init binds the rootfs in the host's
  // mount table, which only filesystem/linux's cleanup undoes.
  auto host = spec::parse_config(R"({"ociVersion":"1.2.0","root":{"path":"/"},"process":{"args":["sh"],"cwd":"/"}})");
  REQUIRE(host.ok());
  CHECK(refused(*host, "cgroups").json_path() == "/linux/namespaces");
}

TEST_CASE("registry: an unknown or empty name in the list is refused, naming it") {
  auto c = config();
  Error e = refused(c, "namespaces,disk/du");
  CHECK(e.message().find("\"disk/du\"") != std::string::npos);
  CHECK(e.message().find("--isolation") != std::string::npos);
  CHECK(e.message().find("linux/seccomp") != std::string::npos);  // the known ones are listed
  CHECK(refused(c, "").message().find("unknown isolator \"\"") != std::string::npos);
  CHECK(refused(c, "namespaces,,cgroups").message().find("\"\"") != std::string::npos);
  CHECK(refused(c, "cgroups ").message().find("\"cgroups \"") != std::string::npos);
}

TEST_CASE("registry: the annotation run.berth.isolation chooses when --isolation does not") {
  auto c = config(R"("annotations":{"run.berth.isolation":"namespaces,linux/capabilities"})");
  CHECK(chosen(c) == Names{"namespaces", "linux/capabilities"});
  CHECK(chosen(c, "cgroups,namespaces") == Names{"cgroups", "namespaces"});  // the flag wins
  auto bad = config(R"("annotations":{"run.berth.isolation":"bogus"})");
  Error e = refused(bad, std::nullopt);
  CHECK(e.json_path() == "/annotations/run.berth.isolation");
  CHECK(e.message().find("\"bogus\"") != std::string::npos);
  auto needed = config(R"("annotations":{"run.berth.isolation":"namespaces"})", R"("resources":{"pids":{"limit":1}})");
  Error n = refused(needed, std::nullopt);
  CHECK(n.json_path() == "/linux/resources");
  CHECK(n.message().find("run.berth.isolation") != std::string::npos);
}

TEST_CASE("registry: an existing container is made with the isolators it recorded, all of them when none") {
  FakeKernel kernel;
  test::TempTree dir;
  isolators::Deps deps{kernel, [] { return Result<cgroup::Layout>(cgroup::Layout{}); }, {}};
  auto names_of = [](const IsolatorList& l) {
    Names n;
    for (const auto& i : l) n.push_back(i->name());
    return n;
  };
  // Made by an older berth: no record.
  CHECK(names_of(isolators::make_recorded(dir.path(), deps)) == kAll);
  state::ContainerState st;
  st.isolation = Names{"namespaces", "linux/seccomp"};
  REQUIRE(state::write_record(kernel, dir.path(), st).ok());
  CHECK(state::read_isolator_names(dir.path()) == Names{"namespaces", "linux/seccomp"});
  CHECK(names_of(isolators::make_recorded(dir.path(), deps)) == Names{"namespaces", "linux/seccomp"});
}

namespace {

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) n++;
  return n;
}

std::set<std::string> snapshot(const std::string& root) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root)) out.insert(e.path().string());
  return out;
}

// Every kind a config can ask of an isolator: namespaces new and joined
// (user too), hostname, time offsets, mounts (a cgroup one, an idmapped
// bind), devices, sysctl, rlimits, capabilities, seccomp, resources.
const char* kEverything = R"({"ociVersion":"1.2.0","root":{"path":"/"},"hostname":"h",
  "process":{"args":["sh"],"cwd":"/","rlimits":[{"type":"RLIMIT_NOFILE","hard":100,"soft":50}],
    "capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]}},
  "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
    {"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["ro"]},
    {"destination":"/b","type":"bind","source":"/","options":["rbind","idmap"]}],
  "linux":{"namespaces":[{"type":"mount"},{"type":"pid"},{"type":"uts"},{"type":"user"},{"type":"cgroup"},
      {"type":"time"},{"type":"ipc"},{"type":"network"}],
    "uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
    "gidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
    "timeOffsets":{"monotonic":{"secs":1}},
    "devices":[{"path":"/dev/fuse","type":"c","major":10,"minor":229}],
    "sysctl":{"kernel.shmmax":"1"},
    "resources":{"pids":{"limit":5},"devices":[{"allow":false,"access":"rwm"}]},
    "seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]}}})";

}  // namespace

TEST_CASE("registry: prepare of every isolator has no side effect, over a config that asks for everything") {
  test::FakeCgroupTree cgroups;
  FakeKernel kernel;
  cgroups.attach(kernel);
  test::TempTree root;
  // network/cni finds its network and plugin: a conflist and a program of that name.
  root.mkdirs("net.d");
  root.mkdirs("bin");
  root.write("net.d/10-n.conflist", R"({"cniVersion":"1.0.0","name":"n","plugins":[{"type":"bridge"}]})");
  root.write("bin/bridge", "#!/bin/sh\n");
  std::filesystem::permissions(root.at("bin/bridge"), std::filesystem::perms::owner_all);
  std::string text = kEverything;
  text.insert(1, R"("annotations":{"run.berth.image.name":"i","run.berth.cni.networks":"n","run.berth.cni.confDir":")" +
                     root.at("net.d") + R"(","run.berth.cni.binDir":")" + root.at("bin") + R"("},)");
  auto c = spec::parse_config(text);
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message()));
  REQUIRE(chosen(*c) == kAll);
  ContainerContext ctx{*c, "fx", "/tmp", "/", root.at("fx")};
  auto layout = cgroups.layout();
  auto isos = isolators::make(kAll, {kernel, [layout] { return Result<cgroup::Layout>(layout); }, {}});
  auto tree = snapshot(root.path()), cg_tree = snapshot(cgroups.tree.path());
  size_t fds = open_fds();
  std::vector<Fragment> fragments(isos.size());
  for (size_t i = 0; i < isos.size(); i++) {
    Status s = isos[i]->prepare(ctx, fragments[i]);
    std::string why = std::string(isos[i]->name()) + ": " + (s.ok() ? "" : s.error().message());
    REQUIRE_MESSAGE(s.ok(), why);
  }
  CHECK(kernel.calls.empty());
  CHECK(open_fds() == fds);              // no fd held: the launcher acquires them after the claim
  CHECK(snapshot(root.path()) == tree);  // no seccomp cache written, no state
  CHECK(snapshot(cgroups.tree.path()) == cg_tree);
  // What they asked for is all there, as data.
  CHECK(fragments[0].mounts.empty());      // filesystem/image: its bundle was made before create
  CHECK(fragments[1].mounts.size() == 1);  // the cgroups isolator's: the tmpfs (the fake tree has no /sys/fs/cgroup)
  CHECK(fragments[2].namespaces.size() == 8);
  CHECK(fragments[4].mounts.size() == 2);
  CHECK(fragments[4].mounts[1].uid_map.size() == 1);
  CHECK(fragments[7].seccomp);
}

TEST_CASE("registry: a change that needs an isolator the container was made without is refused, naming both") {
  // Only what `update` changes counts (this config has no mount namespace,
  // which needs filesystem/linux at create).
  auto check = [](const std::vector<std::string>& names, const spec::Config& c) {
    return isolators::check_needs(names, c, "made without it", "/linux/resources");
  };
  spec::Config change;
  CHECK(check({"namespaces"}, change).ok());  // nothing to change
  change.linux.resources.pids_limit = 10;
  Status s = check({"namespaces", "filesystem/linux"}, change);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().json_path() == "/linux/resources");
  CHECK(s.error().message().find("the isolator cgroups is needed by this field: made without it") != std::string::npos);
  CHECK(check({"cgroups"}, change).ok());
}
