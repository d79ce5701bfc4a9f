// The sysctl rule (runc 1.1.5's validator): which keys need which namespace,
// both sysctl.d(5) key forms, and keys whose path would leave /proc/sys.
#include <doctest/doctest.h>

#include "isolators/filesystem/sysctl_rules.hpp"

using namespace berth;
using berth::isolators::sysctl::OwnNamespaces;
namespace sysctl = berth::isolators::sysctl;

namespace {

bool allowed(const char* key, OwnNamespaces own) { return sysctl::check(key, own).ok(); }

std::string path_of_refusal(const char* key, OwnNamespaces own) {
  Status s = sysctl::check(key, own);
  return s.ok() ? "" : s.error().json_path();
}

}  // namespace

TEST_CASE("sysctl: ipc keys need an ipc namespace of the container's own") {
  for (const char* k : {"kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
                        "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced", "fs.mqueue.queues_max"}) {
    CHECK(allowed(k, {.ipc = true}));
    CHECK_FALSE(allowed(k, {.net = true, .uts = true}));
  }
}

TEST_CASE("sysctl: net.* needs a network namespace other than the runtime's") {
  CHECK(allowed("net.ipv4.ip_forward", {.net = true}));
  CHECK(path_of_refusal("net.ipv4.ip_forward", {.ipc = true, .uts = true}) == "/linux/sysctl/net.ipv4.ip_forward");
}

TEST_CASE("sysctl: with a uts namespace kernel.domainname is allowed and kernel.hostname refused") {
  CHECK(allowed("kernel.domainname", {.uts = true}));
  CHECK_FALSE(allowed("kernel.domainname", {.ipc = true, .net = true}));
  Status s = sysctl::check("kernel.hostname", {.uts = true});
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().json_path() == "/linux/sysctl/kernel.hostname");
  CHECK(s.error().message().find("hostname") != std::string::npos);
  CHECK_FALSE(allowed("kernel.hostname", {}));
}

TEST_CASE("sysctl: a key that is not namespaced is refused whatever the namespaces") {
  OwnNamespaces all{.ipc = true, .net = true, .uts = true};
  CHECK_FALSE(allowed("vm.swappiness", all));
  CHECK_FALSE(allowed("kernel.pid_max", all));
  CHECK_FALSE(allowed("fs.file-max", all));
}

TEST_CASE("sysctl: slash-separated keys follow sysctl.d(5); their json path escapes '/'") {
  CHECK(sysctl::dotted("net/ipv4/conf/eth0.1/rp_filter") == "net.ipv4.conf.eth0/1.rp_filter");
  CHECK(sysctl::dotted("net.ipv4.conf.eth0/1.rp_filter") == "net.ipv4.conf.eth0/1.rp_filter");
  CHECK(allowed("net/ipv4/ip_forward", {.net = true}));
  CHECK(allowed("kernel/domainname", {.uts = true}));
  CHECK(path_of_refusal("vm/swappiness", {.net = true}) == "/linux/sysctl/vm~1swappiness");
}

TEST_CASE("sysctl: a key whose path leaves /proc/sys or is empty in a part is refused") {
  OwnNamespaces all{.ipc = true, .net = true, .uts = true};
  CHECK_FALSE(allowed("net/../../sysrq-trigger", all));
  CHECK_FALSE(allowed("net.ipv4..ip_forward", all));
  CHECK_FALSE(allowed("net.ipv4.", all));
  CHECK_FALSE(allowed("net.ipv4.conf.//.x", all));
  CHECK_FALSE(allowed("net./.x", all));
  CHECK(allowed("net.ipv4.conf.a/b.x", all));
  CHECK_FALSE(allowed(("net." + std::string(300, 'a')).c_str(), all));
}
