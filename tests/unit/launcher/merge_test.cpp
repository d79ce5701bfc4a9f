// The merge of the isolators' fragments (launcher/merge.hpp): how the kinds
// combine into one plan, and each conflict rule, named by both isolators.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "libcontainer/launcher/merge.hpp"

using namespace berth;
using launcher::Contribution;

namespace {

Fragment::Mount mount(Fragment& f, const char* dest, int json_index, child::MountKind kind = child::MountKind::Fs) {
  Fragment::Mount m;
  m.m.kind = kind;
  m.m.dest = f.arena.str(dest);
  m.m.source = "none";
  m.m.json_index = json_index;
  m.m.userns_fd = m.m.source_fd = -1;
  return m;
}

Status merged(std::vector<Contribution>& parts, LaunchPlan& plan) { return launcher::merge(parts, plan); }

// Merges a and b, expecting a conflict that names both.
void check_conflict(Fragment a, Fragment b, const char* what) {
  std::vector<Contribution> parts;
  parts.push_back({"first/iso", std::move(a)});
  parts.push_back({"second/iso", std::move(b)});
  LaunchPlan plan;
  Status s = merged(parts, plan);
  REQUIRE_FALSE(s.ok());
  INFO(s.error().message());
  CHECK(s.error().code() == Code::Config);
  CHECK(s.error().message().find("first/iso") != std::string::npos);
  CHECK(s.error().message().find("second/iso") != std::string::npos);
  CHECK(s.error().message().find(what) != std::string::npos);
}

}  // namespace

TEST_CASE("merge: fragments combine; mounts follow /mounts, an isolator's own after them") {
  Fragment fs, cg, own;
  fs.mounts.push_back(mount(fs, "/proc", 0));
  fs.mounts.push_back(mount(fs, "/dev", 1));
  fs.mounts.push_back(mount(fs, "/tmp", 3));
  fs.devices.push_back(child::ChildDevice{"/dev/null", S_IFCHR | 0666, makedev(1, 3), 0, 0, -1});
  fs.sysctls.push_back({"net.ipv4.ip_forward", "1"});
  fs.rootfs_readonly = true;
  fs.setup_dev = true;
  cg.mounts.push_back(mount(cg, "/sys/fs/cgroup", 2));
  cg.mounts.push_back(mount(cg, "/sys/fs/cgroup/pids", 2, child::MountKind::Cgroup));
  own.mounts.push_back(mount(own, "/etc/resolv.conf", -1, child::MountKind::Bind));
  own.hostname = "h";
  own.rlimits.push_back({RLIMIT_NOFILE, 10, 20, -1});
  std::vector<Contribution> parts;
  parts.push_back({"own", std::move(own)});
  parts.push_back({"fs", std::move(fs)});
  parts.push_back({"cg", std::move(cg)});
  LaunchPlan plan;
  REQUIRE(merged(parts, plan).ok());
  std::vector<std::string> dests;
  for (const auto& m : plan.mounts) dests.push_back(m.dest);
  CHECK(dests ==
        std::vector<std::string>{"/proc", "/dev", "/sys/fs/cgroup", "/sys/fs/cgroup/pids", "/tmp", "/etc/resolv.conf"});
  CHECK(plan.devices.size() == 1);
  CHECK(plan.sysctls.size() == 1);
  CHECK(plan.rlimits.size() == 1);
  CHECK(plan.child.rootfs_readonly);
  CHECK(plan.child.setup_dev);
  CHECK(std::string(plan.child.hostname) == "h");
  CHECK(plan.child.domainname == nullptr);
}

