// Config parser: process.scheduler, process.ioPriority, linux.memoryPolicy and
// linux.personality (parse_process_attrs.cpp): names to numbers, and the rules
// the kernel would answer with a bare EINVAL, each refused at its path.
#include <doctest/doctest.h>
#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <sys/personality.h>

#include <linux/sched.h>

#include "libcontainer/spec/known_names.hpp"
#include "tests/unit/spec/spec_test_util.hpp"

using namespace berth;
using namespace berth::spec;
using namespace berth::spec::test;

TEST_CASE("scheduler: every field is read and mapped") {
  Config c = parsed(with_process(R"("scheduler":{"policy":"SCHED_DEADLINE","nice":19,"priority":0,
      "flags":["SCHED_FLAG_RESET_ON_FORK","SCHED_FLAG_RECLAIM"],"runtime":42000,"deadline":100000,"period":1000000})"));
  REQUIRE(c.process->scheduler);
  const Scheduler& s = *c.process->scheduler;
  CHECK(s.policy == SCHED_DEADLINE);
  CHECK(s.nice == 19);
  CHECK(s.flags == (SCHED_FLAG_RESET_ON_FORK | SCHED_FLAG_RECLAIM));
  CHECK(s.runtime == 42000);
  CHECK(s.deadline == 100000);
  CHECK(s.period == 1000000);
  Config f = parsed(with_process(R"("scheduler":{"policy":"SCHED_FIFO","priority":99})"));
  CHECK(f.process->scheduler->policy == SCHED_FIFO);
  CHECK(f.process->scheduler->priority == 99);
  CHECK(parsed(with_process(R"("scheduler":{"policy":"SCHED_BATCH","nice":-20})")).process->scheduler->nice == -20);
}

TEST_CASE("scheduler: policy is required and known; SCHED_ISO is refused by name") {
  CHECK_REFUSED(with_process(R"("scheduler":{"nice":1})"), "/process/scheduler/policy", "required");
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_FOO"})"), "/process/scheduler/policy",
                "unknown policy \"SCHED_FOO\"");
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_ISO"})"), "/process/scheduler/policy",
                "not implemented by Linux");
  CHECK_REFUSED(with_process(R"("scheduler":{})"), "/process/scheduler/policy", "required");
}

TEST_CASE("scheduler: nice, priority and flags are checked per policy") {
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_OTHER","nice":20})"), "/process/scheduler/nice",
                "between -20 and 19");
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_OTHER","priority":5})"), "/process/scheduler/priority",
                "must be 0 for SCHED_OTHER");
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_RR","priority":100})"), "/process/scheduler/priority",
                "between 1 and 99");
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_FIFO"})"), "/process/scheduler/priority", "required");
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_OTHER","flags":["SCHED_FLAG_X"]})"),
                "/process/scheduler/flags/0", "unknown flag \"SCHED_FLAG_X\"");
  CHECK_REFUSED(
      with_process(R"("scheduler":{"policy":"SCHED_OTHER","flags":["SCHED_FLAG_RECLAIM","SCHED_FLAG_RECLAIM"]})"),
      "/process/scheduler/flags/1", "duplicate flag");
}

TEST_CASE("scheduler: runtime, deadline and period belong to SCHED_DEADLINE, in order") {
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_OTHER","runtime":2000})"), "/process/scheduler/runtime",
                "only SCHED_DEADLINE");
  // runtime 0 on another policy is "not set" (the spec's default).
  CHECK(parse_config(with_process(R"("scheduler":{"policy":"SCHED_OTHER","runtime":0})")).ok());
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_DEADLINE","deadline":5000})"),
                "/process/scheduler/runtime", "required");
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_DEADLINE","runtime":0,"deadline":5000})"),
                "/process/scheduler/runtime", "greater than 0");
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_DEADLINE","runtime":100,"deadline":5000})"),
                "/process/scheduler/runtime", "at least 1024");
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_DEADLINE","runtime":6000,"deadline":5000})"),
                "/process/scheduler/runtime", "must not exceed deadline");
  CHECK_REFUSED(with_process(R"("scheduler":{"policy":"SCHED_DEADLINE","runtime":2000,"deadline":5000,"period":4000})"),
                "/process/scheduler/deadline", "must not exceed period");
  // period 0: the kernel takes the deadline.
  CHECK(parse_config(with_process(R"("scheduler":{"policy":"SCHED_DEADLINE","runtime":2000,"deadline":5000})")).ok());
}

TEST_CASE("ioPriority: class and priority are required, priority 0-7") {
  Config c = parsed(with_process(R"("ioPriority":{"class":"IOPRIO_CLASS_IDLE","priority":7})"));
  REQUIRE(c.process->io_priority);
  CHECK(c.process->io_priority->io_class == IOPRIO_CLASS_IDLE);
  CHECK(c.process->io_priority->priority == 7);
  CHECK(
      parsed(with_process(R"("ioPriority":{"class":"IOPRIO_CLASS_RT","priority":0})")).process->io_priority->io_class ==
      IOPRIO_CLASS_RT);
  CHECK_REFUSED(with_process(R"("ioPriority":{"priority":1})"), "/process/ioPriority/class", "required");
  CHECK_REFUSED(with_process(R"("ioPriority":{"class":"IOPRIO_CLASS_BE"})"), "/process/ioPriority/priority",
                "required");
  CHECK_REFUSED(with_process(R"("ioPriority":{"class":"IOPRIO_CLASS_NONE","priority":1})"), "/process/ioPriority/class",
                "unknown value \"IOPRIO_CLASS_NONE\"");
  CHECK_REFUSED(with_process(R"("ioPriority":{"class":"IOPRIO_CLASS_BE","priority":8})"),
                "/process/ioPriority/priority", "between 0 (highest) and 7 (lowest)");
}

