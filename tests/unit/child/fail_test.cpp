// fail(): the one ChildError a failed step of the init sends on the sync
// channel (step and argument, a positive errno, the json path with its
// index), then _exit(1).
#include <doctest/doctest.h>

#include <cerrno>
#include <string>

#include "libcontainer/child/child.hpp"
#include "tests/unit/child/child_run.hpp"

using namespace berth;
using berth::test::run_in_child;

TEST_CASE("child fail: the error names the step and its argument, errno made positive, the json path indexed") {
  child::ChildPlan p = test::empty_plan();
  auto r = run_in_child(p, [&](int) { child::fail(p, -ENOENT, "mount", "proc on /proc", "/mounts", 3); });
  CHECK(r.status == 1);
  REQUIRE(r.failed);
  CHECK(r.error.sys_errno == ENOENT);
  CHECK(std::string(r.error.step) == "mount proc on /proc");
  CHECK(std::string(r.error.json_path) == "/mounts/3");
}

TEST_CASE("child fail: without an argument, an index or a json path") {
  child::ChildPlan p = test::empty_plan();
  auto r = run_in_child(p, [&](int) { child::fail(p, EACCES, "chdir to cwd", nullptr, "/process/cwd", -1); });
  REQUIRE(r.failed);
  CHECK(r.error.sys_errno == EACCES);
  CHECK(std::string(r.error.step) == "chdir to cwd");
  CHECK(std::string(r.error.json_path) == "/process/cwd");

  auto bare = run_in_child(p, [&](int) { child::fail(p, 0, "pivot_root", nullptr, nullptr, 7); });
  REQUIRE(bare.failed);
  CHECK(bare.error.sys_errno == 0);
  CHECK(std::string(bare.error.step) == "pivot_root");
  CHECK(std::string(bare.error.json_path).empty());
  CHECK(bare.status == 1);
}

TEST_CASE("child fail: a long step is cut to the record's size, still terminated") {
  child::ChildPlan p = test::empty_plan();
  std::string arg(300, 'x');
  auto r = run_in_child(p, [&](int) { child::fail(p, EINVAL, "create mount destination", arg.c_str(), "/mounts", 0); });
  REQUIRE(r.failed);
  std::string step(r.error.step);
  CHECK(step.size() == sizeof r.error.step - 1);
  CHECK(step.rfind("create mount destination xxx", 0) == 0);
}
