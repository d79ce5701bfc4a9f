// The process `exec` runs from the container's and the command line
// (runtime/commands.hpp, exec_process), as runc 1.1's exec builds it.
#include <linux/capability.h>
#include <unistd.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "runtime/commands.hpp"

using namespace berth;

namespace {

spec::Process container() {
  spec::Process p;
  p.args = {"sleep", "1000"};
  p.env = {"PATH=/bin", "HOME=/root", "TERM=xterm"};
  p.cwd = "/";
  p.terminal = true;
  p.console_size = spec::ConsoleSize{24, 80};
  p.user.uid = 1;
  p.user.gid = 2;
  p.user.additional_gids = {3};
  p.capabilities = spec::Capabilities{};
  p.capabilities->bounding = std::vector<int>{CAP_CHOWN};
  p.capabilities->effective = std::vector<int>{CAP_CHOWN};
  p.capabilities->permitted = std::vector<int>{CAP_CHOWN};
  p.rlimits = {spec::Rlimit{"RLIMIT_NOFILE", 7, 1024, 1024}};
  p.no_new_privileges = true;
  p.oom_score_adj = 100;
  return p;
}

cli::ExecFlags with_args(std::vector<std::string> args) {
  cli::ExecFlags f;
  f.id = "c";
  f.args = std::move(args);
  return f;
}

bool has(const std::optional<std::vector<int>>& set, int cap) {
  return set && std::count(set->begin(), set->end(), cap) > 0;
}

std::string write_temp(const std::string& text) {
  char path[] = "/tmp/berth-exec-process-XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  REQUIRE(write(fd, text.data(), text.size()) == ssize_t(text.size()));
  close(fd);
  return path;
}

}  // namespace

TEST_CASE("exec process: the container's, with the command line's args and no terminal unless -t") {
  auto p = cli::exec_process(container(), with_args({"sh", "-c", "true"}));
  REQUIRE(p.ok());
  CHECK(p->args == std::vector<std::string>{"sh", "-c", "true"});
  CHECK_FALSE(p->terminal);
  CHECK_FALSE(p->console_size);
  CHECK(p->env == container().env);
  CHECK(p->user.uid == 1);
  CHECK(p->no_new_privileges);
  CHECK(p->rlimits.size() == 1);
  cli::ExecFlags t = with_args({"sh"});
  t.tty = true;
  CHECK(cli::exec_process(container(), t)->terminal);
}

TEST_CASE("exec process: --env replaces a variable of the same name in place, adds the others last") {
  cli::ExecFlags f = with_args({"env"});
  f.env = {"PATH=/x:/bin", "NEW=1", "TERM=dumb", "NEW=2"};
  auto p = cli::exec_process(container(), f);
  REQUIRE(p.ok());
  CHECK(p->env == std::vector<std::string>{"PATH=/x:/bin", "HOME=/root", "TERM=dumb", "NEW=2"});
  f.env = {"NOEQUALS"};
  auto bad = cli::exec_process(container(), f);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().find("--env NOEQUALS") != std::string::npos);
}

TEST_CASE("exec process: --user UID[:GID] in numbers, -g added to the container's gids") {
  cli::ExecFlags f = with_args({"id"});
  f.user = "1000";
  f.additional_gids = {5, 6};
  auto p = cli::exec_process(container(), f);
  REQUIRE(p.ok());
  CHECK(p->user.uid == 1000);
  CHECK(p->user.gid == 2);  // the container's
  CHECK(p->user.additional_gids == std::vector<uint32_t>{3, 5, 6});
  f.user = "1000:1001";
  CHECK(cli::exec_process(container(), f)->user.gid == 1001);
  for (const char* bad : {"root", "1000:wheel", "-1", "", ":5", "1:", "4294967295"}) {
    CAPTURE(std::string(bad));
    f.user = bad;
    if (f.user.empty()) continue;  // no --user
    auto r = cli::exec_process(container(), f);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("--user") != std::string::npos);
  }
  f.user.clear();
  f.additional_gids = {-1};
  CHECK_FALSE(cli::exec_process(container(), f).ok());
}

