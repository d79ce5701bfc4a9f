// Table tests for OCI mount option parsing into MountOpts, and for the fsconfig data
// splitter: every word class, last-wins order, atime as a 3-value field, and the errors.
#include "libcontainer/rootfs/mount_options.hpp"

#include <doctest/doctest.h>
#include <sys/mount.h>

#include <cerrno>
#include <string>
#include <vector>

using berth::rootfs::MountOpts;
using berth::rootfs::next_data_option;
using berth::rootfs::parse_mount_options;

namespace {

constexpr uint64_t RO = MOUNT_ATTR_RDONLY, NOSUID = MOUNT_ATTR_NOSUID, NODEV = MOUNT_ATTR_NODEV,
                   NOEXEC = MOUNT_ATTR_NOEXEC, ATIME = MOUNT_ATTR__ATIME, NOATIME = MOUNT_ATTR_NOATIME,
                   STRICT = MOUNT_ATTR_STRICTATIME, NODIR = MOUNT_ATTR_NODIRATIME, NOSYM = MOUNT_ATTR_NOSYMFOLLOW;

struct Row {
  const char* type;
  std::vector<const char*> options;
  uint64_t set, clr, rec_set, rec_clr;
  uint64_t propagation;
  bool prop_rec, bind, recursive, idmap, ridmap, remount;
  const char* data;
};

// clang-format off
const Row kRows[] = {
  // type     options                                  set              clr                  rset  rclr  prop           prec   bind   rec    idmap  ridmap remnt  data
  {"proc",  {},                                        0,               0,                   0,    0,    0,             false, false, false, false, false, false, ""},
  {"proc",  {"defaults"},                              0,               0,                   0,    0,    0,             false, false, false, false, false, false, ""},
  {"proc",  {"nosuid", "noexec", "nodev"},             NOSUID|NOEXEC|NODEV, 0,               0,    0,    0,             false, false, false, false, false, false, ""},
  {"tmpfs", {"ro", "rw"},                              0,               RO,                  0,    0,    0,             false, false, false, false, false, false, ""},
  {"tmpfs", {"rw", "ro"},                              RO,              0,                   0,    0,    0,             false, false, false, false, false, false, ""},
  {"tmpfs", {"nosuid", "suid", "dev", "exec"},         0,               NOSUID|NODEV|NOEXEC, 0,    0,    0,             false, false, false, false, false, false, ""},
  {"tmpfs", {"noatime"},                               NOATIME,         ATIME,               0,    0,    0,             false, false, false, false, false, false, ""},
  {"tmpfs", {"strictatime"},                           STRICT,          ATIME,               0,    0,    0,             false, false, false, false, false, false, ""},
  {"tmpfs", {"noatime", "relatime"},                   0,               ATIME,               0,    0,    0,             false, false, false, false, false, false, ""},
  {"tmpfs", {"noatime", "atime"},                      0,               0,                   0,    0,    0,             false, false, false, false, false, false, ""},
  {"tmpfs", {"strictatime", "atime"},                  STRICT,          ATIME,               0,    0,    0,             false, false, false, false, false, false, ""},
  {"tmpfs", {"nodiratime", "nosymfollow"},             NODIR|NOSYM,     0,                   0,    0,    0,             false, false, false, false, false, false, ""},
  {"tmpfs", {"diratime", "symfollow"},                 0,               NODIR|NOSYM,         0,    0,    0,             false, false, false, false, false, false, ""},
  {"bind",  {},                                        0,               0,                   0,    0,    0,             false, true,  false, false, false, false, ""},
  {"none",  {"rbind", "rro"},                          0,               0,                   RO,   0,    0,             false, true,  true,  false, false, false, ""},
  {"",      {"bind", "ro", "rnosuid", "rnodev"},       RO,              0,                   NOSUID|NODEV, 0, 0,          false, true,  false, false, false, false, ""},
  {nullptr, {"rbind", "rrw", "rsuid", "rexec", "rdev"}, 0,              0,                   0,    RO|NOSUID|NOEXEC|NODEV, 0, false, true, true, false, false, false, ""},
  {"bind",  {"rnoatime"},                              0,               0,                   NOATIME, ATIME, 0,           false, true,  false, false, false, false, ""},
  {"bind",  {"rstrictatime", "rnostrictatime"},        0,               0,                   0,    0,    0,             false, true,  false, false, false, false, ""},
  {"bind",  {"rrelatime", "rnodiratime", "rnosymfollow"}, 0,            0,                   NODIR|NOSYM, ATIME, 0,       false, true,  false, false, false, false, ""},
  {"bind",  {"rnoexec", "rdiratime", "rsymfollow"},    0,               0,                   NOEXEC, NODIR|NOSYM, 0,      false, true,  false, false, false, false, ""},
  {"bind",  {"rprivate"},                              0,               0,                   0,    0,    MS_PRIVATE,    true,  true,  false, false, false, false, ""},
  {"bind",  {"rshared", "slave"},                      0,               0,                   0,    0,    MS_SLAVE,      false, true,  false, false, false, false, ""},
  {"bind",  {"unbindable"},                            0,               0,                   0,    0,    MS_UNBINDABLE, false, true,  false, false, false, false, ""},
  {"bind",  {"runbindable"},                           0,               0,                   0,    0,    MS_UNBINDABLE, true,  true,  false, false, false, false, ""},
  {"bind",  {"shared", "private"},                     0,               0,                   0,    0,    MS_PRIVATE,    false, true,  false, false, false, false, ""},
  {"bind",  {"rslave", "idmap"},                       0,               0,                   0,    0,    MS_SLAVE,      true,  true,  false, true,  false, false, ""},
  {"bind",  {"ridmap"},                                0,               0,                   0,    0,    0,             false, true,  false, true,  true,  false, ""},
  {"tmpfs", {"remount", "ro"},                         RO,              0,                   0,    0,    0,             false, false, false, false, false, true,  ""},
  {"tmpfs", {"mode=755", "size=65536k", "nosuid"},     NOSUID,          0,                   0,    0,    0,             false, false, false, false, false, false, "mode=755,size=65536k"},
  {"devpts", {"newinstance", "ptmxmode=0666", "mode=0620", "gid=5"}, 0, 0,                   0,    0,    0,             false, false, false, false, false, false, "newinstance,ptmxmode=0666,mode=0620,gid=5"},
  {"tmpfs", {"sync", "async", "dirsync", "lazytime", "mand"}, 0,        0,                   0,    0,    0,             false, false, false, false, false, false, "sync,async,dirsync,lazytime,mand"},
  {"tmpfs", {"silent", "loud", "iversion", "noiversion"}, 0,            0,                   0,    0,    0,             false, false, false, false, false, false, ""},
  {"mqueue", {"RO"},                                   0,               0,                   0,    0,    0,             false, false, false, false, false, false, "RO"},
};
// clang-format on

std::string row_name(const Row& r) {
  std::string s = r.type ? r.type : "(null)";
  s += ":";
  for (const char* o : r.options) s += std::string(" ") + o;
  return s;
}

}  // namespace