TEST_CASE("merge: namespaces become clone flags and joins, the user namespace joined first") {
  Fragment f;
  f.namespaces = {{spec::NsType::Mount, "", 0},
                  {spec::NsType::Network, "/proc/self/ns/net", 1},
                  {spec::NsType::Cgroup, "", 2},
                  {spec::NsType::User, "/proc/self/ns/user", 3}};
  std::vector<Contribution> parts;
  parts.push_back({"namespaces", std::move(f)});
  LaunchPlan plan;
  REQUIRE(merged(parts, plan).ok());
  CHECK(plan.child.clone_flags == uint64_t(CLONE_NEWNS));
  CHECK(plan.child.new_cgroupns);
  CHECK_FALSE(plan.child.new_userns);
  REQUIRE(plan.child.n_joins == 2);
  CHECK(plan.child.joins[0].nstype == CLONE_NEWUSER);
  CHECK(plan.child.joins[1].nstype == CLONE_NEWNET);
  CHECK(plan.child.joins[1].json_index == 1);
  CHECK(plan.child.cloner_is_intermediate);
  CHECK_FALSE(plan.child.bind_sources_from_parent);
  // The fds come later, once the id is claimed.
  CHECK(plan.child.joins[0].fd == -1);
  REQUIRE(launcher::acquire_fds(plan).ok());
  CHECK(fcntl(plan.child.joins[0].fd, F_GETFD) == FD_CLOEXEC);
}

TEST_CASE("merge: a new user namespace with a new mount namespace: the parent opens the bind sources") {
  Fragment ns, fs;
  ns.namespaces = {{spec::NsType::Mount, "", 0}, {spec::NsType::User, "", 1}};
  fs.mounts.push_back(mount(fs, "/t", 0));
  fs.mounts.push_back(mount(fs, "/b", 1, child::MountKind::Bind));
  std::vector<Contribution> parts;
  parts.push_back({"namespaces", std::move(ns)});
  parts.push_back({"fs", std::move(fs)});
  LaunchPlan plan;
  REQUIRE(merged(parts, plan).ok());
  CHECK(plan.child.new_userns);
  CHECK(plan.child.bind_sources_from_parent);
  REQUIRE(launcher::acquire_fds(plan).ok());
  CHECK(plan.mounts[0].source_fd == -1);
  CHECK(plan.mounts[1].source_fd > 2);
}

TEST_CASE("merge: the same namespace, device, sysctl or rlimit from two isolators is kept once") {
  Fragment a, b;
  for (Fragment* f : {&a, &b}) {
    f->namespaces.push_back({spec::NsType::Network, "", 0});
    f->devices.push_back(child::ChildDevice{"/dev/fuse", S_IFCHR | 0666, makedev(10, 229), 0, 0, -1});
    f->sysctls.push_back({"net.core.somaxconn", "100"});
    f->rlimits.push_back({RLIMIT_NOFILE, 10, 20, -1});
    f->hostname = "same";
  }
  std::vector<Contribution> parts;
  parts.push_back({"a", std::move(a)});
  parts.push_back({"b", std::move(b)});
  LaunchPlan plan;
  REQUIRE(merged(parts, plan).ok());
  CHECK(plan.child.clone_flags == uint64_t(CLONE_NEWNET));
  CHECK(plan.devices.size() == 1);
  CHECK(plan.sysctls.size() == 1);
  CHECK(plan.rlimits.size() == 1);
}

TEST_CASE("merge: a scalar two isolators set differently is refused, naming both") {
  SUBCASE("hostname") {
    Fragment a, b;
    a.hostname = "one", b.hostname = "two";
    check_conflict(std::move(a), std::move(b), "hostname");
  }
  SUBCASE("root.readonly") {
    Fragment a, b;
    a.rootfs_readonly = true, b.rootfs_readonly = false;
    check_conflict(std::move(a), std::move(b), "root.readonly");
  }
  SUBCASE("capabilities") {
    Fragment a, b;
    a.caps = Fragment::Caps{{1, 1, 1, 0, 0}, 40};
    b.caps = Fragment::Caps{{3, 1, 1, 0, 0}, 40};
    check_conflict(std::move(a), std::move(b), "capabilities");
  }
  SUBCASE("seccomp") {
    Fragment a, b;
    a.seccomp = Fragment::Seccomp{{1, 2, 3, 4, 5, 6, 7, 8}, 0, false, "", ""};
    b.seccomp = Fragment::Seccomp{{8, 7, 6, 5, 4, 3, 2, 1}, 0, false, "", ""};
    check_conflict(std::move(a), std::move(b), "seccomp");
  }
}