TEST_CASE("exec process: --cap adds to bounding, effective and permitted; ambient only where inheritable") {
  cli::ExecFlags f = with_args({"true"});
  f.caps = {"CAP_NET_ADMIN", "CAP_KILL"};
  auto base = container();
  base.capabilities->inheritable = std::vector<int>{CAP_KILL};
  auto p = cli::exec_process(base, f);
  REQUIRE(p.ok());
  for (int cap : {CAP_NET_ADMIN, CAP_KILL}) {
    CAPTURE(cap);
    CHECK(has(p->capabilities->bounding, cap));
    CHECK(has(p->capabilities->effective, cap));
    CHECK(has(p->capabilities->permitted, cap));
  }
  CHECK(has(p->capabilities->ambient, CAP_KILL));
  CHECK_FALSE(has(p->capabilities->ambient, CAP_NET_ADMIN));
  CHECK_FALSE(has(p->capabilities->inheritable, CAP_NET_ADMIN));
  CHECK(has(p->capabilities->bounding, CAP_CHOWN));  // the container's stay
  f.caps = {"CAP_FOO"};
  auto bad = cli::exec_process(base, f);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().message().find("--cap CAP_FOO") != std::string::npos);
  f.caps = {"net_admin"};
  CHECK_FALSE(cli::exec_process(base, f).ok());
}

TEST_CASE("exec process: --cwd absolute, --no-new-privs, --apparmor and --process-label set their fields") {
  auto base = container();
  base.no_new_privileges = false;
  cli::ExecFlags f = with_args({"true"});
  f.cwd = "/tmp";
  f.no_new_privs = true;
  f.apparmor = "prof";
  f.process_label = "label";
  auto p = cli::exec_process(base, f);
  REQUIRE(p.ok());
  CHECK(p->cwd == "/tmp");
  CHECK(p->no_new_privileges);
  CHECK(p->apparmor_profile == "prof");
  CHECK(p->selinux_label == "label");
  f.cwd = "tmp";
  CHECK_FALSE(cli::exec_process(base, f).ok());
}

TEST_CASE("exec process: -p process.json; what it leaves out is the container's, as runc's") {
  std::string path =
      write_temp(R"({"args":["echo","hi"],"cwd":"/w","env":["A=1"],"user":{"uid":5,"gid":6},"terminal":true})");
  cli::ExecFlags f;
  f.id = "c";
  f.process = path;
  auto p = cli::exec_process(container(), f);
  REQUIRE(p.ok());
  CHECK(p->args == std::vector<std::string>{"echo", "hi"});
  CHECK(p->cwd == "/w");
  CHECK(p->env == std::vector<std::string>{"A=1"});
  CHECK(p->user.uid == 5);
  CHECK(p->terminal);
  // capabilities, rlimits and oomScoreAdj: the container's; noNewPrivileges: the file's.
  CHECK(has(p->capabilities->bounding, CAP_CHOWN));
  CHECK(p->rlimits.size() == 1);
  CHECK(p->oom_score_adj == 100);
  CHECK_FALSE(p->no_new_privileges);
  // The flags apply on top of it.
  f.env = {"B=2"};
  CHECK(cli::exec_process(container(), f)->env == std::vector<std::string>{"A=1", "B=2"});
  // With a command line too: refused rather than one of them ignored.
  f.args = {"true"};
  CHECK_FALSE(cli::exec_process(container(), f).ok());
  unlink(path.c_str());

  std::string bad = write_temp(R"({"args":[],"cwd":"rel"})");
  f.args.clear();
  f.process = bad;
  auto r = cli::exec_process(container(), f);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("/args") != std::string::npos);
  CHECK(r.error().message().find("/cwd") != std::string::npos);
  unlink(bad.c_str());
  f.process = "/nonexistent/process.json";
  CHECK_FALSE(cli::exec_process(container(), f).ok());
}

TEST_CASE("exec process: a command is required without -p") {
  auto r = cli::exec_process(container(), with_args({}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().message().find("no command") != std::string::npos);
}