TEST_CASE("parse_mount_options: table of option lists") {
  for (const Row& r : kRows) {
    CAPTURE(row_name(r));
    MountOpts m;
    size_t bad = 99;
    REQUIRE(parse_mount_options(r.type, r.options.data(), r.options.size(), &m, &bad) == 0);
    CHECK(bad == 99);
    CHECK(m.attr_set == r.set);
    CHECK(m.attr_clr == r.clr);
    CHECK(m.rec_attr_set == r.rec_set);
    CHECK(m.rec_attr_clr == r.rec_clr);
    CHECK(m.recursive_ro == ((r.rec_set | r.rec_clr) != 0));
    CHECK(m.propagation == r.propagation);
    CHECK(m.propagation_recursive == r.prop_rec);
    CHECK(m.bind == r.bind);
    CHECK(m.recursive == r.recursive);
    CHECK(m.idmap == r.idmap);
    CHECK(m.ridmap == r.ridmap);
    CHECK(m.remount == r.remount);
    CHECK(std::string(m.data) == r.data);
    CHECK(m.data_len == std::string(r.data).size());
  }
}

TEST_CASE("parse_mount_options: tmpcopyup on a tmpfs asks for the copy; on anything else it is refused at its index") {
  const char* opts[] = {"nosuid", "mode=755", "tmpcopyup", "ro"};
  MountOpts m;
  size_t bad = 99;
  REQUIRE(parse_mount_options("tmpfs", opts, 4, &m, &bad) == 0);
  CHECK(m.copy_up);
  CHECK(std::string(m.data) == "mode=755");  // not a filesystem option
  for (const char* type : {"bind", "proc", "", static_cast<const char*>(nullptr)}) {
    CAPTURE((type ? type : "(null)"));
    bad = 99;
    CHECK(parse_mount_options(type, opts, 4, &m, &bad) == -EOPNOTSUPP);
    CHECK(bad == 2);
  }
}

