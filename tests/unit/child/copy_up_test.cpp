// tmpcopyup's copy (child/copy_up.hpp): every kind of entry as what it is,
// with mode, owner and times; nothing followed out of the source; a
// socket left out; the failing entry named.
#include "libcontainer/child/copy_up.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "tests/unit/temp_tree.hpp"

using namespace berth;

namespace {

int open_dir(const std::string& p) { return open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); }

struct stat lstat_of(const std::string& p) {
  struct stat st {};
  REQUIRE(lstat(p.c_str(), &st) == 0);
  return st;
}

}  // namespace

TEST_CASE("copy_up: dirs, files, links, nodes and fifos are copied as what they are, with mode, owner and times") {
  test::TempTree t;
  t.mkdirs("src/a/b");
  t.mkdirs("dst");
  t.mkdirs("outside");
  t.write("outside/secret", "host");
  t.write("src/f", "content");
  REQUIRE(chmod(t.at("src/f").c_str(), 0640) == 0);
  REQUIRE(chown(t.at("src/f").c_str(), 1000, 1001) == 0);
  t.write("src/a/b/deep", "deep");
  REQUIRE(chmod(t.at("src/a").c_str(), 0711) == 0);
  REQUIRE(symlink(t.at("outside").c_str(), t.at("src/out").c_str()) == 0);  // a link out: copied as a link
  REQUIRE(symlink("../../f", t.at("src/a/b/rel").c_str()) == 0);            // a relative one
  REQUIRE(mkfifo(t.at("src/a/fifo").c_str(), 0620) == 0);
  REQUIRE(chmod(t.at("src/a/fifo").c_str(), 0620) == 0);  // past the umask
  REQUIRE(mknod(t.at("src/null").c_str(), S_IFCHR | 0666, makedev(1, 3)) == 0);
  timespec old[2] = {{1000000000, 0}, {1000000000, 0}};
  REQUIRE(utimensat(AT_FDCWD, t.at("src/f").c_str(), old, 0) == 0);
  int sock = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  std::string sp = t.at("src/sock");
  REQUIRE(sp.size() < sizeof sa.sun_path);
  memcpy(sa.sun_path, sp.c_str(), sp.size() + 1);
  REQUIRE(bind(sock, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0);

  int from = open_dir(t.at("src")), to = open_dir(t.at("dst"));
  const char* failed = nullptr;
  CHECK(child::copy_up(from, to, &failed) == 0);
  close(from);
  close(to);
  close(sock);

  CHECK(t.read("dst/f") == "content");
  struct stat f = lstat_of(t.at("dst/f"));
  CHECK((f.st_mode & 07777) == 0640);
  CHECK(f.st_uid == 1000);
  CHECK(f.st_gid == 1001);
  CHECK(f.st_mtim.tv_sec == 1000000000);
  CHECK((lstat_of(t.at("dst/a")).st_mode & 07777) == 0711);
  CHECK(t.read("dst/a/b/deep") == "deep");
  CHECK(S_ISLNK(lstat_of(t.at("dst/out")).st_mode));
  CHECK(std::filesystem::read_symlink(t.at("dst/out")) == t.at("outside"));
  CHECK(std::filesystem::read_symlink(t.at("dst/a/b/rel")) == "../../f");
  CHECK(S_ISFIFO(lstat_of(t.at("dst/a/fifo")).st_mode));
  CHECK((lstat_of(t.at("dst/a/fifo")).st_mode & 07777) == 0620);
  struct stat null = lstat_of(t.at("dst/null"));
  CHECK(S_ISCHR(null.st_mode));
  CHECK(null.st_rdev == makedev(1, 3));
  CHECK_FALSE(std::filesystem::exists(t.at("dst/sock")));
  CHECK(t.read("outside/secret") == "host");
}

TEST_CASE("copy_up: an entry that cannot be made is named, with its error") {
  test::TempTree t;
  t.mkdirs("src/x");
  t.mkdirs("dst");
  t.write("dst/x", "a file where the directory goes");
  int from = open_dir(t.at("src")), to = open_dir(t.at("dst"));
  const char* failed = nullptr;
  CHECK(child::copy_up(from, to, &failed) == -EEXIST);
  CHECK(std::string(failed) == "x");
  close(from);
  close(to);
}
