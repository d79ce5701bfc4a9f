// Device rules: the v1 lines, the reference semantics (allows), and the v2
// BPF program, which is loaded into a real cgroup2 directory and asked,
// through a child process's open(2)s, the same questions.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "libcontainer/cgroup/devices.hpp"
#include "libcontainer/sys/linux_kernel.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;
namespace devices = berth::cgroup::devices;

namespace {

spec::DeviceRule rule(bool allow, const char* type, std::optional<int64_t> major, std::optional<int64_t> minor,
                      const char* access) {
  return spec::DeviceRule{allow, type, major, minor, access};
}

// The default spec's: deny everything, then berth's defaults.
std::vector<spec::DeviceRule> spec_rules() {
  std::vector<spec::DeviceRule> rules = {rule(false, "a", std::nullopt, std::nullopt, "rwm")};
  for (auto& r : devices::default_rules()) rules.push_back(r);
  return rules;
}

}  // namespace

TEST_CASE("devices: v1 lines use * for any number") {
  CHECK(devices::v1_line(rule(true, "c", 1, 3, "rwm")) == "c 1:3 rwm");
  CHECK(devices::v1_line(rule(false, "a", std::nullopt, std::nullopt, "rwm")) == "a *:* rwm");
  CHECK(devices::v1_line(rule(true, "c", 136, std::nullopt, "rw")) == "c 136:* rw");
}

TEST_CASE("devices: a reset sets the default, the last matching exception wins, partial access as v1") {
  auto rules = spec_rules();
  CHECK(devices::allows(rules, 'c', 1, 3, "rw"));     // /dev/null
  CHECK(devices::allows(rules, 'c', 136, 7, "rw"));   // a pts
  CHECK_FALSE(devices::allows(rules, 'c', 10, 229, "r"));  // /dev/fuse
  CHECK(devices::allows(rules, 'b', 8, 0, "m"));      // mknod of anything
  CHECK_FALSE(devices::allows(rules, 'b', 8, 0, "r"));
  rules.push_back(rule(true, "c", 10, 229, "r"));
  CHECK(devices::allows(rules, 'c', 10, 229, "r"));
  CHECK_FALSE(devices::allows(rules, 'c', 10, 229, "rw"));  // w is not in the rule
  rules.push_back(rule(false, "c", 1, 3, "w"));
  CHECK(devices::allows(rules, 'c', 1, 3, "r"));
  CHECK_FALSE(devices::allows(rules, 'c', 1, 3, "rw"));  // a deny overlapping the request
  // No reset: everything is allowed but the denied.
  std::vector<spec::DeviceRule> open = {rule(false, "c", 1, 3, "rwm")};
  CHECK(devices::allows(open, 'c', 1, 5, "rw"));
  CHECK_FALSE(devices::allows(open, 'c', 1, 3, "r"));
  // A later reset forgets what came before.
  open.push_back(rule(false, "a", std::nullopt, std::nullopt, "rwm"));
  CHECK_FALSE(devices::allows(open, 'c', 1, 5, "r"));
}

TEST_CASE("devices: the program has one block per exception and ends in the default") {
  auto p = devices::program({rule(false, "a", std::nullopt, std::nullopt, "rwm"), rule(true, "c", 1, 3, "rwm")});
  // 6 loads, a block of type + major + minor + return (5), the default (2).
  CHECK(p.size() == 13);
  CHECK(p.back().code == (BPF_JMP | BPF_EXIT));
  CHECK(p[p.size() - 2].imm == 0);  // default deny
}

// The program in a real cgroup2 dir: a child joins it and opens devices.
TEST_CASE("ROOT_ devices: the BPF program, attached to a cgroup2 dir, answers as the rules say") {
  std::string base;
  for (const char* c : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    struct statfs fs;
    if (statfs(c, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) base = c;
    if (!base.empty()) break;
  }
  REQUIRE_MESSAGE(!base.empty(), "no cgroup2 mount");
  std::string dir = base + "/berth-unit-devices-" + std::to_string(getpid());
  REQUIRE(mkdir(dir.c_str(), 0755) == 0);
  struct RemoveDir {  // also when a REQUIRE below ends the test early
    std::string d;
    ~RemoveDir() { rmdir(d.c_str()); }
  } remove_dir{dir};
  test::TempTree t;
  auto rules = spec_rules();
  rules.push_back(rule(true, "c", 1, 7, "r"));   // /dev/full read-only: default allows it rwm...
  rules.push_back(rule(false, "c", 1, 7, "w"));  // ...and this takes w away again
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  sys::LinuxKernel k;
  Status s = k.attach_device_filter(fd, devices::program(rules));
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  // Device nodes of our own in a temp dir: mknod is allowed by the rules.
  struct Probe {
    const char* name;
    unsigned major, minor;
    int flags;
    const char* access;
  } probes[] = {{"null", 1, 3, O_RDWR, "rw"}, {"zero", 1, 5, O_RDONLY, "r"},
                {"full-r", 1, 7, O_RDONLY, "r"}, {"full-w", 1, 7, O_WRONLY, "w"},
                {"mem", 1, 1, O_RDONLY, "r"},   {"kmsg", 1, 11, O_RDONLY, "r"}};
  for (auto& p : probes) REQUIRE(mknod(t.at(p.name).c_str(), S_IFCHR | 0600, makedev(p.major, p.minor)) == 0);
  int pipefd[2];
  REQUIRE(pipe(pipefd) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    std::ofstream(dir + "/cgroup.procs") << getpid() << std::flush;
    for (auto& p : probes) {
      int f = open(t.at(p.name).c_str(), p.flags | O_CLOEXEC);
      char c = (f >= 0 || errno != EPERM) ? 'y' : 'n';  // EPERM is the device cgroup's answer
      (void)!write(pipefd[1], &c, 1);
      if (f >= 0) close(f);
    }
    _exit(0);
  }
  close(pipefd[1]);
  char answers[16] = {};
  size_t got = 0;  // one byte per probe, written as the child goes: read to EOF
  for (ssize_t n; (n = read(pipefd[0], answers + got, sizeof answers - got)) > 0;) got += size_t(n);
  REQUIRE(got == std::size(probes));
  waitpid(pid, nullptr, 0);
  close(pipefd[0]);
  close(fd);
  for (size_t i = 0; i < std::size(probes); i++) {
    INFO(probes[i].name);
    CHECK((answers[i] == 'y') == devices::allows(rules, 'c', probes[i].major, probes[i].minor, probes[i].access));
  }
  CHECK(answers[0] == 'y');
  CHECK(answers[3] == 'n');
  CHECK(answers[4] == 'n');
}