TEST_CASE("parse_mount_options: empty or null option is invalid at its index") {
  const char* opts[] = {"ro", "", "rw"};
  MountOpts m;
  size_t bad = 99;
  CHECK(parse_mount_options("tmpfs", opts, 3, &m, &bad) == -EINVAL);
  CHECK(bad == 1);
  const char* nul[] = {"ro", "rw", nullptr};
  CHECK(parse_mount_options("tmpfs", nul, 3, &m, &bad) == -EINVAL);
  CHECK(bad == 2);
  CHECK(parse_mount_options("tmpfs", nullptr, 0, &m, nullptr) == 0);
  CHECK(parse_mount_options("tmpfs", nullptr, 1, &m, nullptr) == -EINVAL);
}

TEST_CASE("parse_mount_options: data overflow gives E2BIG at the option that did not fit") {
  std::string big(600, 'x');
  std::string opt1 = "a=" + big, opt2 = "b=" + big;
  const char* opts[] = {"ro", opt1.c_str(), "nodev", opt2.c_str()};
  MountOpts m;
  size_t bad = 99;
  CHECK(parse_mount_options("tmpfs", opts, 4, &m, &bad) == -E2BIG);
  CHECK(bad == 3);
  // Exactly full (1023 characters and the NUL) still fits.
  std::string exact(sizeof m.data - 1, 'y');
  const char* one[] = {exact.c_str()};
  CHECK(parse_mount_options("tmpfs", one, 1, &m, &bad) == 0);
  CHECK(m.data_len == sizeof m.data - 1);
}

TEST_CASE("parse_mount_options: a second parse starts from a clean record") {
  const char* first[] = {"ro", "rbind", "size=1k"};
  const char* second[] = {"nodev"};
  MountOpts m;
  REQUIRE(parse_mount_options("bind", first, 3, &m, nullptr) == 0);
  REQUIRE(parse_mount_options("tmpfs", second, 1, &m, nullptr) == 0);
  CHECK(m.attr_set == NODEV);
  CHECK_FALSE(m.bind);
  CHECK(m.data_len == 0);
}

TEST_CASE("next_data_option: splits keys, values, flags and quoted values") {
  const char* data = ",mode=755,,newinstance,context=\"system_u:object_r:x:s0:c1,c2\",size=";
  const char* cur = data;
  char key[32], value[64];
  bool has = true;
  REQUIRE(next_data_option(&cur, key, sizeof key, value, sizeof value, &has) == 1);
  CHECK(std::string(key) == "mode");
  CHECK(std::string(value) == "755");
  CHECK(has);
  REQUIRE(next_data_option(&cur, key, sizeof key, value, sizeof value, &has) == 1);
  CHECK(std::string(key) == "newinstance");
  CHECK_FALSE(has);
  CHECK(std::string(value).empty());
  REQUIRE(next_data_option(&cur, key, sizeof key, value, sizeof value, &has) == 1);
  CHECK(std::string(key) == "context");
  CHECK(std::string(value) == "system_u:object_r:x:s0:c1,c2");
  REQUIRE(next_data_option(&cur, key, sizeof key, value, sizeof value, &has) == 1);
  CHECK(std::string(key) == "size");
  CHECK(has);
  CHECK(std::string(value).empty());
  CHECK(next_data_option(&cur, key, sizeof key, value, sizeof value, &has) == 0);
  CHECK(next_data_option(&cur, key, sizeof key, value, sizeof value, &has) == 0);
}

TEST_CASE("next_data_option: malformed and overlong items are errors") {
  char key[8], value[8];
  bool has;
  const char* cases[] = {"=v", "k=\"open", "k=\"q\"x", "longkey12=v", "k=valuetoolong"};
  int want[] = {-EINVAL, -EINVAL, -EINVAL, -ENAMETOOLONG, -ENAMETOOLONG};
  for (size_t i = 0; i < 5; ++i) {
    CAPTURE(cases[i]);
    const char* cur = cases[i];
    CHECK(next_data_option(&cur, key, sizeof key, value, sizeof value, &has) == want[i]);
  }
  const char* cur = "k";
  CHECK(next_data_option(&cur, key, 0, value, sizeof value, &has) == -EINVAL);
}
