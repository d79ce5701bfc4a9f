// The state store: id rules, the claim on an id, state.json round trip,
// listing, removal, and the status derived from the init and the fifo.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "libcontainer/state/store.hpp"
#include "libcontainer/sys/linux_kernel.hpp"
#include "libcontainer/sys/proc.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;
using TempRoot = berth::test::TempTree;

namespace {

sys::LinuxKernel kernel;

state::ContainerState sample(const std::string& id) {
  state::ContainerState s;
  s.id = id;
  s.pid = getpid();
  s.init_start_time = sys::process_start_time(getpid());
  s.bundle = "/b";
  s.rootfs = "/b/rootfs";
  s.created = state::now_rfc3339();
  s.annotations = {{"k", "v"}, {"x/y", "\"quoted\""}};
  spec::Hook h;
  h.path = "/bin/true";
  h.args = {"true", "a"};
  h.timeout = 3;
  spec::Hook empty_env;
  empty_env.path = "/bin/env";
  empty_env.env.emplace();
  s.poststop = {h, empty_env};
  return s;
}

}  // namespace

TEST_CASE("id: runc's character set is accepted, everything else refused") {
  CHECK(state::validate_id("abc-1_2.3+x").ok());
  for (const char* bad : {"", ".", "..", "a/b", "a b", "a\nb", "é"}) CHECK_FALSE(state::validate_id(bad).ok());
  CHECK(state::validate_id("..a").ok());
}

TEST_CASE("store: claim is exclusive and reports Exists") {
  TempRoot t;
  state::Store s(kernel, t.path() + "/root");
  auto a = s.claim("c1");
  REQUIRE(a.ok());
  auto b = s.claim("c1");
  REQUIRE_FALSE(b.ok());
  CHECK(b.error().code() == Code::Exists);
}

TEST_CASE("store: state.json round trip keeps every field") {
  TempRoot t;
  state::Store s(kernel, t.path());
  REQUIRE(s.claim("c1").ok());
  auto in = sample("c1");
  REQUIRE(s.write(in).ok());
  auto out = s.read("c1");
  REQUIRE(out.ok());
  CHECK(out->pid == in.pid);
  CHECK(out->init_start_time == in.init_start_time);
  CHECK(out->bundle == "/b");
  CHECK(out->annotations == in.annotations);
  REQUIRE(out->poststop.size() == 2);
  CHECK(out->poststop[0].args == std::vector<std::string>{"true", "a"});
  CHECK(out->poststop[0].timeout == 3);
  // absent env (inherit) and an empty one (none) stay apart
  CHECK_FALSE(out->poststop[0].env);
  REQUIRE(out->poststop[1].env);
  CHECK(out->poststop[1].env->empty());
}

TEST_CASE("store: a directory without state.json is a create in progress") {
  TempRoot t;
  state::Store s(kernel, t.path());
  REQUIRE(s.claim("c1").ok());
  auto r = s.read("c1");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == Code::Busy);
  auto missing = s.read("nope");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code() == Code::NotFound);
  CHECK(missing.error().message() == "container does not exist");
}

TEST_CASE("store: list and remove") {
  TempRoot t;
  state::Store s(kernel, t.path());
  REQUIRE(s.claim("b").ok());
  REQUIRE(s.claim("a").ok());
  CHECK(s.list_ids() == std::vector<std::string>{"a", "b"});
  REQUIRE(s.write(sample("a")).ok());
  REQUIRE(s.remove("a").ok());
  CHECK(s.list_ids() == std::vector<std::string>{"b"});
  CHECK(s.remove("a").ok());  // idempotent
}

TEST_CASE("status: live pid with fifo is created, without is running, exit record is stopped") {
  TempRoot t;
  state::Store s(kernel, t.path());
  REQUIRE(s.claim("c").ok());
  auto st = sample("c");
  REQUIRE(mkfifo((s.dir("c") + "/exec.fifo").c_str(), 0600) == 0);
  CHECK(state::current_status(s, st) == state::RunState::Created);
  unlink((s.dir("c") + "/exec.fifo").c_str());
  CHECK(state::current_status(s, st) == state::RunState::Running);
  st.init_start_time += 1;  // a recycled pid is not our init
  CHECK(state::current_status(s, st) == state::RunState::Stopped);
  st.init_start_time -= 1;
  REQUIRE(state::write_file_atomic(s.dir("c") + "/exit.json", R"({"exitCode":3,"signal":0,"exitedAt":"t"})").ok());
  CHECK(state::current_status(s, st) == state::RunState::Stopped);
  auto rec = state::read_exit_record(s.dir("c"));
  REQUIRE(rec);
  CHECK(rec->exit_code == 3);
}

TEST_CASE("state json: stopped containers report pid 0 and annotations are kept") {
  auto st = sample("c");
  std::string j = state::oci_state_json(st, state::RunState::Stopped, false);
  CHECK(j.find("\"pid\":0") != std::string::npos);
  CHECK(j.find("\"status\":\"stopped\"") != std::string::npos);
  CHECK(j.find("\"x/y\":\"\\\"quoted\\\"\"") != std::string::npos);
}
