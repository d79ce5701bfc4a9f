// Hooks run from child code: run_hook_raw (the state on stdin, the exit
// status, the timeout), run_hooks' ChildError for each way a hook fails,
// and the start gate: the init blocks on exec.fifo until `start` reads it,
// runs the startContainer hooks with the state patched to "created" and
// writes one StartReport.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/start_gate.hpp"
#include "libcontainer/child/start_hooks.hpp"
#include "tests/unit/child/child_run.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;

namespace {

// A ChildHook running `sh -c SCRIPT` (its strings owned here).
struct Hook {
  std::vector<std::string> args;
  std::vector<char*> argv;
  char* envp[2] = {const_cast<char*>("PATH=/usr/bin:/bin"), nullptr};
  child::ChildHook raw{};
  Hook(const std::string& script, int timeout_s = 0, int json_index = 0, const char* path = "/bin/sh")
      : args{path, "-c", script} {
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    raw = {path, argv.data(), envp, timeout_s, json_index};
  }
  Hook(const Hook&) = delete;
};

struct HooksRun {
  bool ok;
  child::ChildError err;
};

HooksRun run_hooks(const std::vector<const Hook*>& hooks, const std::string& state = "{}") {
  std::vector<child::ChildHook> raw;
  for (const Hook* h : hooks) raw.push_back(h->raw);
  HooksRun r{};
  r.ok = child::run_hooks(raw.data(), raw.size(), "createContainer", state.data(), state.size(), &r.err);
  return r;
}

}  // namespace

TEST_CASE("child hooks: a hook gets the state on its stdin and its exit status is returned") {
  test::TempTree t;
  Hook h("cat > " + t.at("stdin") + "; exit 3");
  std::string state = R"({"ociVersion":"1.2.0","id":"c1","status":"creating"})";
  int st = -1;
  REQUIRE(child::run_hook_raw(h.raw.path, h.raw.argv, h.raw.envp, 0, state.data(), state.size(), &st) == 0);
  CHECK(WIFEXITED(st));
  CHECK(WEXITSTATUS(st) == 3);
  CHECK(test::slurp(t.at("stdin")) == state);
}

TEST_CASE("child hooks: a hook that never reads a large state neither blocks nor kills the caller") {
  Hook h("exit 0");
  std::string state(1 << 20, 'x');  // far beyond a socket buffer
  int st = -1;
  REQUIRE(child::run_hook_raw(h.raw.path, h.raw.argv, h.raw.envp, 0, state.data(), state.size(), &st) == 0);
  CHECK(st == 0);
}

TEST_CASE("child hooks: a hook past its timeout is killed and reported as timed out") {
  Hook h("exec sleep 100", 1, 4);  // one second: the shortest timeout there is
  HooksRun r = run_hooks({&h});
  CHECK_FALSE(r.ok);
  CHECK(r.err.sys_errno == 0);
  CHECK(std::string(r.err.step) == "createContainer hook /bin/sh timed out after 1s");
  CHECK(std::string(r.err.json_path) == "/hooks/createContainer/4");
}

TEST_CASE("child hooks: run_hooks says how each kind of failure happened") {
  Hook status("exit 7", 0, 2);
  HooksRun r = run_hooks({&status});
  CHECK_FALSE(r.ok);
  CHECK(std::string(r.err.step) == "createContainer hook /bin/sh failed with status 7");
  CHECK(std::string(r.err.json_path) == "/hooks/createContainer/2");
  CHECK(r.err.sys_errno == 0);

  Hook signal("kill -KILL $$", 0, 0);
  r = run_hooks({&signal});
  CHECK(std::string(r.err.step) == "createContainer hook /bin/sh failed with status 137");

  Hook missing("", 0, 1, "/nonexistent/hook");
  r = run_hooks({&missing});
  CHECK_FALSE(r.ok);
  CHECK(r.err.sys_errno == ENOENT);
  CHECK(std::string(r.err.step) == "createContainer hook /nonexistent/hook: cannot execute");
  CHECK(std::string(r.err.json_path) == "/hooks/createContainer/1");
}

TEST_CASE("child hooks: hooks run in order and stop at the first failure") {
  test::TempTree t;
  Hook first("echo 1 >> " + t.at("log"), 0, 0);
  Hook failing("echo 2 >> " + t.at("log") + "; exit 1", 0, 1);
  Hook never("echo 3 >> " + t.at("log"), 0, 2);
  HooksRun r = run_hooks({&first, &failing, &never});
  CHECK_FALSE(r.ok);
  CHECK(std::string(r.err.json_path) == "/hooks/createContainer/1");
  CHECK(test::slurp(t.at("log")) == "1\n2\n");
  HooksRun all = run_hooks({&first, &never});
  CHECK(all.ok);
  CHECK(test::slurp(t.at("log")) == "1\n2\n1\n3\n");
}

namespace {

struct Gate {
  test::TempTree t;
  child::ChildPlan p = test::empty_plan();
  std::string state = R"({"ociVersion":"1.2.0","id":"c1","status":"creating","pid":1})";
  Gate() {
    REQUIRE(mkfifo(t.at("exec.fifo").c_str(), 0600) == 0);
    p.fifo_fd = open(t.at("exec.fifo").c_str(), O_PATH | O_CLOEXEC);
    REQUIRE(p.fifo_fd >= 0);
  }
  ~Gate() { close(p.fifo_fd); }

  child::StartReport rep{};
  bool received = false;  // a whole StartReport came

  // The init at the gate in a child, with one startContainer hook; the test
  // plays `start`: it opens the fifo for reading and takes the report.
  test::ChildOutcome pass(const Hook& hook) {
    p.start_container_hooks = const_cast<child::ChildHook*>(&hook.raw);
    p.n_start_container_hooks = 1;
    return test::run_in_child(
        p,
        [&](int out) {
          child::start_hooks::arm(state.data(), state.size());
          int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
          child::pass_start_gate(p, procfd);
          test::report(out, "passed");
        },
        0,
        [&](pid_t pid) {
          int fifo = open(t.at("exec.fifo").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
          int pidfd = int(syscall(SYS_pidfd_open, pid, 0));
          pollfd fds[2] = {{fifo, POLLIN, 0}, {pidfd, POLLIN, 0}};
          while (poll(fds, 2, -1) < 0 && errno == EINTR) {
          }
          received = read(fifo, &rep, sizeof rep) == ssize_t(sizeof rep);
          close(pidfd);
          close(fifo);
        });
  }
};

}  // namespace

TEST_CASE("child start gate: opens when start reads, reports ok, and the hooks see \"created\"") {
  Gate g;
  Hook h("cat > " + g.t.at("stdin"));
  auto r = g.pass(h);
  REQUIRE(g.received);
  CHECK(g.rep.ok == 1);
  CHECK(r.status == 0);
  CHECK(r.report == "passed\n");
  CHECK(test::slurp(g.t.at("stdin")) == R"({"ociVersion":"1.2.0","id":"c1","status":"created" ,"pid":1})");
}

TEST_CASE("child start gate: a failing startContainer hook is reported and the init goes no further") {
  Gate g;
  Hook h("exit 2", 0, 0);
  auto r = g.pass(h);
  REQUIRE(g.received);
  CHECK(g.rep.ok == 0);
  CHECK(std::string(g.rep.error.step) == "startContainer hook /bin/sh failed with status 2");
  CHECK(std::string(g.rep.error.json_path) == "/hooks/startContainer/0");
  CHECK(r.status == 1);
  CHECK(r.report.empty());
}
