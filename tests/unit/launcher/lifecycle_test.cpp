// start, kill and delete (launcher/lifecycle.cpp) against a FakeKernel: the
// state rules (what each refuses in which state, as runc), what each does to
// the processes, hooks and files, and for every kernel call each makes, that
// a failure injected there comes back named and that a `delete --force`
// afterwards still leaves nothing behind.
#include <doctest/doctest.h>

#include "tests/unit/launcher/fixture.hpp"

using namespace berth;
using namespace berth::test;

namespace {

const char* kHooksConfig = R"({"ociVersion":"1.2.0","root":{"path":"rootfs"},
  "process":{"args":["/bin/true"],"cwd":"/","env":["PATH=/bin"]},
  "hooks":{"poststart":[{"path":"/hooks/post1"},{"path":"/hooks/post2"}],"poststop":[{"path":"/hooks/stop"}]},
  "linux":{"namespaces":[{"type":"mount"},{"type":"pid"}],"cgroupsPath":"/c1","resources":{"pids":{"limit":10}}}})";

pid_t init_pid(Fixture& f) { return f.store.read(f.opts.id)->pid; }

// Nothing of the container is left: no state directory, no cgroup, no process.
void check_nothing_left(Fixture& f) {
  CHECK_FALSE(std::filesystem::exists(f.store.dir(f.opts.id)));
  CHECK_FALSE(f.cgroups.exists("pids/c1"));
  CHECK_FALSE(f.cgroups.exists("unified/c1"));
  CHECK(f.kernel.processes.empty());
}

// For each kernel call op makes on a container that setup made: fail it.
// The error must name the injected failure (a call op may tolerate failing
// returns ok), and a `delete --force` afterwards must leave nothing.
template <typename Setup, typename Op>
void walk_failures(Setup setup, Op op) {
  size_t total = Fixture::count_calls(setup, op);
  REQUIRE(total > 0);
  for (size_t n = 1; n <= total; n++) {
    Fixture f;
    setup(f);
    f.kernel.fail_at = int(f.kernel.calls.size() + n);
    Status s = op(f);
    const auto& c = f.kernel.calls[size_t(f.kernel.fail_at) - 1];
    INFO("failed call ", n, " of ", total, ": ", c.op, " ", c.arg);
    if (!s.ok()) CHECK_MESSAGE(s.error().message().find("injected failure") != std::string::npos, s.error().message());
    f.kernel.fail_at = 0;
    Status d = f.remove(true);
    CHECK_MESSAGE(d.ok(), (d.ok() ? "" : d.error().message()));
    check_nothing_left(f);
  }
}

}  // namespace

TEST_CASE("start: opens the gate, removes the fifo, and the container runs") {
  Fixture f(kHooksConfig);
  created(f);
  CHECK(f.status() == state::RunState::Created);
  REQUIRE(f.start().ok());
  CHECK(f.status() == state::RunState::Running);
  CHECK_FALSE(std::filesystem::exists(f.store.dir("c1") + "/exec.fifo"));
  // poststart, in order, with the state saying "running".
  REQUIRE(f.kernel.hook_runs.size() == 2);
  CHECK(f.kernel.hook_runs[0].path == "/hooks/post1");
  CHECK(f.kernel.hook_runs[1].path == "/hooks/post2");
  CHECK(f.kernel.hook_runs[0].state.find("\"status\":\"running\"") != std::string::npos);
}

TEST_CASE("start: a failing poststart hook is a warning; the others run and the container keeps running") {
  Fixture f(kHooksConfig);
  created(f);
  f.kernel.hook_status["/hooks/post1"] = 1 << 8;  // exit status 1
  REQUIRE(f.start().ok());
  CHECK(f.kernel.hook_runs.size() == 2);
  REQUIRE(f.warnings.size() == 1);
  CHECK(f.warnings[0].find("/hooks/post1 failed with status 1") != std::string::npos);
  CHECK(f.status() == state::RunState::Running);
}

TEST_CASE("start: a container already running or stopped is refused, and nothing is signalled") {
  Fixture f;
  running(f);
  Status s = f.start();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == Code::Busy);
  CHECK(s.error().message().find("already running") != std::string::npos);
  REQUIRE(f.kill(SIGKILL).ok());
  s = f.start();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message().find("has stopped") != std::string::npos);
  CHECK(f.kernel.signals.size() == 1);
}

TEST_CASE("start: a failing startContainer hook is reported by its step, and the init is stopped") {
  Fixture f;
  created(f);
  f.kernel.start_report = child::StartReport{0, FakeKernel::child_error("startContainer hook /x", 0, "/hooks/x/0")};
  Status s = f.start();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message().find("startContainer hook /x") != std::string::npos);
  CHECK(s.error().json_path() == "/hooks/x/0");
  CHECK(f.status() == state::RunState::Stopped);
}

