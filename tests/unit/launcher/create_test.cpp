// create against a FakeKernel: what a successful create leaves (a state
// directory, two processes), and, for each of its kernel calls in turn, that
// a failure injected there is reported and everything before it is undone:
// the state tree, the process table and our fd table are as they were.
#include <doctest/doctest.h>

#include "tests/unit/launcher/fixture.hpp"

using namespace berth;
using berth::test::FakeKernel;
using berth::test::Fixture;
using berth::test::open_fds;
using berth::test::snapshot;

TEST_CASE("create: with a scripted init, leaves the state directory, the pid file and two processes") {
  Fixture f;
  auto r = f.create();
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  CHECK(r->pid == 4000001);
  auto tree = snapshot(f.tree.path());
  for (const char* p : {"state/c1/", "state/c1/state.json", "state/c1/state.json.tmp", "state/c1/exec.fifo",
                        "state/c1/shim.sock", "bundle/pid"})
    CHECK_MESSAGE(tree.count(f.tree.at(p)), p);
  // Nothing else: one record (and its spare, the previous save).
  CHECK(snapshot(f.tree.at("state/c1")).size() == 4);
  auto st = f.store.read("c1");
  REQUIRE_MESSAGE(st.ok(), (st.ok() ? "" : st.error().message()));
  CHECK(st->shim_pid == 4000000);
  CHECK(st->sections.count("cgroups") == 1);
  CHECK(st->sections.count("devices") == 1);
  // Saved three times: the cgroups journal before its mkdirs, the pids
  // after the spawn, phase "created" at the end; none with fsync (the
  // shim makes the last one durable).
  std::vector<std::string> saves, synced;
  for (const auto& c : f.kernel.calls) {
    if (c.op == "rewrite_file" && c.arg == f.tree.at("state/c1/state.json")) saves.push_back(c.arg);
    if (c.op == "write_file_synced") synced.push_back(c.arg);
  }
  CHECK(saves == std::vector<std::string>(3, f.tree.at("state/c1/state.json")));
  CHECK(synced.empty());
  CHECK(f.kernel.processes.size() == 2);
  // The init (not the shim) in its cgroup, with the limit.
  CHECK(f.cgroups.read("pids/c1/pids.max") == "10");
  CHECK(f.cgroups.read("pids/c1/cgroup.procs") == "4000001");
  CHECK(f.cgroups.read("unified/c1/cgroup.procs") == "4000001");
}

namespace {

// For each kernel call of a create (setup adjusts the fixture): fail it;
// the error must name the failure and everything before it be undone. The
// number of calls walked.
size_t walk_create_failures(const char* config, void (*setup)(Fixture&)) {
  size_t total;
  {
    Fixture f(config);
    setup(f);
    REQUIRE(f.create().ok());
    total = f.kernel.calls.size();
  }
  for (size_t n = 1; n <= total; n++) {
    Fixture f(config);
    setup(f);
    f.kernel.fail_at = int(n);
    f.kernel.fail_errno = EIO;
    auto before = snapshot(f.tree.path());
    auto before_cg = snapshot(f.cgroups.tree.path());
    size_t fds = open_fds();
    auto r = f.create();
    INFO("failed call ", n, ": ", f.kernel.calls[n - 1].op, " ", f.kernel.calls[n - 1].arg);
    REQUIRE_FALSE(r.ok());
    // A hook's error names the hook and keeps the errno.
    CHECK((r.error().message().find("injected failure") != std::string::npos || r.error().sys_errno() == EIO));
    CHECK(snapshot(f.tree.path()) == before);
    CHECK(snapshot(f.cgroups.tree.path()) == before_cg);
    CHECK(f.kernel.processes.empty());
    CHECK(open_fds() == fds);
  }
  return total;
}

}  // namespace

TEST_CASE("create: a failure injected at each kernel call is reported and leaves nothing behind") {
  CHECK(walk_create_failures(test::kTestConfig, [](Fixture&) {}) >= 9);
}