TEST_CASE("node list: ranges and single nodes, refused by offset") {
  std::vector<uint64_t> m;
  CHECK(parse_node_list("0-3,7", m) == "");
  CHECK(m[0] == 0x8f);
  CHECK(parse_node_list("64,1023", m) == "");
  CHECK(m[1] == 1);
  CHECK(m[15] == uint64_t(1) << 63);
  CHECK(parse_node_list("", m) == "");
  CHECK(parse_node_list("1024", m).find("beyond 1023") != std::string::npos);
  CHECK(parse_node_list("3-1", m).find("reversed") != std::string::npos);
  CHECK(parse_node_list("1,", m).find("trailing") != std::string::npos);
  CHECK(parse_node_list("a", m).find("offset 0") != std::string::npos);
  CHECK(parse_node_list("1;2", m).find("offset 1") != std::string::npos);
  CHECK(parse_node_list("1--2", m) != "");
  CHECK(parse_node_list("99999999999", m) != "");
}

TEST_CASE("memoryPolicy: modes, flags and nodes are read") {
  Config c =
      parsed(with_linux(R"("memoryPolicy":{"mode":"MPOL_INTERLEAVE","nodes":"2-3","flags":["MPOL_F_STATIC_NODES"]})"));
  REQUIRE(c.linux.memory_policy);
  const MemoryPolicy& mp = *c.linux.memory_policy;
  CHECK(mp.mode == MPOL_INTERLEAVE);
  CHECK(mp.flags == MPOL_F_STATIC_NODES);
  CHECK(mp.nodes == "2-3");
  CHECK(mp.node_mask[0] == 0xc);
  CHECK(parsed(with_linux(R"("memoryPolicy":{"mode":"MPOL_LOCAL"})")).linux.memory_policy->mode == MPOL_LOCAL);
  CHECK(parsed(with_linux(R"("memoryPolicy":{"mode":"MPOL_PREFERRED"})")).linux.memory_policy->mode == MPOL_PREFERRED);
  CHECK(parsed(with_linux(R"("memoryPolicy":{"mode":"MPOL_BIND","nodes":"0","flags":["MPOL_F_NUMA_BALANCING"]})"))
            .linux.memory_policy->flags == MPOL_F_NUMA_BALANCING);
  for (const auto& mode : memory_policy_modes()) {
    std::string nodes = mode == "MPOL_DEFAULT" || mode == "MPOL_LOCAL" ? "" : R"(,"nodes":"0")";
    CHECK_MESSAGE(parse_config(with_linux(R"("memoryPolicy":{"mode":")" + mode + "\"" + nodes + "}")).ok(), mode);
  }
}

TEST_CASE("memoryPolicy: set_mempolicy's rules are checked at their paths") {
  CHECK_REFUSED(with_linux(R"("memoryPolicy":{"nodes":"0"})"), "/linux/memoryPolicy/mode", "required");
  CHECK_REFUSED(with_linux(R"("memoryPolicy":{"mode":"MPOL_RANDOM"})"), "/linux/memoryPolicy/mode", "unknown value");
  CHECK_REFUSED(with_linux(R"("memoryPolicy":{"mode":"MPOL_BIND"})"), "/linux/memoryPolicy/nodes",
                "needs at least one node");
  CHECK_REFUSED(with_linux(R"("memoryPolicy":{"mode":"MPOL_DEFAULT","nodes":"0"})"), "/linux/memoryPolicy/nodes",
                "takes no nodes");
  CHECK_REFUSED(with_linux(R"("memoryPolicy":{"mode":"MPOL_LOCAL","flags":["MPOL_F_STATIC_NODES"]})"),
                "/linux/memoryPolicy/flags", "takes no flags");
  CHECK_REFUSED(
      with_linux(
          R"("memoryPolicy":{"mode":"MPOL_BIND","nodes":"0","flags":["MPOL_F_STATIC_NODES","MPOL_F_RELATIVE_NODES"]})"),
      "/linux/memoryPolicy/flags", "exclude each other");
  CHECK_REFUSED(
      with_linux(R"("memoryPolicy":{"mode":"MPOL_INTERLEAVE","nodes":"0","flags":["MPOL_F_NUMA_BALANCING"]})"),
      "/linux/memoryPolicy/flags", "needs MPOL_BIND or MPOL_PREFERRED_MANY");
  CHECK_REFUSED(with_linux(R"("memoryPolicy":{"mode":"MPOL_BIND","nodes":"0","flags":["MPOL_F_X"]})"),
                "/linux/memoryPolicy/flags/0", "unknown flag");
  CHECK_REFUSED(with_linux(R"("memoryPolicy":{"mode":"MPOL_BIND","nodes":"0-"})"), "/linux/memoryPolicy/nodes",
                "bad node list \"0-\"");
}

TEST_CASE("personality: LINUX and LINUX32; any flag is refused") {
  CHECK(parsed(with_linux(R"("personality":{"domain":"LINUX32"})")).linux.personality->domain == PER_LINUX32);
  CHECK(parsed(with_linux(R"("personality":{"domain":"LINUX","flags":[]})")).linux.personality->domain == PER_LINUX);
  CHECK_REFUSED(with_linux(R"("personality":{})"), "/linux/personality/domain", "required");
  CHECK_REFUSED(with_linux(R"("personality":{"domain":"SVR4"})"), "/linux/personality/domain",
                "unknown value \"SVR4\"");
  CHECK_REFUSED(with_linux(R"("personality":{"domain":"LINUX","flags":["ADDR_NO_RANDOMIZE"]})"),
                "/linux/personality/flags/0", "defines no personality flags");
}
