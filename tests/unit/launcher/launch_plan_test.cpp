// LaunchPlan::set_env: process.env into the init's envp, with a "HOME=" entry
// the init fills from the container's /etc/passwd when the env has no HOME
// (or an empty one), as runc.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "libcontainer/launcher/launch_plan.hpp"

using namespace berth;

namespace {

std::vector<std::string> envp_of(const LaunchPlan& plan) {
  std::vector<std::string> out;
  for (char* const* e = plan.child.envp; *e; e++) out.emplace_back(*e);
  return out;
}

}  // namespace

TEST_CASE("set_env: a HOME in process.env is kept and no buffer is reserved") {
  LaunchPlan plan;
  plan.set_env({"PATH=/bin", "HOME=/home/me"});
  CHECK(envp_of(plan) == std::vector<std::string>{"PATH=/bin", "HOME=/home/me"});
  CHECK(plan.child.home_buf == nullptr);
}

TEST_CASE("set_env: without HOME the init's buffer is appended, HOME=/ until passwd is read") {
  LaunchPlan plan;
  plan.set_env({"PATH=/bin"});
  CHECK(envp_of(plan) == std::vector<std::string>{"PATH=/bin", "HOME=/"});
  REQUIRE(plan.child.home_buf != nullptr);
  CHECK(plan.child.envp[1] == plan.child.home_buf);
  CHECK(plan.child.home_buf_len >= 5 + 4096 + 1);
}

TEST_CASE("set_env: an empty HOME (the last one counts) is replaced by the buffer in place") {
  LaunchPlan plan;
  plan.set_env({"HOME=/first", "PATH=/bin", "HOME="});
  CHECK(envp_of(plan) == std::vector<std::string>{"HOME=/first", "PATH=/bin", "HOME=/"});
  CHECK(plan.child.envp[2] == plan.child.home_buf);
  LaunchPlan empty;
  empty.set_env({});
  CHECK(envp_of(empty) == std::vector<std::string>{"HOME=/"});
}
