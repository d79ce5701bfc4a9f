// The one mountinfo parser (libcontainer/sys/mountinfo.cpp).
#include "libcontainer/sys/mountinfo.hpp"

#include <doctest/doctest.h>

#include "libcontainer/state/files.hpp"

using namespace berth;

TEST_CASE("mountinfo: fields are split around the optional fields and the separator") {
  auto ms = sys::parse_mountinfo(
      "36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:2 - ext3 /dev/root rw,errors=continue\n"
      "40 30 0:35 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids\n");
  REQUIRE(ms.size() == 2);
  CHECK(ms[0].id == "36");
  CHECK(ms[0].parent == "35");
  CHECK(ms[0].dev == "98:0");
  CHECK(ms[0].root == "/mnt1");
  CHECK(ms[0].mount_point == "/mnt2");
  CHECK(ms[0].options == "rw,noatime");
  CHECK(ms[0].fstype == "ext3");
  CHECK(ms[0].source == "/dev/root");
  CHECK(ms[0].super_options == "rw,errors=continue");
  CHECK(ms[1].mount_point == "/sys/fs/cgroup/pids");
  CHECK(ms[1].super_options == "rw,pids");
}

TEST_CASE("mountinfo: \\040 \\011 \\012 \\134 are decoded in root, mount point and source") {
  auto ms = sys::parse_mountinfo("50 1 8:1 /a\\040b /x\\040y\\011z\\012w\\134v rw - ext4 /dev/s\\040d rw\n");
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].root == "/a b");
  CHECK(ms[0].mount_point == "/x y\tz\nw\\v");
  CHECK(ms[0].source == "/dev/s d");
}

TEST_CASE("mountinfo: unescape leaves what is not three octal digits alone") {
  CHECK(sys::unescape_mountinfo("a\\040") == "a ");
  CHECK(sys::unescape_mountinfo("a\\04") == "a\\04");
  CHECK(sys::unescape_mountinfo("a\\089b") == "a\\089b");
  CHECK(sys::unescape_mountinfo("\\") == "\\");
  CHECK(sys::unescape_mountinfo("") == "");
}

TEST_CASE("mountinfo: malformed lines are skipped") {
  auto ms = sys::parse_mountinfo("garbage\n1 2 3 4 5 6\n1 2 3:4 / /m rw - tmpfs\n\n7 8 0:1 / /ok rw - tmpfs none rw");
  REQUIRE(ms.size() == 1);
  CHECK(ms[0].mount_point == "/ok");
}

TEST_CASE("mountinfo: this process's table parses") {
  auto text = state::read_file("/proc/self/mountinfo");
  REQUIRE(text.ok());
  CHECK(!sys::parse_mountinfo(*text).empty());
}
