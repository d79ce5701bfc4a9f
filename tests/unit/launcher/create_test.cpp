// create against a FakeKernel: what a successful create leaves (a state
// directory, two processes), and, for each of its kernel calls in turn, that
// a failure injected there is reported and everything before it is undone:
// the state tree, the process table and our fd table are as they were.
#include <doctest/doctest.h>
#include <dirent.h>
#include <sys/stat.h>

#include <filesystem>
#include <set>
#include <string>

#include "isolators/registry.hpp"
#include "libcontainer/launcher/launcher.hpp"
#include "libcontainer/spec/parse.hpp"
#include "tests/unit/cgroup/fake_cgroup_tree.hpp"
#include "tests/unit/fake_kernel.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;
using berth::test::FakeKernel;

namespace {

const char* kConfig = R"({"ociVersion":"1.2.0","root":{"path":"rootfs"},
  "process":{"args":["/bin/true"],"cwd":"/","env":["PATH=/bin"]},
  "linux":{"namespaces":[{"type":"mount"},{"type":"pid"}],"cgroupsPath":"/c1","resources":{"pids":{"limit":10}}}})";

// Every path below root with its type, so "as it was" is a comparison.
std::set<std::string> snapshot(const std::string& root) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(root))
    out.insert(e.path().string() + (e.is_directory() ? "/" : ""));
  return out;
}

size_t open_fds() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator("/proc/self/fd")) n++;
  return n;
}

struct Fixture {
  test::TempTree tree;
  FakeKernel kernel;
  test::FakeCgroupTree cgroups;
  spec::Config config;
  launcher::CreateOptions opts;
  state::Store store{kernel, tree.at("state")};

  Fixture() {
    cgroups.attach(kernel);
    tree.mkdirs("bundle/rootfs");
    tree.mkdirs("state");
    auto c = spec::parse_config(kConfig);
    REQUIRE(c.ok());
    config = std::move(*c);
    opts.id = "c1";
    opts.bundle = tree.at("bundle");
    opts.shim_path = "/nonexistent/berth-shim";
    opts.pid_file = tree.at("bundle/pid");
  }
  Result<launcher::Created> create() {
    auto isos = isolators::make_all(kernel, [layout = cgroups.layout()] { return Result<cgroup::Layout>(layout); });
    return launcher::create(store, opts, config, isos);
  }
};

}  // namespace

TEST_CASE("create: with a scripted init, leaves the state directory, the pid file and two processes") {
  Fixture f;
  auto r = f.create();
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  CHECK(r->pid == 4000001);
  auto tree = snapshot(f.tree.path());
  for (const char* p :
       {"state/c1/", "state/c1/state.json", "state/c1/pids", "state/c1/exec.fifo", "state/c1/shim.sock", "bundle/pid"})
    CHECK_MESSAGE(tree.count(f.tree.at(p)), p);
  CHECK(f.kernel.processes.size() == 2);
  // The init (not the shim) in its cgroup, with the limit.
  CHECK(f.cgroups.read("pids/c1/pids.max") == "10");
  CHECK(f.cgroups.read("pids/c1/cgroup.procs") == "4000001");
  CHECK(f.cgroups.read("unified/c1/cgroup.procs") == "4000001");
}

TEST_CASE("create: a failure injected at each kernel call is reported and leaves nothing behind") {
  size_t total;
  {
    Fixture f;
    REQUIRE(f.create().ok());
    total = f.kernel.calls.size();
  }
  REQUIRE(total >= 9);
  for (size_t n = 1; n <= total; n++) {
    Fixture f;
    f.kernel.fail_at = int(n);
    f.kernel.fail_errno = EIO;
    auto before = snapshot(f.tree.path());
    auto before_cg = snapshot(f.cgroups.tree.path());
    size_t fds = open_fds();
    auto r = f.create();
    std::string call = f.kernel.calls[n - 1].op + " " + f.kernel.calls[n - 1].arg;
    INFO("failed call ", n, ": ", call);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("injected failure") != std::string::npos);
    CHECK(snapshot(f.tree.path()) == before);
    CHECK(snapshot(f.cgroups.tree.path()) == before_cg);
    CHECK(f.kernel.processes.empty());
    CHECK(open_fds() == fds);
  }
}

TEST_CASE("create: an init that fails a step is reported by step and errno, and undone") {
  Fixture f;
  f.kernel.init_script = {FakeKernel::failed("mount proc on /proc", ENOENT, "/mounts/0")};
  auto before = snapshot(f.tree.path());
  auto r = f.create();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("mount proc on /proc") != std::string::npos);
  CHECK(r.error().sys_errno() == ENOENT);
  CHECK(r.error().json_path() == "/mounts/0");
  CHECK(snapshot(f.tree.path()) == before);
  CHECK(f.kernel.processes.empty());
}

TEST_CASE("create: an init that dies during setup is reported and undone") {
  Fixture f;
  f.kernel.init_script = {FakeKernel::msg(child::SyncKind::RuntimeReady)};
  // The scripted init sends nothing more; closing its end is its death.
  f.kernel.close_init_after_script = true;
  auto before = snapshot(f.tree.path());
  auto r = f.create();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("exited during setup") != std::string::npos);
  CHECK(snapshot(f.tree.path()) == before);
  CHECK(f.kernel.processes.empty());
}

TEST_CASE("create: an existing id is refused and the existing container is untouched") {
  Fixture f;
  REQUIRE(f.create().ok());
  auto before = snapshot(f.tree.path());
  auto procs = f.kernel.processes;
  auto r = f.create();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == Code::Exists);
  CHECK(snapshot(f.tree.path()) == before);
  CHECK(f.kernel.processes == procs);
}

TEST_CASE("create: an init that fails before it is placed in its cgroups is reported by its own step") {
  // The init exits at once; the parent's write of its pid to cgroup.procs
  // then fails with ESRCH. The init's report is the error worth showing.
  Fixture f;
  f.kernel.init_script = {FakeKernel::failed("mknod /dev/null", EEXIST, "")};
  size_t n = 0;
  {
    Fixture probe;
    REQUIRE(probe.create().ok());
    for (size_t i = 0; i < probe.kernel.calls.size(); i++)
      if (probe.kernel.calls[i].arg.rfind("cgroup.procs=", 0) == 0 && !n) n = i + 1;
  }
  REQUIRE(n > 0);
  f.kernel.fail_at = int(n);
  f.kernel.fail_errno = ESRCH;
  auto r = f.create();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("mknod /dev/null") != std::string::npos);
  CHECK(r.error().sys_errno() == EEXIST);
}
