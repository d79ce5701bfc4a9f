// HOME from the container's /etc/passwd (runc's rule): the line lookup on a
// file, and (ROOT_) fill_home_env in a forked child chrooted into a rootfs,
// which rewrites the plan's "HOME=/" buffer only from a file inside the root.
#include "libcontainer/child/home_env.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <optional>
#include <string>

#include "tests/unit/child/child_run.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;

namespace {

std::optional<std::string> home_of(const std::string& passwd, uid_t uid, size_t cap = 4096) {
  test::TempTree t;
  std::ofstream(t.at("passwd")) << passwd;
  int fd = open(t.at("passwd").c_str(), O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  char out[4096];
  bool found = child::find_home(fd, uid, out, cap);
  close(fd);
  if (!found) return std::nullopt;
  return std::string(out);
}

}  // namespace

TEST_CASE("child home: the home of the first line for the uid") {
  const std::string passwd =
      "root:x:0:0:root:/root:/bin/sh\n"
      "daemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n"
      "app:x:1000:1000:App,,,:/home/app:/bin/sh\n"
      "again:x:1000:1000::/home/again:/bin/sh\n"
      "nohome:x:1001:1001::\n"
      "short:x:1002\n"
      "last:x:1003:1003::/home/last:/bin/sh";  // no final newline
  CHECK(home_of(passwd, 0) == "/root");
  CHECK(home_of(passwd, 1) == "/usr/sbin");
  CHECK(home_of(passwd, 1000) == "/home/app");  // first match wins
  CHECK(home_of(passwd, 1001) == "");           // an empty home, as runc
  CHECK(home_of(passwd, 1002) == "");           // no home field at all
  CHECK(home_of(passwd, 1003) == "/home/last");
  CHECK_FALSE(home_of(passwd, 4242));
}

TEST_CASE("child home: bad uids and overlong lines are skipped, blanks around a line ignored") {
  std::string overlong = "big:x:7:7::/" + std::string(5000, 'b') + ":/bin/sh\n";
  const std::string passwd =
      "bad:x:7x:7::/bad:/bin/sh\n"
      "neg:x:-7:7::/neg:/bin/sh\n"
      "wide:x:12345678901:7::/wide:/bin/sh\n" +
      overlong + "  \tgood:x:7:7::/good \r\n";  // no shell field: the blanks end the home
  CHECK(home_of(passwd, 7) == "/good");
  CHECK_FALSE(home_of(overlong, 7));
  CHECK_FALSE(home_of("", 0));
  // A home that does not fit the caller's buffer is not taken.
  CHECK_FALSE(home_of("a:x:5:5::/0123456789:/bin/sh\n", 5, 8));
  CHECK(home_of("a:x:5:5::/0123456789:/bin/sh\n", 5, 12) == "/0123456789");
}

namespace {

// fill_home_env in a child chrooted into root; reports the buffer.
std::string fill_in_root(const std::string& root, uid_t uid) {
  char home[64] = "HOME=/";
  child::ChildPlan p = test::empty_plan();
  p.uid = uid;
  p.home_buf = home;
  p.home_buf_len = sizeof home;
  auto r = test::run_in_child(p, [&](int out) {
    if (chroot(root.c_str()) < 0 || chdir("/") < 0) _exit(3);
    child::fill_home_env(p);
    test::report(out, home);
  });
  CHECK(r.status == 0);
  CHECK_FALSE(r.failed);
  return r.report;
}

}  // namespace

TEST_CASE("ROOT_child home: fill_home_env reads the /etc/passwd of the root it is in") {
  test::TempTree t;
  t.mkdirs("r1/etc");
  std::ofstream(t.at("r1/etc/passwd")) << "u:x:1000:1000::/home/u:/bin/sh\n";
  CHECK(fill_in_root(t.at("r1"), 1000) == "HOME=/home/u\n");
  CHECK(fill_in_root(t.at("r1"), 0) == "HOME=/\n");  // no entry: the parent's default stays

  // A fifo does not hang the init; only a regular file is read.
  t.mkdirs("r2/etc");
  REQUIRE(mkfifo(t.at("r2/etc/passwd").c_str(), 0644) == 0);
  CHECK(fill_in_root(t.at("r2"), 0) == "HOME=/\n");

  t.mkdirs("r3");  // no /etc/passwd
  CHECK(fill_in_root(t.at("r3"), 0) == "HOME=/\n");
}
