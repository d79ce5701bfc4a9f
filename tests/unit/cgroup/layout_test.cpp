// The cgroup layout parsed from mountinfo and /proc/self/cgroup texts of
// v1, hybrid and v2 hosts, and where a container's cgroup goes.
#include <doctest/doctest.h>

#include "libcontainer/cgroup/layout.hpp"

using namespace berth;

namespace {

// This machine's (MACHINE.md): v1 controllers plus a cgroup2 mount.
const char* kHybridMounts = R"(30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
34 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
38 30 0:35 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
39 30 0:36 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
40 30 0:37 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
41 22 0:35 / /mnt/again rw,relatime - cgroup cgroup rw,pids
)";
const char* kHybridCgroup = "9:name=systemd:/\n8:pids:/\n4:memory:/process_api/abc\n1:cpu:/\n0::/\n";

}  // namespace

TEST_CASE("layout: a hybrid host has its v1 hierarchies first and the cgroup2 mount last") {
  auto l = cgroup::parse_layout(kHybridMounts, kHybridCgroup);
  CHECK(l.mode == cgroup::Mode::Hybrid);
  REQUIRE(l.hierarchies.size() == 5);  // the second pids mount is the same hierarchy
  CHECK(l.hierarchies.back().v2);
  CHECK(l.unified()->mount == "/sys/fs/cgroup/unified");
  REQUIRE(l.find("pids"));
  CHECK(l.find("pids")->mount == "/sys/fs/cgroup/pids");
  CHECK(l.find("memory")->own == "/process_api/abc");
  CHECK(l.find("name=systemd")->mount == "/sys/fs/cgroup/systemd");
  CHECK(l.find("hugetlb")->v2);  // no v1 hierarchy: the cgroup2 mount, which may hold it
  CHECK(cgroup::parse_layout("38 30 0:35 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n", "").find("blkio") ==
        nullptr);
}

TEST_CASE("layout: a pure v2 host finds every controller in the cgroup2 mount") {
  auto l =
      cgroup::parse_layout("25 1 0:22 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate\n", "0::/user.slice/x\n");
  CHECK(l.mode == cgroup::Mode::V2);
  REQUIRE(l.find("pids"));
  CHECK(l.find("pids")->v2);
  CHECK(l.find("pids")->own == "/user.slice/x");
}

TEST_CASE("layout: no cgroup mounts is mode none; a bind of a sub-cgroup strips the mount root") {
  CHECK(cgroup::parse_layout("1 0 8:1 / / rw - ext4 /dev/sda rw\n", "").mode == cgroup::Mode::None);
  auto l =
      cgroup::parse_layout("40 30 0:35 /ctr /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n", "8:pids:/ctr/sub\n");
  CHECK(l.mode == cgroup::Mode::V1);
  CHECK(l.find("pids")->own == "/sub");
}

TEST_CASE("layout: mount points with escaped spaces are read back") {
  auto l = cgroup::parse_layout("40 30 0:35 / /mnt/a\\040b rw - cgroup cgroup rw,pids\n", "");
  REQUIRE(l.find("pids"));
  CHECK(l.find("pids")->mount == "/mnt/a b");
}

TEST_CASE("container path: absolute, relative to our own cgroup, the id by default, never above with ..") {
  cgroup::Hierarchy h;
  h.own = "/process_api/abc";
  CHECK(cgroup::container_path(h, "/cgrouptest", "c") == "/cgrouptest");
  CHECK(cgroup::container_path(h, "testdir/cgrouptest/container", "c") ==
        "/process_api/abc/testdir/cgrouptest/container");
  CHECK(cgroup::container_path(h, "", "c1") == "/process_api/abc/c1");
  CHECK(cgroup::container_path(h, "../../../etc", "c") == "/process_api/abc/etc");
  CHECK(cgroup::container_path(h, "/a/../../b//./c/", "c") == "/b/c");
}
