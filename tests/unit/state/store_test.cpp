// The state store: id rules, the claim on an id, the record's round trip
// (every section too), the versions it refuses, listing, removal, and the
// status derived from the init and the fifo.
#include <doctest/doctest.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "libcontainer/cgroup/journal.hpp"
#include "libcontainer/child/init_name.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/state/rfc3339.hpp"
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
  s.phase = state::Phase::Created;
  return s;
}

Status write(const state::Store& s, const state::ContainerState& st) {
  return state::write_record(kernel, s.dir(st.id), st);
}

void put(const std::string& path, const std::string& text) { REQUIRE(state::write_file_atomic(path, text).ok()); }

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

TEST_CASE("record: a version this berth does not know is refused, naming it") {
  TempRoot t;
  state::Store s(kernel, t.path());
  REQUIRE(s.claim("c1").ok());
  std::string text = state::format_record(sample("c1"));
  REQUIRE(text.rfind(R"({"berthStateVersion":1,)", 0) == 0);
  put(s.dir("c1") + "/state.json", R"({"berthStateVersion":7,)" + text.substr(23));
  auto r = s.read("c1");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == Code::Unsupported);
  CHECK(r.error().message() == "state of c1: unknown state record version 7 (this berth reads 1)");
  put(s.dir("c1") + "/state.json", R"({"berthStateVersion":"1"})");
  CHECK(s.read("c1").error().message() == R"(state of c1: unknown state record version "1" (this berth reads 1))");
}

TEST_CASE("record: a corrupt one is an error that says so") {
  TempRoot t;
  state::Store s(kernel, t.path());
  REQUIRE(s.claim("c1").ok());
  std::string text = state::format_record(sample("c1"));
  for (std::string bad : {text.substr(0, text.size() / 2), std::string(), std::string("[1]"),
                          std::string(R"({"berthStateVersion":1,"phase":"running"})")}) {
    INFO(bad);
    put(s.dir("c1") + "/state.json", bad);
    auto r = s.read("c1");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == Code::Internal);
    CHECK(r.error().message().rfind("state of c1: corrupt state record: ", 0) == 0);
  }
}

TEST_CASE("record: the state directory of the berth before the record is named, not read") {
  TempRoot t;
  state::Store s(kernel, t.path());
  REQUIRE(s.claim("old").ok());
  // What it wrote: state.json without a version, pids, cgroups, ...
  put(s.dir("old") + "/state.json", R"({"ociVersion":"1.2.0","id":"old","pid":1,"bundle":"/b"})");
  put(s.dir("old") + "/pids", "1 2 3 4\n");
  auto r = s.read("old");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == Code::Unsupported);
  CHECK(r.error().message().find("state of old: a state directory of an older berth") == 0);
  // A create of it cut off before its state.json: the pids file alone.
  REQUIRE(unlink((s.dir("old") + "/state.json").c_str()) == 0);
  CHECK(s.read("old").error().code() == Code::Unsupported);
}

TEST_CASE("record: sections round trip as the JSON their owners wrote, and an in-memory Record saves them") {
  TempRoot t;
  state::Store s(kernel, t.path());
  REQUIRE(s.claim("c1").ok());
  state::Record rec(kernel, s.dir("c1"));
  rec.st = sample("c1");
  rec.put("cgroups", R"([{"kind":"leaf","mount":"/sys/fs/cgroup/pids","path":"/c1"}])");
  rec.put("devices", R"([["default allow c 1:3 rwm"]])");
  rec.put("hostRootfs", R"({"path":"/b/rootfs \"q\"","mountBefore":""})");
  REQUIRE(rec.save().ok());
  auto back = state::Record::load(kernel, s.dir("c1"));
  REQUIRE(back.ok());
  CHECK(back->st.sections == rec.st.sections);
  CHECK(back->section("devices") == R"([["default allow c 1:3 rwm"]])");
  CHECK(back->section("none").empty());
  auto leaves = cgroup::leaves(s.dir("c1"));
  REQUIRE(leaves.size() == 1);
  CHECK(leaves[0].dir() == "/sys/fs/cgroup/pids/c1");
  CHECK(cgroup::read_journal(back->st).size() == 1);
}

TEST_CASE("store: the record's round trip keeps every field") {
  TempRoot t;
  state::Store s(kernel, t.path());
  REQUIRE(s.claim("c1").ok());
  auto in = sample("c1");
  REQUIRE(write(s, in).ok());
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
  CHECK(out->phase == state::Phase::Created);
  CHECK(out->shim_pid == in.shim_pid);
}

TEST_CASE("store: a directory without a record, or with one still \"creating\", is a create in progress") {
  TempRoot t;
  state::Store s(kernel, t.path());
  REQUIRE(s.claim("c1").ok());
  auto r = s.read("c1");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == Code::Busy);
  auto creating = sample("c1");
  creating.phase = state::Phase::Creating;
  REQUIRE(write(s, creating).ok());
  r = s.read("c1");
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == Code::Busy);
  CHECK(r.error().message() == "container c1 is being created");
  auto any = state::read_record(s.dir("c1"));  // what delete --force reads
  REQUIRE(any.ok());
  CHECK(any->pid == creating.pid);
  CHECK(any->phase == state::Phase::Creating);
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
  REQUIRE(write(s, sample("a")).ok());
  REQUIRE(s.remove("a").ok());
  CHECK(s.list_ids() == std::vector<std::string>{"b"});
  CHECK(s.remove("a").ok());  // idempotent
}

