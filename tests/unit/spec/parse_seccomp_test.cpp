// Config parser: linux.seccomp names, numbers and the NOTIFY listener rule.
#include <doctest/doctest.h>

#include "tests/unit/spec/spec_test_util.hpp"

using namespace berth;
using namespace berth::spec;
using namespace berth::spec::test;

namespace {
std::string seccomp(std::string_view body) {
  return with_linux(std::string(R"("seccomp":{)") + std::string(body) + "}");
}
}  // namespace

TEST_CASE("seccomp: every field is read") {
  Config c = parsed(seccomp(R"(
      "defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":38,
      "architectures":["SCMP_ARCH_X86_64","SCMP_ARCH_X86"],
      "flags":["SECCOMP_FILTER_FLAG_TSYNC","SECCOMP_FILTER_FLAG_LOG","SECCOMP_FILTER_FLAG_SPEC_ALLOW",
               "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"],
      "listenerPath":"/run/agent.sock","listenerMetadata":"meta",
      "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
                  {"names":["personality"],"action":"SCMP_ACT_ERRNO","errnoRet":1,
                   "args":[{"index":0,"value":8,"op":"SCMP_CMP_EQ"},
                           {"index":5,"value":18446744073709551615,"valueTwo":4,"op":"SCMP_CMP_MASKED_EQ"}]},
                  {"names":["mount"],"action":"SCMP_ACT_NOTIFY"}])"));
  REQUIRE(c.linux.seccomp);
  const Seccomp& s = *c.linux.seccomp;
  CHECK(s.default_action == "SCMP_ACT_ERRNO");
  CHECK(s.default_errno_ret == 38u);
  CHECK(s.architectures.size() == 2);
  CHECK(s.flags.size() == 4);
  CHECK(s.listener_path == "/run/agent.sock");
  CHECK(s.listener_metadata == "meta");
  REQUIRE(s.syscalls.size() == 3);
  CHECK(s.syscalls[0].names == std::vector<std::string>{"read", "write"});
  CHECK_FALSE(s.syscalls[0].errno_ret);
  CHECK(s.syscalls[1].errno_ret == 1u);
  REQUIRE(s.syscalls[1].args.size() == 2);
  CHECK(s.syscalls[1].args[0].value == 8);
  CHECK(s.syscalls[1].args[1].index == 5);
  CHECK(s.syscalls[1].args[1].value == UINT64_MAX);
  CHECK(s.syscalls[1].args[1].value_two == 4);
  CHECK(s.syscalls[1].args[1].op == "SCMP_CMP_MASKED_EQ");
  CHECK(s.syscalls[2].action == "SCMP_ACT_NOTIFY");
}

TEST_CASE("seccomp: every action name is known") {
  for (const char* a : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                        "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG"})
    CHECK(parse_config(seccomp(std::string(R"("defaultAction":")") + a + "\"")).ok());
  CHECK_REFUSED(seccomp(R"("defaultAction":"SCMP_ACT_EXPLODE")"), "/linux/seccomp/defaultAction",
                "unknown seccomp action \"SCMP_ACT_EXPLODE\"");
  CHECK_REFUSED(seccomp(R"("architectures":[])"), "/linux/seccomp/defaultAction", "required");
}

TEST_CASE("seccomp: SCMP_ACT_NOTIFY requires listenerPath") {
  CHECK_REFUSED(seccomp(R"("defaultAction":"SCMP_ACT_NOTIFY")"), "/linux/seccomp/defaultAction", "listenerPath");
  CHECK_REFUSED(
      seccomp(R"("defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mount"],"action":"SCMP_ACT_NOTIFY"}])"),
      "/linux/seccomp/syscalls/0/action", "requires /linux/seccomp/listenerPath");
}

TEST_CASE("seccomp: syscalls, args, flags and architectures are checked") {
  std::string base = R"("defaultAction":"SCMP_ACT_ALLOW",)";
  CHECK_REFUSED(seccomp(base + R"("syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}])"),
                "/linux/seccomp/syscalls/0/names", "at least one");
  CHECK_REFUSED(seccomp(base + R"("syscalls":[{"action":"SCMP_ACT_ALLOW"}])"), "/linux/seccomp/syscalls/0/names",
                "required");
  CHECK_REFUSED(seccomp(base + R"("syscalls":[{"names":["read"]}])"), "/linux/seccomp/syscalls/0/action", "required");
  CHECK_REFUSED(seccomp(base + R"("syscalls":[{"names":["read"],"action":"SCMP_ACT_ERRNO","errnoRet":-1}])"),
                "/linux/seccomp/syscalls/0/errnoRet", "must not be negative");
  CHECK_REFUSED(seccomp(base + R"("syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW",
                                  "args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}])"),
                "/linux/seccomp/syscalls/0/args/0/index", "less than 6");
  CHECK_REFUSED(seccomp(base + R"("syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW",
                                  "args":[{"index":0,"value":1,"op":"SCMP_CMP_APPROX"}]}])"),
                "/linux/seccomp/syscalls/0/args/0/op", "unknown seccomp operator \"SCMP_CMP_APPROX\"");
  CHECK_REFUSED(seccomp(base + R"("syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW",
                                  "args":[{"index":0,"value":-1,"op":"SCMP_CMP_EQ"}]}])"),
                "/linux/seccomp/syscalls/0/args/0/value", "must not be negative");
  CHECK_REFUSED(seccomp(base + R"("flags":["SECCOMP_FILTER_FLAG_NEW_LISTENER"])"), "/linux/seccomp/flags/0",
                "unknown seccomp flag");
  CHECK_REFUSED(seccomp(base + R"("architectures":["x86_64"])"), "/linux/seccomp/architectures/0", "SCMP_ARCH_");
}
