// mountinfo_line: the allocation-free parser the init uses under --no-pivot.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

#include "libcontainer/rootfs/mountinfo_line.hpp"

using namespace berth::rootfs;

namespace {
int parse(const std::string& line, uint64_t* id, char* mp, size_t cap) {
  return parse_mountinfo_line(line.data(), line.size(), id, mp, cap);
}
}  // namespace

TEST_CASE("mountinfo_line: id and mount point of a line") {
  uint64_t id = 0;
  char mp[64];
  REQUIRE(parse("68 46 254:0 /var/tmp / rw,relatime - ext4 /dev/vda rw", &id, mp, sizeof mp) == 0);
  CHECK(id == 68);
  CHECK(std::string(mp) == "/");
  REQUIRE(parse("93 69 0:43 /sys /proc/sys ro,relatime - proc proc rw", &id, mp, sizeof mp) == 0);
  CHECK(id == 93);
  CHECK(std::string(mp) == "/proc/sys");
}

TEST_CASE("mountinfo_line: octal escapes in the mount point are decoded") {
  uint64_t id = 0;
  char mp[64];
  REQUIRE(parse("7 1 0:5 / /a\\040b\\011c\\012d\\134e rw - tmpfs t rw", &id, mp, sizeof mp) == 0);
  CHECK(std::string(mp) == "/a b\tc\nd\\e");
  // A backslash without three octal digits is kept as it is.
  REQUIRE(parse("7 1 0:5 / /x\\09 rw - tmpfs t rw", &id, mp, sizeof mp) == 0);
  CHECK(std::string(mp) == "/x\\09");
}

TEST_CASE("mountinfo_line: malformed lines and small buffers are refused") {
  uint64_t id = 0;
  char mp[8];
  CHECK(parse("", &id, mp, sizeof mp) == -1);
  CHECK(parse("12 1 0:5 /", &id, mp, sizeof mp) == -1);
  CHECK(parse("x1 1 0:5 / /a rw", &id, mp, sizeof mp) == -1);
  CHECK(parse("1 1 0:5 / /longer-than-8 rw", &id, mp, sizeof mp) == -1);
  CHECK(decode_mountinfo_path("ab", 2, mp, 0) == -1);
  CHECK(decode_mountinfo_path("\\040", 4, mp, 2) == 1);
  CHECK(std::string(mp) == " ");
}
