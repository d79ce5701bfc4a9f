// Device rules: the v1 lines, the reference semantics (allows), and the v2
// BPF program, which is loaded into a real cgroup2 directory and asked,
// through a child process's open(2)s, the same questions; a real v1 devices
// cgroup is asked them too, so v1 and v2 are seen to answer alike.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "libcontainer/cgroup/device_record.hpp"
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

TEST_CASE("devices: a reset sets the default; allow exceptions cover all the access asked, deny ones any of it") {
  auto rules = spec_rules();
  CHECK(devices::allows(rules, 'c', 1, 3, "rw"));          // /dev/null
  CHECK(devices::allows(rules, 'c', 136, 7, "rw"));        // a pts
  CHECK_FALSE(devices::allows(rules, 'c', 10, 229, "r"));  // /dev/fuse
  CHECK(devices::allows(rules, 'b', 8, 0, "m"));           // mknod of anything
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

// ---- v1: the kernel's state and the lines that change it live ----

namespace {

const std::optional<int64_t> kAny;

// What a v1 cgroup in state s answers (security/device_cgroup.c): on
// deny-all an exception must cover the whole request, on allow-all one
// that overlaps it denies; a wildcard key covers every number.
bool v1_allows(const devices::V1State& s, char type, int64_t major, int64_t minor, uint32_t access) {
  for (const auto& [k, bits] : s.exceptions) {
    if (k.type != type || (k.major != -1 && k.major != major) || (k.minor != -1 && k.minor != minor)) continue;
    if (s.default_allow ? (access & bits) != 0 : (access & ~bits) == 0) return !s.default_allow;
  }
  return s.default_allow;
}

std::vector<std::string> lines(const std::vector<spec::DeviceRule>& rules) {
  std::vector<std::string> out;
  for (const auto& r : rules) out.push_back((r.allow ? "allow " : "deny ") + devices::v1_line(r));
  return out;
}

// Every device, in every mode, both states allow: allowed in `mid` too.
void check_no_window(const devices::V1State& a, const devices::V1State& b, const devices::V1State& mid) {
  for (char type : {'c', 'b'})
    for (int64_t major : {1, 5, 10, 136})
      for (int64_t minor : {0, 3, 5, 237})
        for (uint32_t access = 1; access < 8; access++)
          if (v1_allows(a, type, major, minor, access) && v1_allows(b, type, major, minor, access)) {
            INFO(type, " ", major, ":", minor, " access ", access);
            CHECK(v1_allows(mid, type, major, minor, access));
          }
}

std::vector<spec::DeviceRule> with(std::vector<spec::DeviceRule> rules, const spec::DeviceRule& r) {
  rules.push_back(r);
  return rules;
}

}  // namespace

TEST_CASE("devices: the v1 model resets on any \"a\" line and takes bits only from the exact key, as the kernel") {
  auto s = devices::v1_state({rule(false, "a", kAny, kAny, "rwm"), rule(true, "c", kAny, kAny, "m"),
                              rule(true, "c", 1, 3, "rw"), rule(true, "c", 1, 3, "m")});
  CHECK_FALSE(s.default_allow);
  CHECK(s.exceptions.at({'c', 1, 3}) == (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_WRITE | BPF_DEVCG_ACC_MKNOD));
  devices::v1_apply(s, rule(false, "c", 1, 3, "w"));  // the bits go
  CHECK(s.exceptions.at({'c', 1, 3}) == (BPF_DEVCG_ACC_READ | BPF_DEVCG_ACC_MKNOD));
  devices::v1_apply(s, rule(false, "c", 1, kAny, "rwm"));  // no key c 1:*: nothing changes
  CHECK(s.exceptions.count({'c', 1, 3}) == 1);
  devices::v1_apply(s, rule(false, "c", 1, 3, "rm"));  // no bits left: the exception goes
  CHECK(s.exceptions.count({'c', 1, 3}) == 0);
  devices::v1_apply(s, rule(false, "a", 1, 3, "r"));  // "a 1:3 r" to devices.deny: deny all
  CHECK(s == devices::V1State{false, {}});
  CHECK(devices::v1_state({rule(false, "c", 1, 3, "w")}).default_allow);  // a new cgroup allows all
}

TEST_CASE("devices: v1 changes: a resend writes nothing") {
  auto s = devices::v1_state(spec_rules());
  CHECK(devices::v1_changes({s}, s).empty());
}

TEST_CASE("devices: v1 changes: an added allow is one devices.allow line, its removal one devices.deny line") {
  auto old_rules = spec_rules();
  auto new_rules = with(old_rules, rule(true, "c", 10, 237, "rw"));
  auto a = devices::v1_state(old_rules), b = devices::v1_state(new_rules);
  CHECK(lines(devices::v1_changes({a}, b)) == std::vector<std::string>{"allow c 10:237 rw"});
  CHECK(lines(devices::v1_changes({b}, a)) == std::vector<std::string>{"deny c 10:237 rw"});
}

TEST_CASE("devices: v1 changes: widening lines before narrowing ones, leaving no window") {
  // deny-all: /dev/null loses m, /dev/fuse comes, c 10:237 gains m.
  auto base = with(spec_rules(), rule(true, "c", 10, 237, "rw"));
  auto target = with(with(with(spec_rules(), rule(false, "c", 1, 3, "m")), rule(true, "c", 10, 229, "rwm")),
                     rule(true, "c", 10, 237, "rwm"));
  auto a = devices::v1_state(base), b = devices::v1_state(target);
  auto plan = devices::v1_changes({a}, b);
  CHECK(lines(plan) == std::vector<std::string>{"allow c 10:229 rwm", "allow c 10:237 m", "deny c 1:3 m"});
  auto mid = a;
  for (const auto& r : plan) {
    devices::v1_apply(mid, r);
    check_no_window(a, b, mid);
  }
  CHECK(mid == b);
  // allow-all with deny exceptions: a deny that goes is an allow line, first.
  auto open_a = devices::v1_state({rule(false, "c", 1, 7, "w"), rule(false, "c", 10, 237, "rwm")});
  auto open_b = devices::v1_state({rule(false, "c", 1, 7, "w"), rule(false, "c", 10, 229, "rwm")});
  CHECK(lines(devices::v1_changes({open_a}, open_b)) ==
        std::vector<std::string>{"allow c 10:237 rwm", "deny c 10:229 rwm"});
}

TEST_CASE("devices: v1 changes: a new default is the reset line first, then the exceptions") {
  auto deny_all = devices::v1_state(spec_rules());
  auto allow_all = devices::v1_state({rule(true, "a", kAny, kAny, "rwm"), rule(false, "c", 1, 7, "w")});
  auto plan = devices::v1_changes({deny_all}, allow_all);
  CHECK(lines(plan) == std::vector<std::string>{"allow a *:* rwm", "deny c 1:7 w"});
  auto back = devices::v1_changes({allow_all}, deny_all);
  REQUIRE(back.size() == deny_all.exceptions.size() + 1);
  CHECK(lines(back)[0] == "deny a *:* rwm");
  auto s = allow_all;
  for (const auto& r : back) devices::v1_apply(s, r);
  CHECK(s == deny_all);
  CHECK(lines(devices::v1_changes({}, deny_all))[0] == "deny a *:* rwm");  // unknown: the reset
}

TEST_CASE("devices: v1 changes from an update cut off at any line reach the target from wherever it stopped") {
  auto a = devices::v1_state(with(spec_rules(), rule(true, "c", 10, 237, "rw")));
  auto b = devices::v1_state(with(with(spec_rules(), rule(false, "c", 1, 3, "w")), rule(true, "c", 10, 229, "r")));
  auto c = devices::v1_state(with(with(spec_rules(), rule(true, "c", 10, 237, "m")), rule(true, "c", 10, 229, "rw")));
  auto first = devices::v1_changes({a}, b);
  REQUIRE(first.size() == 3);
  for (size_t cut = 0; cut <= first.size(); cut++) {
    auto s = a;
    for (size_t i = 0; i < cut; i++) devices::v1_apply(s, first[i]);
    auto second = devices::v1_changes({a, b}, c);
    for (const auto& r : second) devices::v1_apply(s, r);
    INFO("cut after ", cut, " lines");
    CHECK(s == c);
  }
}

TEST_CASE("devices: the record keeps each list and where each rule came from") {
  spec::Device fuse{'c', "/dev/fuse", 10, 229, std::nullopt, std::nullopt, std::nullopt};
  spec::Device fifo{'p', "/dev/f", 0, 0, std::nullopt, std::nullopt, std::nullopt};
  auto list = devices::effective_rules({rule(false, "a", kAny, kAny, "rwm")}, {fuse, fifo});
  REQUIRE(list.size() == devices::default_rules().size() + 2);
  CHECK(list.back() == devices::RecordedRule{devices::Origin::Devices, rule(true, "c", 10, 229, "rwm")});
  auto next = devices::replace_resources(list, {rule(true, "c", 10, 237, "rw")});
  CHECK(next.front().rule == rule(true, "c", 10, 237, "rw"));
  CHECK(next.back() == list.back());
  CHECK(next.size() == list.size());
  devices::Record r{{list, next}};
  std::string text = devices::format_record(r);
  CHECK(text.rfind(R"([["resources deny a *:* rwm","default allow c *:* m",)", 0) == 0);
  CHECK(text.find(R"("devices allow c 10:229 rwm"],["resources allow c 10:237 rw",)") != std::string::npos);
  auto back = devices::parse_record(text);
  REQUIRE(back.ok());
  CHECK(back->lists == r.lists);
  for (const char* bad : {"", "[]", R"(["resources deny a *:* rwm"])", R"([["resources deny x *:* rwm"]])",
                          R"([["other allow c 1:3 rwm"]])", R"([["resources allow c 1-3 rwm"]])",
                          R"([["resources allow c 1:3 rwx"]])", R"([["resources allow c 1:3 rw", 7]])"}) {
    INFO(bad);
    CHECK_FALSE(devices::parse_record(bad).ok());
  }
}

// The program in a real cgroup2 dir: a child joins it and opens devices.
namespace {

// One open(2) a child makes in the cgroup under test.
struct Probe {
  const char* name;
  unsigned major, minor;
  int flags;
  const char* access;
};

// Device nodes of our own for the probes, in a temp dir: mknod is ours
// (the test runs outside any device cgroup); opening them is the cgroup's.
void make_nodes(test::TempTree& t, const std::vector<Probe>& probes) {
  for (auto& p : probes) REQUIRE(mknod(t.at(p.name).c_str(), S_IFCHR | 0600, makedev(p.major, p.minor)) == 0);
}

// A child joins the cgroup (its cgroup.procs) and opens each probe: 'y'
// when the open was let through, 'n' for EPERM, the device cgroup's answer.
std::string ask(const std::string& procs, test::TempTree& t, const std::vector<Probe>& probes) {
  int pipefd[2];
  REQUIRE(pipe(pipefd) == 0);
  pid_t pid = fork();
  if (pid == 0) {
    std::ofstream(procs) << getpid() << std::flush;
    for (auto& p : probes) {
      int f = open(t.at(p.name).c_str(), p.flags | O_CLOEXEC);
      char c = (f >= 0 || errno != EPERM) ? 'y' : 'n';
      (void)!write(pipefd[1], &c, 1);
      if (f >= 0) close(f);
    }
    _exit(0);
  }
  close(pipefd[1]);
  std::string answers;
  char buf[64];  // one byte per probe, written as the child goes: read to EOF
  for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;) answers.append(buf, size_t(n));
  waitpid(pid, nullptr, 0);
  close(pipefd[0]);
  REQUIRE(answers.size() == probes.size());
  return answers;
}

std::string expected(const std::vector<spec::DeviceRule>& rules, const std::vector<Probe>& probes) {
  std::string out;
  for (auto& p : probes) out += devices::allows(rules, 'c', p.major, p.minor, p.access) ? 'y' : 'n';
  return out;
}

std::string cgroup2_base() {
  for (const char* c : {"/sys/fs/cgroup/unified", "/sys/fs/cgroup"}) {
    struct statfs fs;
    if (statfs(c, &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC) return c;
  }
  return "";
}

struct RemoveDir {  // also when a REQUIRE ends the test early
  std::string d;
  ~RemoveDir() { rmdir(d.c_str()); }
};

}  // namespace

TEST_CASE("ROOT_ devices: the BPF program, put in place of another on a cgroup2 dir, answers as the rules say") {
  std::string base = cgroup2_base();
  REQUIRE_MESSAGE(!base.empty(), "no cgroup2 mount");
  std::string dir = base + "/berth-unit-devices-" + std::to_string(getpid());
  REQUIRE(mkdir(dir.c_str(), 0755) == 0);
  RemoveDir remove_dir{dir};
  test::TempTree t;
  auto rules = spec_rules();
  rules.push_back(rule(true, "c", 1, 7, "r"));   // /dev/full read-only: default allows it rwm...
  rules.push_back(rule(false, "c", 1, 7, "w"));  // ...and this takes w away again
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  sys::LinuxKernel k;
  // A first program that allows everything, then the rules' in its place.
  Status s = k.replace_device_filter(fd, devices::program({}));
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  s = k.replace_device_filter(fd, devices::program(rules));
  REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  uint32_t ids[8];
  bpf_attr q{};
  q.query.target_fd = uint32_t(fd);
  q.query.attach_type = BPF_CGROUP_DEVICE;
  q.query.prog_ids = uint64_t(uintptr_t(ids));
  q.query.prog_cnt = 8;
  REQUIRE(syscall(SYS_bpf, BPF_PROG_QUERY, &q, sizeof q) == 0);
  CHECK(q.query.prog_cnt == 1);  // the first one was detached
  close(fd);
  std::vector<Probe> probes = {{"null", 1, 3, O_RDWR, "rw"},    {"zero", 1, 5, O_RDONLY, "r"},
                               {"full-r", 1, 7, O_RDONLY, "r"}, {"full-w", 1, 7, O_WRONLY, "w"},
                               {"mem", 1, 1, O_RDONLY, "r"},    {"kmsg", 1, 11, O_RDONLY, "r"}};
  make_nodes(t, probes);
  std::string answers = ask(dir + "/cgroup.procs", t, probes);
  CHECK(answers == expected(rules, probes));
  CHECK(answers[0] == 'y');
  CHECK(answers[3] == 'n');
  CHECK(answers[4] == 'n');
}

// Where a wildcard and an exact rule of opposite kinds meet, or an "a" rule
// is not "a *:* rwm", v1's answer is its own (the last matching rule does
// not simply win): the BPF program must give it too.
TEST_CASE("ROOT_ devices: a v1 devices cgroup and the BPF program answer alike, also where the rules are odd") {
  std::string v2 = cgroup2_base();
  const std::string v1 = "/sys/fs/cgroup/devices";
  struct statfs fs;
  REQUIRE_MESSAGE((!v2.empty() && statfs(v1.c_str(), &fs) == 0 && fs.f_type == CGROUP_SUPER_MAGIC),
                  "needs a v1 devices hierarchy and a cgroup2 mount (a hybrid host)");
  const auto any = std::nullopt;
  const std::vector<std::vector<spec::DeviceRule>> cases = {
      // deny-all, all chars allowed by a wildcard, then a deny of one exact
      // key: v1 has no c 1:3 exception to take it from, /dev/null stays open.
      {rule(false, "a", any, any, "rwm"), rule(true, "c", any, any, "rwm"), rule(false, "c", 1, 3, "rwm")},
      // allow-all, chars denied for writing, then an allow of one key: the
      // same in reverse, /dev/null stays unwritable.
      {rule(false, "c", any, any, "w"), rule(true, "c", 1, 3, "w")},
      // an "a" rule with numbers and partial access is a reset on v1.
      {rule(true, "c", 1, 5, "r"), rule(false, "a", 1, any, "r")},
      // the default spec's rules with a grant and a partial take-back.
      [] {
        auto r = spec_rules();
        r.push_back(rule(true, "c", 1, 7, "rw"));
        r.push_back(rule(false, "c", 1, 7, "w"));
        return r;
      }(),
  };
  std::vector<Probe> probes = {{"null-r", 1, 3, O_RDONLY, "r"}, {"null-w", 1, 3, O_WRONLY, "w"},
                               {"zero", 1, 5, O_RDONLY, "r"},   {"full-r", 1, 7, O_RDONLY, "r"},
                               {"full-w", 1, 7, O_WRONLY, "w"}, {"kmsg", 1, 11, O_RDONLY, "r"}};
  test::TempTree t;
  make_nodes(t, probes);
  sys::LinuxKernel k;
  for (size_t i = 0; i < cases.size(); i++) {
    CAPTURE(i);
    const auto& rules = cases[i];
    std::string name = "/berth-unit-devices-v1-" + std::to_string(getpid()) + "-" + std::to_string(i);
    REQUIRE(mkdir((v1 + name).c_str(), 0755) == 0);
    RemoveDir rm1{v1 + name};
    REQUIRE(mkdir((v2 + name).c_str(), 0755) == 0);
    RemoveDir rm2{v2 + name};
    int fd1 = open((v1 + name).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fd2 = open((v2 + name).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    Status s1 = devices::write_v1(k, fd1, rules);
    Status s2 = k.replace_device_filter(fd2, devices::program(rules));
    close(fd1);
    close(fd2);
    REQUIRE_MESSAGE(s1.ok(), (s1.ok() ? "" : s1.error().message()));
    REQUIRE_MESSAGE(s2.ok(), (s2.ok() ? "" : s2.error().message()));
    std::string on_v1 = ask(v1 + name + "/cgroup.procs", t, probes);
    std::string on_v2 = ask(v2 + name + "/cgroup.procs", t, probes);
    CHECK(on_v1 == expected(rules, probes));
    CHECK(on_v2 == on_v1);
  }
}
