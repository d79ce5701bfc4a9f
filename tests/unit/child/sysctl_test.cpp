// linux.sysctl in the init: a key's /proc/sys path in both sysctl.d(5)
// forms, and (ROOT_) the writes in a new network and IPC namespace of a
// forked child, with the error that names the key.
#include "libcontainer/child/sysctl.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>

#include <string>

#include "tests/unit/child/child_run.hpp"

using namespace berth;
using berth::test::run_in_child;

namespace {

std::string path_of(const char* key, size_t cap = 256) {
  char out[256];
  child::sysctl_path(key, out, cap);
  return out;
}

}  // namespace

TEST_CASE("child sysctl: the dotted form swaps dots and slashes, the slashed form stays as is") {
  CHECK(path_of("net.ipv4.ip_forward") == "sys/net/ipv4/ip_forward");
  CHECK(path_of("kernel.msgmax") == "sys/kernel/msgmax");
  CHECK(path_of("net.ipv4.conf.eth0/1.rp_filter") == "sys/net/ipv4/conf/eth0.1/rp_filter");
  CHECK(path_of("net/ipv4/conf/eth0.1/rp_filter") == "sys/net/ipv4/conf/eth0.1/rp_filter");
  CHECK(path_of("fs.mqueue.msg_max") == "sys/fs/mqueue/msg_max");
  CHECK(path_of("net.ipv4.ip_forward", 10) == "sys/net/i");  // cut, terminated
}

TEST_CASE("ROOT_child sysctl: values land in the new network and IPC namespaces, not the host's") {
  std::string host_ttl = test::slurp("/proc/sys/net/ipv4/ip_default_ttl");
  std::string host_msgmax = test::slurp("/proc/sys/kernel/msgmax");
  REQUIRE(!host_ttl.empty());
  child::ChildSysctl s[] = {{"net.ipv4.ip_default_ttl", "42"}, {"kernel/msgmax", "12345"}};
  child::ChildPlan p = test::empty_plan();
  p.sysctls = s;
  p.n_sysctls = 2;
  auto r = run_in_child(
      p,
      [&](int out) {
        int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        child::write_sysctls(p, procfd);
        test::report(out, test::slurp("/proc/sys/net/ipv4/ip_default_ttl") + test::slurp("/proc/sys/kernel/msgmax"));
      },
      CLONE_NEWNET | CLONE_NEWIPC);
  CHECK_FALSE(r.failed);
  CHECK(r.status == 0);
  CHECK(r.report == "42\n12345\n\n");
  CHECK(test::slurp("/proc/sys/net/ipv4/ip_default_ttl") == host_ttl);
  CHECK(test::slurp("/proc/sys/kernel/msgmax") == host_msgmax);
}

TEST_CASE("ROOT_child sysctl: a key procfs does not have fails naming it, as a json pointer token") {
  child::ChildSysctl s[] = {{"net.ipv4.ip_default_ttl", "42"}, {"net/ipv4/no~such", "1"}};
  child::ChildPlan p = test::empty_plan();
  p.sysctls = s;
  p.n_sysctls = 2;
  auto r = run_in_child(
      p,
      [&](int) {
        int procfd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
        child::write_sysctls(p, procfd);
      },
      CLONE_NEWNET);
  REQUIRE(r.failed);
  CHECK(r.status == 1);
  CHECK(r.error.sys_errno == ENOENT);
  CHECK(std::string(r.error.step) == "write sysctl net/ipv4/no~such");
  CHECK(std::string(r.error.json_path) == "/linux/sysctl/net~1ipv4~1no~0such");
}