TEST_CASE("kill: signals the init; a stopped container is refused") {
  Fixture f;
  running(f);
  pid_t init = init_pid(f);
  REQUIRE(f.kill(SIGTERM).ok());
  REQUIRE(f.kernel.signals.size() == 1);
  CHECK(f.kernel.signals[0].pid == init);
  CHECK(f.kernel.signals[0].sig == SIGTERM);
  CHECK(f.status() == state::RunState::Running);
  REQUIRE(f.kill(SIGKILL).ok());
  CHECK(f.status() == state::RunState::Stopped);
  Status s = f.kill(SIGTERM);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == Code::Busy);
  CHECK(s.error().message().find("container not running") != std::string::npos);
  CHECK(f.kernel.signals.size() == 2);
}

TEST_CASE("kill: a created container can be signalled too (runc)") {
  Fixture f;
  created(f);
  REQUIRE(f.kill(SIGKILL).ok());
  CHECK(f.status() == state::RunState::Stopped);
}

TEST_CASE("delete: a running container is refused without --force and untouched") {
  Fixture f;
  running(f);
  auto before = snapshot(f.tree.path());
  auto procs = f.kernel.processes;
  Status s = f.remove(false);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == Code::Busy);
  CHECK(s.error().message().find("that is not stopped: running") != std::string::npos);
  CHECK(snapshot(f.tree.path()) == before);
  CHECK(f.kernel.processes == procs);
}

TEST_CASE("delete: a created container goes without --force, its init killed (as runc)") {
  Fixture f;
  created(f);
  REQUIRE(f.remove(false).ok());
  check_nothing_left(f);
}

TEST_CASE("delete --force: kills the init, stops the shim, runs poststop, removes everything") {
  Fixture f(kHooksConfig);
  running(f);
  f.kernel.hook_runs.clear();
  REQUIRE(f.remove(true).ok());
  check_nothing_left(f);
  REQUIRE(f.kernel.hook_runs.size() == 1);
  CHECK(f.kernel.hook_runs[0].path == "/hooks/stop");
  CHECK(f.kernel.hook_runs[0].state.find("\"status\":\"stopped\"") != std::string::npos);
  // The shim was asked to stop, not killed.
  CHECK(f.kernel.signals.size() == 1);
}

TEST_CASE("delete: a stopped container goes without --force; a failing poststop hook is a warning") {
  Fixture f(kHooksConfig);
  running(f);
  REQUIRE(f.kill(SIGKILL).ok());
  f.kernel.hook_status["/hooks/stop"] = 2 << 8;
  REQUIRE(f.remove(false).ok());
  check_nothing_left(f);
  REQUIRE(f.warnings.size() == 1);
  CHECK(f.warnings[0].find("/hooks/stop failed with status 2") != std::string::npos);
}

TEST_CASE("delete: a shim that does not answer is killed") {
  auto stopped = [](Fixture& f) {
    running(f);
    REQUIRE(f.kill(SIGKILL).ok());
  };
  // Where the request to the shim comes among delete's calls, on a twin.
  size_t nth = 0;
  {
    Fixture probe;
    stopped(probe);
    size_t from = probe.kernel.calls.size();
    REQUIRE(probe.remove(false).ok());
    for (size_t j = from; j < probe.kernel.calls.size() && !nth; j++)
      if (probe.kernel.calls[j].op == "request_line") nth = j - from + 1;
  }
  REQUIRE(nth > 0);
  Fixture f;
  stopped(f);
  pid_t shim = f.store.read("c1")->shim_pid;
  f.kernel.fail_errno = ECONNREFUSED;
  f.kernel.fail_at = int(f.kernel.calls.size() + nth);
  REQUIRE(f.remove(false).ok());
  check_nothing_left(f);
  CHECK(f.kernel.signals.back().pid == shim);
  CHECK(f.kernel.signals.back().sig == SIGKILL);
}

TEST_CASE("delete --force: an unknown container is not an error; without --force it is NotFound") {
  Fixture f;
  CHECK(f.remove(true).ok());
  Status s = f.remove(false);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == Code::NotFound);
}

TEST_CASE("start: a failure injected at each kernel call is named, and delete --force still cleans up") {
  walk_failures(created, [](Fixture& f) { return f.start(); });
}

TEST_CASE("kill: a failure injected at each kernel call is named, and delete --force still cleans up") {
  walk_failures(running, [](Fixture& f) { return f.kill(SIGKILL); });
}

TEST_CASE("delete --force: a failure injected at each kernel call is named, and a second one cleans up") {
  walk_failures(running, [](Fixture& f) { return f.remove(true); });
}
