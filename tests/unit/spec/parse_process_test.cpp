// Config parser: the "process" object, field by field, and its error cases.
#include <doctest/doctest.h>
#include <linux/capability.h>
#include <sys/resource.h>

#include "tests/unit/spec/spec_test_util.hpp"

using namespace berth;
using namespace berth::spec;
using namespace berth::spec::test;

TEST_CASE("process: every field is read") {
  Config c = parsed(with_process(R"(
      "terminal":true,"consoleSize":{"height":24,"width":80},
      "user":{"uid":1000,"gid":1001,"umask":18,"additionalGids":[5,2147483647]},
      "args":["/bin/sh","-c","true"],"env":["PATH=/bin","EMPTY="],"cwd":"/home",
      "capabilities":{"bounding":["CAP_CHOWN","CAP_KILL"],"effective":[],"permitted":["CAP_SYS_ADMIN"],
                      "inheritable":["CAP_NET_RAW"],"ambient":["CAP_BPF"]},
      "rlimits":[{"type":"RLIMIT_NOFILE","hard":4096,"soft":1024},
                 {"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615}],
      "noNewPrivileges":true,"apparmorProfile":"docker-default","selinuxLabel":"system_u:system_r:container_t:s0",
      "oomScoreAdj":-500)"));
  REQUIRE(c.process);
  const Process& p = *c.process;
  CHECK(p.terminal);
  REQUIRE(p.console_size);
  CHECK(p.console_size->height == 24);
  CHECK(p.console_size->width == 80);
  CHECK(p.user.uid == 1000);
  CHECK(p.user.gid == 1001);
  CHECK(p.user.umask == 18u);
  CHECK(p.user.additional_gids == std::vector<uint32_t>{5, 2147483647u});
  CHECK(p.args.size() == 3);
  CHECK(p.env == std::vector<std::string>{"PATH=/bin", "EMPTY="});
  CHECK(p.cwd == "/home");
  REQUIRE(p.capabilities);
  CHECK(p.capabilities->bounding == std::vector<int>{CAP_CHOWN, CAP_KILL});
  REQUIRE(p.capabilities->effective);
  CHECK(p.capabilities->effective->empty());
  CHECK(p.capabilities->permitted == std::vector<int>{CAP_SYS_ADMIN});
  CHECK(p.capabilities->inheritable == std::vector<int>{CAP_NET_RAW});
  CHECK(p.capabilities->ambient == std::vector<int>{39});  // CAP_BPF
  REQUIRE(p.rlimits.size() == 2);
  CHECK(p.rlimits[0].resource == RLIMIT_NOFILE);
  CHECK(p.rlimits[0].hard == 4096);
  CHECK(p.rlimits[0].soft == 1024);
  CHECK(p.rlimits[1].type == "RLIMIT_CORE");
  CHECK(p.rlimits[1].hard == UINT64_MAX);
  CHECK(p.no_new_privileges);
  CHECK(p.apparmor_profile == "docker-default");
  CHECK(p.selinux_label == "system_u:system_r:container_t:s0");
  CHECK(p.oom_score_adj == -500);
}

TEST_CASE("process: an absent capability set stays nullopt") {
  Config c = parsed(with_process(R"("capabilities":{"bounding":["CAP_KILL"]})"));
  CHECK(c.process->capabilities->bounding);
  CHECK_FALSE(c.process->capabilities->effective);
  CHECK_FALSE(c.process->capabilities->ambient);
}

TEST_CASE("process: args must be present and non-empty") {
  CHECK_REFUSED(with_process(R"("args":[])"), "/process/args", "at least one");
  CHECK_REFUSED(config(R"("process":{"cwd":"/"})"), "/process/args", "required");
  CHECK_REFUSED(with_process(R"("args":"sh")"), "/process/args", "expected an array, got string");
}

TEST_CASE("process: cwd must be present and absolute") {
  CHECK_REFUSED(config(R"("process":{"args":["sh"]})"), "/process/cwd", "required");
  CHECK_REFUSED(with_process(R"("cwd":"tmp")"), "/process/cwd", "must be an absolute path, got \"tmp\"");
}

TEST_CASE("process: env entries are NAME=VALUE") {
  CHECK_REFUSED(with_process(R"("env":["A=1","NOEQUALS"])"), "/process/env/1", "expected NAME=VALUE");
  CHECK_REFUSED(with_process(R"("env":["=x"])"), "/process/env/0", "expected NAME=VALUE");
}

TEST_CASE("process: uid and gid are unsigned 32-bit integers") {
  CHECK_REFUSED(with_process(R"("user":{"uid":-1})"), "/process/user/uid", "must not be negative");
  CHECK_REFUSED(with_process(R"("user":{"uid":4294967296})"), "/process/user/uid", "range 0-2147483647");
  CHECK_REFUSED(with_process(R"("user":{"gid":"0"})"), "/process/user/gid", "expected an unsigned integer, got string");
  CHECK_REFUSED(with_process(R"("user":{"uid":1.5})"), "/process/user/uid", "expected an integer");
  CHECK_REFUSED(with_process(R"("user":{"uid":1e3})"), "/process/user/uid", "expected an integer");
  CHECK_REFUSED(with_process(R"("user":{"uid":99999999999999999999999})"), "/process/user/uid", "out of range");
  CHECK_REFUSED(with_process(R"("user":{"additionalGids":[1,-2]})"), "/process/user/additionalGids/1",
                "must not be negative");
  CHECK_REFUSED(with_process(R"("user":{"umask":512})"), "/process/user/umask", "at most 0777");
  CHECK_REFUSED(with_process(R"("consoleSize":{"height":-1,"width":1})"), "/process/consoleSize/height",
                "must not be negative");
}

// (uid_t)-1 = 4294967295 means "unchanged" to setresuid: the process would
// stay root. runc 1.1.5: "uids and gids must be in range 0-2147483647".
TEST_CASE("process: uid, gid and additionalGids above 2147483647 are refused") {
  CHECK(parse_config(with_process(R"("user":{"uid":2147483647,"gid":2147483647,"additionalGids":[2147483647]})")).ok());
  for (const char* id : {"2147483648", "4294967294", "4294967295"}) {
    std::string n(id);
    CHECK_REFUSED(with_process(R"("user":{"uid":)" + n + "}"), "/process/user/uid",
                  "uids and gids must be in range 0-2147483647, got " + n);
    CHECK_REFUSED(with_process(R"("user":{"gid":)" + n + "}"), "/process/user/gid", "range 0-2147483647");
    CHECK_REFUSED(with_process(R"("user":{"additionalGids":[1,2,)" + n + "]}"), "/process/user/additionalGids/2",
                  "range 0-2147483647");
  }
}

TEST_CASE("process: capability names are checked with libcap") {
  CHECK_REFUSED(with_process(R"("capabilities":{"bounding":["CAP_TEST"]})"), "/process/capabilities/bounding/0",
                "unknown capability \"CAP_TEST\"");
  CHECK_REFUSED(with_process(R"("capabilities":{"effective":["CAP_KILL","cap_chown"]})"),
                "/process/capabilities/effective/1", "unknown capability \"cap_chown\"");
  CHECK_REFUSED(with_process(R"("capabilities":{"ambient":["12"]})"), "/process/capabilities/ambient/0",
                "unknown capability");
  CHECK_REFUSED(with_process(R"("capabilities":{"permitted":"CAP_KILL"})"), "/process/capabilities/permitted",
                "expected an array");
}

TEST_CASE("process: rlimits are known, unique and soft <= hard") {
  CHECK_REFUSED(with_process(R"("rlimits":[{"type":"RLIMIT_FOO","hard":1,"soft":1}])"), "/process/rlimits/0/type",
                "unknown rlimit \"RLIMIT_FOO\"");
  CHECK_REFUSED(with_process(R"("rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":1},
                                           {"type":"RLIMIT_NOFILE","hard":2,"soft":2}])"),
                "/process/rlimits/1/type", "duplicate rlimit \"RLIMIT_NOFILE\"");
  CHECK_REFUSED(with_process(R"("rlimits":[{"type":"RLIMIT_NOFILE","hard":1,"soft":2}])"), "/process/rlimits/0/soft",
                "soft limit 2 exceeds hard limit 1");
  CHECK_REFUSED(with_process(R"("rlimits":[{"type":"RLIMIT_NOFILE","soft":2}])"), "/process/rlimits/0/hard",
                "required");
  CHECK_REFUSED(with_process(R"("rlimits":[{"type":"RLIMIT_NOFILE","hard":18446744073709551616,"soft":1}])"),
                "/process/rlimits/0/hard", "out of range");
}

TEST_CASE("process: oomScoreAdj is within the kernel's range") {
  CHECK(parsed(with_process(R"("oomScoreAdj":1000)")).process->oom_score_adj == 1000);
  CHECK_REFUSED(with_process(R"("oomScoreAdj":1001)"), "/process/oomScoreAdj", "between -1000 and 1000");
  CHECK_REFUSED(with_process(R"("oomScoreAdj":"5")"), "/process/oomScoreAdj", "expected an integer, got string");
}

TEST_CASE("process: execCPUAffinity is refused as unsupported") {
  for (const char* f : {"execCPUAffinity"}) {
    auto r = parse_config(with_process(std::string("\"") + f + R"(":{"x":1})"));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == Code::Unsupported);
    CHECK(r.error().json_path() == std::string("/process/") + f);
    CHECK(r.error().message().find("not supported yet") != std::string::npos);
  }
  // An empty object asks for nothing.
  CHECK(parse_config(with_process(R"("execCPUAffinity":{})")).ok());
}

TEST_CASE("process: terminal and noNewPrivileges must be booleans") {
  CHECK_REFUSED(with_process(R"("terminal":1)"), "/process/terminal", "expected a boolean, got number");
  CHECK_REFUSED(with_process(R"("noNewPrivileges":"true")"), "/process/noNewPrivileges", "expected a boolean");
}
