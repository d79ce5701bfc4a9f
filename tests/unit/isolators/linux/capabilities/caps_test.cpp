// Tests for capabilities: the CapSets builder, name tables, and (ROOT_)
// apply_capabilities in a forked child, checked against /proc/self/status.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>

#include "isolators/linux/capabilities/caps.hpp"
#include "libcontainer/child/caps.hpp"

using namespace berth;
using namespace berth::capabilities;

namespace {

constexpr uint64_t bit(int c) { return uint64_t{1} << c; }

struct StatusCaps {
  uint64_t inh = 0, prm = 0, eff = 0, bnd = 0, amb = 0;
};

uint64_t field(const std::string& status, const char* key) {
  size_t at = status.find(key);
  if (at == std::string::npos) return ~uint64_t{0};
  return std::stoull(status.substr(at + std::strlen(key)), nullptr, 16);
}

StatusCaps parse_status(const std::string& s) {
  return {field(s, "CapInh:"), field(s, "CapPrm:"), field(s, "CapEff:"), field(s, "CapBnd:"), field(s, "CapAmb:")};
}

// What the child sends back: apply's result, its step, and /proc/self/status.
// The init applies the builder's masks with child::apply_capabilities.
int apply_capabilities(const CapSets& s, const char** step) {
  return berth::child::apply_capabilities(
      berth::child::CapMasks{s.bounding, s.effective, s.permitted, s.inheritable, s.ambient}, s.last_cap, step);
}

struct ChildReport {
  int rc = 0;
  std::string step;
  StatusCaps caps;
};

// Forks, runs `before` (e.g. setuid), applies `sets` and reports back over a pipe.
ChildReport apply_in_child(
    const CapSets& sets, const std::function<void()>& before = [] {}) {
  int p[2];
  REQUIRE(pipe(p) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    close(p[0]);
    before();
    const char* step = "";
    int rc = apply_capabilities(sets, &step);
    char buf[8192];
    int fd = open("/proc/self/status", O_RDONLY);
    ssize_t n = fd < 0 ? 0 : read(fd, buf, sizeof buf - 1);
    dprintf(p[1], "%d\n%s\n", rc, step);
    if (n > 0 && write(p[1], buf, static_cast<size_t>(n)) < 0) _exit(2);
    _exit(0);
  }
  close(p[1]);
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = read(p[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  close(p[0]);
  int st = 0;
  waitpid(pid, &st, 0);
  ChildReport r;
  size_t nl1 = out.find('\n');
  size_t nl2 = out.find('\n', nl1 + 1);
  REQUIRE(nl2 != std::string::npos);
  r.rc = std::stoi(out.substr(0, nl1));
  r.step = out.substr(nl1 + 1, nl2 - nl1 - 1);
  r.caps = parse_status(out.substr(nl2 + 1));
  return r;
}

}  // namespace

TEST_CASE("caps builder: numbers become bits, absent sets are empty") {
  spec::Capabilities c;
  c.bounding = std::vector<int>{CAP_CHOWN, CAP_NET_BIND_SERVICE, CAP_KILL};
  c.effective = std::vector<int>{CAP_KILL};
  c.ambient = std::vector<int>{};
  CapSets s = cap_sets_from(c, 40);
  CHECK(s.bounding == (bit(CAP_CHOWN) | bit(CAP_NET_BIND_SERVICE) | bit(CAP_KILL)));
  CHECK(s.effective == bit(CAP_KILL));
  CHECK(s.permitted == 0);
  CHECK(s.inheritable == 0);
  CHECK(s.ambient == 0);
  CHECK(s.last_cap == 40);
}

TEST_CASE("caps builder: no capabilities object gives empty sets") {
  CapSets s = cap_sets_from(std::nullopt, 40);
  CHECK(s.bounding == 0);
  CHECK(s.effective == 0);
  CHECK(s.permitted == 0);
  CHECK(s.inheritable == 0);
  CHECK(s.ambient == 0);
}

TEST_CASE("caps builder: caps beyond the kernel's last cap are dropped") {
  spec::Capabilities c;
  c.permitted = std::vector<int>{CAP_CHOWN, 39, 40, 63, 64, -1};
  CHECK(cap_sets_from(c, 38).permitted == bit(CAP_CHOWN));
  CHECK(cap_sets_from(c, 40).permitted == (bit(CAP_CHOWN) | bit(39) | bit(40)));
}

TEST_CASE("caps names: known names stop at the last cap") {
  auto names = known_capability_names(CAP_SYS_ADMIN);
  REQUIRE(names.size() == CAP_SYS_ADMIN + 1);
  CHECK(names.front() == "CAP_CHOWN");
  CHECK(names.back() == "CAP_SYS_ADMIN");
  for (const auto& n : known_capability_names(63)) CHECK(n.rfind("CAP_", 0) == 0);
}

TEST_CASE("caps read_last_cap: reads a plausible value") {
  int last = read_last_cap();
  CHECK(last >= 36);  // CAP_AUDIT_READ (Linux 3.16) at least
  CHECK(last <= 63);
}

TEST_CASE("ROOT_caps apply: sets land exactly in /proc/self/status") {
  int last = read_last_cap();
  REQUIRE(last > 0);
  spec::Capabilities c;
  c.bounding = std::vector<int>{CAP_CHOWN, CAP_KILL, CAP_NET_BIND_SERVICE, CAP_SETPCAP};
  c.permitted = std::vector<int>{CAP_CHOWN, CAP_KILL, CAP_NET_BIND_SERVICE};
  c.effective = std::vector<int>{CAP_CHOWN, CAP_KILL};
  c.inheritable = std::vector<int>{CAP_NET_BIND_SERVICE};
  c.ambient = std::vector<int>{CAP_NET_BIND_SERVICE};
  CapSets s = cap_sets_from(c, last);
  ChildReport r = apply_in_child(s);
  REQUIRE_MESSAGE(r.rc == 0, r.step);
  CHECK(r.caps.bnd == s.bounding);
  CHECK(r.caps.prm == s.permitted);
  CHECK(r.caps.eff == s.effective);
  CHECK(r.caps.inh == s.inheritable);
  CHECK(r.caps.amb == s.ambient);
}

TEST_CASE("ROOT_caps apply: after KEEPCAPS and setuid the sets still apply") {
  int last = read_last_cap();
  REQUIRE(last > 0);
  spec::Capabilities c;
  c.bounding = std::vector<int>{CAP_NET_BIND_SERVICE};
  c.permitted = c.effective = c.inheritable = c.ambient = std::vector<int>{CAP_NET_BIND_SERVICE};
  CapSets s = cap_sets_from(c, last);
  ChildReport r = apply_in_child(s, [] {
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 || setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
  });
  REQUIRE_MESSAGE(r.rc == 0, r.step);
  CHECK(r.caps.bnd == bit(CAP_NET_BIND_SERVICE));
  CHECK(r.caps.eff == bit(CAP_NET_BIND_SERVICE));
  CHECK(r.caps.amb == bit(CAP_NET_BIND_SERVICE));
}

TEST_CASE("ROOT_caps apply: empty sets clear everything") {
  int last = read_last_cap();
  REQUIRE(last > 0);
  ChildReport r = apply_in_child(cap_sets_from(std::nullopt, last));
  REQUIRE_MESSAGE(r.rc == 0, r.step);
  CHECK(r.caps.bnd == 0);
  CHECK(r.caps.prm == 0);
  CHECK(r.caps.eff == 0);
  CHECK(r.caps.amb == 0);
}

TEST_CASE("ROOT_caps apply: a cap outside the current bounding set fails at capset with EPERM") {
  int last = read_last_cap();
  REQUIRE(last > 0);
  // Make CAP_SYS_RESOURCE unavailable whatever the host, then ask for it.
  spec::Capabilities drop;
  drop.bounding = drop.permitted = drop.effective = std::vector<int>{CAP_CHOWN, CAP_SETPCAP};
  spec::Capabilities want;
  want.bounding = std::vector<int>{CAP_CHOWN};
  want.permitted = want.effective = std::vector<int>{CAP_CHOWN, CAP_SYS_RESOURCE};
  CapSets first = cap_sets_from(drop, last);
  ChildReport r = apply_in_child(cap_sets_from(want, last), [first] {
    const char* step = "";
    if (apply_capabilities(first, &step) != 0) _exit(4);
  });
  CHECK(r.rc == -EPERM);
  CHECK(r.step == "capset");
}