TEST_CASE("merge: a namespace asked for two ways is refused, naming both") {
  Fragment a, b;
  a.namespaces.push_back({spec::NsType::Network, "", 0});
  b.namespaces.push_back({spec::NsType::Network, "/var/run/netns/x", -1});
  check_conflict(std::move(a), std::move(b), "namespace network");
}

TEST_CASE("merge: two isolators' mounts on one destination are refused unless both realise /mounts entries") {
  {
    Fragment a, b;
    a.mounts.push_back(mount(a, "/etc/resolv.conf", 4, child::MountKind::Bind));
    b.mounts.push_back(mount(b, "/etc/resolv.conf", -1, child::MountKind::Bind));
    check_conflict(std::move(a), std::move(b), "a mount on /etc/resolv.conf");
  }
  // The config stacks two entries on one destination: both kept, in its order.
  Fragment a, b;
  a.mounts.push_back(mount(a, "/sys/fs/cgroup", 3));
  b.mounts.push_back(mount(b, "/sys/fs/cgroup", 2));
  std::vector<Contribution> parts;
  parts.push_back({"a", std::move(a)});
  parts.push_back({"b", std::move(b)});
  LaunchPlan plan;
  REQUIRE(merged(parts, plan).ok());
  REQUIRE(plan.mounts.size() == 2);
  CHECK(plan.mounts[0].json_index == 2);
  // One isolator stacking its own mounts is its business.
  Fragment c;
  c.mounts.push_back(mount(c, "/x", -1));
  c.mounts.push_back(mount(c, "/x", -1));
  std::vector<Contribution> one;
  one.push_back({"c", std::move(c)});
  LaunchPlan p2;
  CHECK(merged(one, p2).ok());
}

TEST_CASE("merge: a device, a sysctl or an rlimit two isolators give differently is refused, naming both") {
  SUBCASE("device") {
    Fragment a, b;
    a.devices.push_back(child::ChildDevice{"/dev/x", S_IFCHR | 0666, makedev(1, 3), 0, 0, -1});
    b.devices.push_back(child::ChildDevice{"/dev/x", S_IFCHR | 0666, makedev(1, 5), 0, 0, -1});
    check_conflict(std::move(a), std::move(b), "device /dev/x");
  }
  SUBCASE("sysctl") {
    Fragment a, b;
    a.sysctls.push_back({"net.core.somaxconn", "100"});
    b.sysctls.push_back({"net.core.somaxconn", "200"});
    check_conflict(std::move(a), std::move(b), "sysctl net.core.somaxconn");
  }
  SUBCASE("rlimit") {
    Fragment a, b;
    a.rlimits.push_back({RLIMIT_NOFILE, 10, 20, 0});
    b.rlimits.push_back({RLIMIT_NOFILE, 10, 30, -1});
    check_conflict(std::move(a), std::move(b), "rlimit");
  }
}

TEST_CASE("merge: the cgroup the init is cloned into comes from provision; two are refused") {
  std::vector<Contribution> parts;
  parts.push_back({"a", {}});
  parts.push_back({"b", {}});
  LaunchPlan plan;
  REQUIRE(launcher::take_provisioned(parts, plan).ok());
  CHECK(plan.child.cgroup_fd == -1);
  parts[1].fragment.cgroup_fd = 7;
  REQUIRE(launcher::take_provisioned(parts, plan).ok());
  CHECK(plan.child.cgroup_fd == 7);
  parts[0].fragment.cgroup_fd = 8;
  Status s = launcher::take_provisioned(parts, plan);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message().find("a and b") != std::string::npos);
}