TEST_CASE("create: an init that fails a step is reported by step and errno, and undone") {
  Fixture f;
  f.kernel.init_script = FakeKernel::failed("mount proc on /proc", ENOENT, "/mounts/0");
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
  f.kernel.init_script = [](const child::RuntimeChannel&) {};
  // The scripted init sends nothing; closing its end is its death.
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
  f.kernel.init_script = FakeKernel::failed("mknod /dev/null", EEXIST, "");
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

namespace {

// Every optional step of create at once: a user namespace (id maps, the
// Isolated step), runtime and init hooks (the state memfd), a terminal
// whose master goes to --console-socket.
const char* kFullConfig = R"({"ociVersion":"1.2.0","root":{"path":"rootfs"},
  "process":{"terminal":true,"args":["/bin/true"],"cwd":"/","env":["PATH=/bin"]},
  "hooks":{"prestart":[{"path":"/hooks/pre"}],"createRuntime":[{"path":"/hooks/cr"}],
           "createContainer":[{"path":"/hooks/cc"}]},
  "linux":{"namespaces":[{"type":"mount"},{"type":"pid"},{"type":"user"}],
    "uidMappings":[{"containerID":0,"hostID":100000,"size":1000}],
    "gidMappings":[{"containerID":0,"hostID":100000,"size":1000}],
    "cgroupsPath":"/c1","resources":{"pids":{"limit":10}}}})";

// The init of kFullConfig: ready, then its console (a pipe end will do).
void full_init(const child::RuntimeChannel& c) {
  c.send_runtime_ready();
  int p[2];
  REQUIRE(pipe2(p, O_CLOEXEC) == 0);
  c.send_console(p[0]);
  close(p[0]);
  close(p[1]);
  c.send_created();
}

void full_setup(Fixture& f) {
  f.kernel.init_script = full_init;
  f.opts.console_socket = f.tree.at("console.sock");
}

}  // namespace

TEST_CASE("create: with every optional step, the calls come in the sync channel's order") {
  Fixture f(kFullConfig);
  full_setup(f);
  auto r = f.create();
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  std::vector<std::string> ops;
  for (const auto& c : f.kernel.calls)
    if (c.op == "write_id_map" || c.op == "run_hook" || c.op == "make_memfd" || c.op == "send_fd_to")
      ops.push_back(c.op + " " + c.arg.substr(c.arg.rfind('/') + 1));
  std::vector<std::string> want = {"write_id_map uid_map", "write_id_map gid_map",   "run_hook pre",
                                   "run_hook cr",          "make_memfd berth-state", "send_fd_to ptmx"};
  CHECK(ops == want);
  CHECK(f.kernel.calls[f.kernel.calls.size() - 2].arg == f.opts.console_socket + " /dev/ptmx");
  // prestart sees "created", createRuntime "creating".
  REQUIRE(f.kernel.hook_runs.size() == 2);
  CHECK(f.kernel.hook_runs[0].state.find("\"status\":\"created\"") != std::string::npos);
  CHECK(f.kernel.hook_runs[1].state.find("\"status\":\"creating\"") != std::string::npos);
}

TEST_CASE("create: with every optional step, a failure injected at each kernel call leaves nothing behind") {
  walk_create_failures(kFullConfig, full_setup);
}

TEST_CASE("create: an init that sends a step out of order is refused, naming both steps") {
  Fixture f;
  // Without hooks the CLI waits for nothing between the spawn and created.
  f.kernel.init_script = [](const child::RuntimeChannel& c) { c.send_runtime_ready(); };
  auto r = f.create();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("expected created from the container init, received runtime-ready") !=
        std::string::npos);
  CHECK(f.kernel.processes.empty());
  // With hooks it waits for runtime-ready first.
  Fixture h(kFullConfig);
  full_setup(h);
  h.kernel.init_script = [](const child::RuntimeChannel& c) { c.send_created(); };
  r = h.create();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("expected runtime-ready from the container init, received created") !=
        std::string::npos);
  CHECK(h.kernel.processes.empty());
}

TEST_CASE("create: a terminal's console that never comes is refused before created is taken") {
  Fixture f(kFullConfig);
  f.opts.console_socket = f.tree.at("console.sock");  // the default init sends no console
  auto r = f.create();
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("expected console from the container init, received created") != std::string::npos);
}