TEST_CASE(
    "status: a live init at the gate with the fifo is created; past it, or without, running; exit record is stopped") {
  TempRoot t;
  state::Store s(kernel, t.path());
  REQUIRE(s.claim("c").ok());
  auto st = sample("c");  // this process plays the init
  char name[16] = {};
  prctl(PR_GET_NAME, name);
  REQUIRE(mkfifo((s.dir("c") + "/exec.fifo").c_str(), 0600) == 0);
  prctl(PR_SET_NAME, child::kInitName);
  CHECK(state::current_status(s, st) == state::RunState::Created);
  // The init has exec'd its program (a `start` killed after letting it pass
  // left the fifo): running.
  prctl(PR_SET_NAME, "sleep");
  CHECK(state::current_status(s, st) == state::RunState::Running);
  prctl(PR_SET_NAME, name);
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

TEST_CASE("files: an atomic write over an existing file, synced or not, leaves the new content and no temp file") {
  TempRoot t;
  std::string p = t.path() + "/state.json";
  for (auto sync : {state::Sync::None, state::Sync::File}) {
    REQUIRE(state::write_file_atomic(p, "old", 0600, sync).ok());
    struct stat before;
    REQUIRE(stat(p.c_str(), &before) == 0);
    REQUIRE(state::write_file_atomic(p, "new", 0640, sync).ok());
    auto text = state::read_file(p);
    REQUIRE(text.ok());
    CHECK(*text == "new");
    struct stat after;
    REQUIRE(stat(p.c_str(), &after) == 0);
    CHECK((after.st_mode & 0777) == 0640);
    CHECK(after.st_ino != before.st_ino);  // replaced, not rewritten in place
    CHECK(access((p + ".tmp").c_str(), F_OK) != 0);
    std::filesystem::remove(p);
  }
}

TEST_CASE("files: a rewrite with a spare keeps the old version beside the file and reuses its blocks") {
  TempRoot t;
  std::string p = t.path() + "/state.json";
  REQUIRE(state::write_file_atomic(p, "first, and long", 0600, state::Sync::Spare).ok());
  CHECK(access((p + ".tmp").c_str(), F_OK) != 0);  // nothing replaced: no spare yet
  REQUIRE(state::write_file_atomic(p, "second", 0600, state::Sync::Spare).ok());
  auto now = state::read_file(p), spare = state::read_file(p + ".tmp");
  REQUIRE((now.ok() && spare.ok()));
  CHECK(*now == "second");
  CHECK(*spare == "first, and long");
  struct stat before;
  REQUIRE(stat((p + ".tmp").c_str(), &before) == 0);
  REQUIRE(state::write_file_atomic(p, "3rd", 0640, state::Sync::Spare).ok());
  now = state::read_file(p);
  REQUIRE(now.ok());
  CHECK(*now == "3rd");  // cut to size: nothing of the longer spare is left
  struct stat after;
  REQUIRE(stat(p.c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);  // the spare became the file
  CHECK((after.st_mode & 0777) == 0640);
}

TEST_CASE("store: remove takes every kind of entry and never follows a symlink out") {
  TempRoot t;
  t.mkdirs("root/a/sub/deeper");
  t.mkdirs("outside");
  t.write("outside/keep", "x");
  t.write("root/a/state.json", "{}");
  t.write("root/a/sub/deeper/f", "y");
  REQUIRE(mkfifo(t.at("root/a/exec.fifo").c_str(), 0622) == 0);
  REQUIRE(symlink(t.at("outside").c_str(), t.at("root/a/link").c_str()) == 0);
  REQUIRE(symlink(t.at("outside/keep").c_str(), t.at("root/a/sub/flink").c_str()) == 0);
  state::Store s(kernel, t.at("root"));
  REQUIRE(s.remove("a").ok());
  CHECK_FALSE(std::filesystem::exists(t.at("root/a")));
  CHECK(t.read("outside/keep") == "x");
  CHECK(std::filesystem::exists(t.at("outside")));
}

TEST_CASE("rfc3339: the seconds are strftime's, without its time zone lookup; now has nanoseconds and a Z") {
  for (time_t when : {time_t(0), time_t(951782400), time_t(1796601599), time_t(4102444800)}) {
    tm t;
    gmtime_r(&when, &t);
    char mine[80], theirs[80];
    state::format_utc_seconds(mine, sizeof mine, t);
    strftime(theirs, sizeof theirs, "%Y-%m-%dT%H:%M:%S", &t);
    CHECK(std::string(mine) == theirs);
  }
  std::string now = state::now_rfc3339();
  REQUIRE(now.size() == 30);  // 2026-12-07T04:05:06.123456789Z
  CHECK(now[19] == '.');
  CHECK(now.back() == 'Z');
}
