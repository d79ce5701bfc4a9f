// Unit tests for rootfs path resolution: symlinks of every kind stay inside the root,
// creation happens only inside it, and a racing directory/symlink swap cannot push a
// created file or directory out of it. Unprivileged.
#include "libcontainer/rootfs/resolve.hpp"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <filesystem>
#include <random>
#include <string>
#include <thread>

#include "tests/unit/temp_tree.hpp"

namespace fs = std::filesystem;
using berth::rootfs::check_is_dir_nofollow;
using berth::rootfs::Create;
using berth::rootfs::fd_path;
using berth::rootfs::open_in_root;
using berth::rootfs::open_or_create_in_root;
using berth::test::TempTree;

namespace {

// A temp tree with "root/" (the container root) and "outside/" (a marked host dir that
// must stay empty), plus an fd of the root.
struct Fixture {
  TempTree tree;
  int root = -1;
  std::string root_real;
  std::string outside;
  Fixture() {
    tree.mkdirs("root");
    tree.mkdirs("outside");
    root = tree.open_dir("root");
    root_real = fs::canonical(tree.at("root")).string();
    outside = fs::canonical(tree.at("outside")).string();
  }
  ~Fixture() {
    if (root >= 0) close(root);
  }
  std::string path_of(int fd) const {
    char buf[PATH_MAX];
    return fd_path(fd, buf, sizeof buf) >= 0 ? std::string(buf) : std::string("?");
  }
  bool inside(int fd) const { return path_of(fd).rfind(root_real + "/", 0) == 0; }
  std::string in_root(const std::string& rel) const { return root_real + "/" + rel; }
};

int make_dir(const Fixture& f, const char* path, mode_t mode = 0755) {
  return open_or_create_in_root(f.root, path, Create::Dir, mode, O_PATH);
}

}  // namespace

TEST_CASE("open_in_root: absolute path is taken relative to the root") {
  Fixture f;
  f.tree.mkdirs("root/etc");
  int fd = open_in_root(f.root, "/etc", O_PATH | O_DIRECTORY);
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.in_root("etc"));
  close(fd);
  fd = open_in_root(f.root, "../../../..", O_PATH | O_DIRECTORY);
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.root_real);
  close(fd);
}

TEST_CASE("open_or_create_in_root: absolute symlink target is created inside the root") {
  Fixture f;
  f.tree.mkdirs("root/etc");
  f.tree.symlink("/host/etc", "root/etc/x");
  f.tree.symlink(f.outside + "/etc", "root/etc/y");
  int fd = make_dir(f, "/etc/x");
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.in_root("host/etc"));
  close(fd);
  fd = make_dir(f, "/etc/y/sub");
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.in_root(f.outside.substr(1) + "/etc/sub"));
  close(fd);
  CHECK(f.tree.is_empty_dir("outside"));
}

TEST_CASE("open_or_create_in_root: dotdot symlink stays in the root") {
  Fixture f;
  f.tree.mkdirs("root/deep/er");
  f.tree.symlink("../../..", "root/deep/er/a");
  f.tree.symlink("../../../../outside", "root/deep/er/b");
  int fd = make_dir(f, "deep/er/a/new");
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.in_root("new"));
  close(fd);
  fd = make_dir(f, "deep/er/b/x");
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.in_root("outside/x"));
  close(fd);
  CHECK(f.tree.is_empty_dir("outside"));
}

TEST_CASE("open_or_create_in_root: symlink loop gives ELOOP") {
  Fixture f;
  f.tree.symlink("b", "root/a");
  f.tree.symlink("/a", "root/b");
  CHECK(make_dir(f, "a/x") == -ELOOP);
  CHECK(make_dir(f, "a") == -ELOOP);
  CHECK(open_in_root(f.root, "a", O_PATH) == -ELOOP);
  CHECK_FALSE(fs::exists(f.tree.at("root/x")));
}

TEST_CASE("open_or_create_in_root: dot, dotdot and repeated slashes") {
  Fixture f;
  int fd = make_dir(f, "//x/./y/..//z//");
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.in_root("x/z"));
  close(fd);
  CHECK(fs::is_directory(f.tree.at("root/x/y")));  // as mkdir -p does
  fd = make_dir(f, "../../x/..");
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.root_real);
  close(fd);
  fd = make_dir(f, "");
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.root_real);
  close(fd);
}

TEST_CASE("open_or_create_in_root: nested directories get the requested mode at the end") {
  Fixture f;
  int fd = make_dir(f, "a/b/c/d", 0700);
  REQUIRE(fd >= 0);
  struct stat st;
  REQUIRE(fstat(fd, &st) == 0);
  CHECK(S_ISDIR(st.st_mode));
  CHECK((st.st_mode & 07777) == 0700);
  close(fd);
  CHECK(fs::is_directory(f.tree.at("root/a/b/c")));
  // A second call finds what the first one made.
  fd = make_dir(f, "a/b/c/d", 0700);
  CHECK(fd >= 0);
  close(fd);
}

TEST_CASE("open_or_create_in_root: creates an empty regular file") {
  Fixture f;
  int fd = open_or_create_in_root(f.root, "/f/g/file", Create::File, 0600, O_PATH);
  REQUIRE(fd >= 0);
  struct stat st;
  REQUIRE(fstat(fd, &st) == 0);
  CHECK(S_ISREG(st.st_mode));
  CHECK(st.st_size == 0);
  CHECK((st.st_mode & 07777) == 0600);
  close(fd);
  fd = open_or_create_in_root(f.root, "/f/g/file", Create::File, 0600, O_RDONLY);
  REQUIRE(fd >= 0);
  char c;
  CHECK(read(fd, &c, 1) == 0);
  close(fd);
}

TEST_CASE("open_or_create_in_root: wrong type is refused") {
  Fixture f;
  f.tree.touch("root/file");
  f.tree.mkdirs("root/dir");
  CHECK(make_dir(f, "file") == -ENOTDIR);
  CHECK(make_dir(f, "file/x") == -ENOTDIR);
  CHECK(open_or_create_in_root(f.root, "dir", Create::File, 0644, O_PATH) == -EISDIR);
  CHECK(open_or_create_in_root(f.root, "newfile/", Create::File, 0644, O_PATH) == -EISDIR);
  CHECK(open_or_create_in_root(f.root, "file/", Create::None, 0, O_PATH) == -ENOTDIR);
  CHECK(open_or_create_in_root(f.root, "x", Create::Dir, 0755, O_PATH | O_CREAT) == -EINVAL);
}

TEST_CASE("open_or_create_in_root: dangling symlink gets its target created in the root") {
  Fixture f;
  f.tree.symlink("/made/here", "root/m");
  f.tree.mkdirs("root/p/q");
  f.tree.symlink("../../rel/target", "root/p/q/n");
  int fd = make_dir(f, "m/sub");
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.in_root("made/here/sub"));
  close(fd);
  fd = open_or_create_in_root(f.root, "p/q/n", Create::File, 0644, O_PATH);
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.in_root("rel/target"));
  CHECK(fs::is_regular_file(f.tree.at("root/rel/target")));
  close(fd);
}

TEST_CASE("open_or_create_in_root: Create::None creates nothing") {
  Fixture f;
  f.tree.symlink("/nowhere", "root/l");
  CHECK(open_or_create_in_root(f.root, "a/b", Create::None, 0, O_PATH) == -ENOENT);
  CHECK(open_or_create_in_root(f.root, "l", Create::None, 0, O_PATH) == -ENOENT);
  CHECK_FALSE(fs::exists(f.tree.at("root/a")));
  CHECK_FALSE(fs::exists(f.tree.at("root/nowhere")));
}

TEST_CASE("open_or_create_in_root: overlong paths give ENAMETOOLONG") {
  Fixture f;
  std::string lng(PATH_MAX + 10, 'a');
  for (size_t i = 1; i < lng.size(); i += 2) lng[i] = '/';
  CHECK(make_dir(f, lng.c_str()) == -ENAMETOOLONG);
  std::string name(NAME_MAX + 1, 'n');
  CHECK(make_dir(f, name.c_str()) == -ENAMETOOLONG);
  // A symlink whose target, spliced in front of the rest, no longer fits.
  std::string target = "/";
  while (target.size() < 4000) target += "t/";
  f.tree.symlink(target, "root/lnk");
  std::string path = "lnk";
  while (path.size() < 200) path += "/b";
  CHECK(make_dir(f, path.c_str()) == -ENAMETOOLONG);
}

TEST_CASE("check_is_dir_nofollow: accepts a real directory only") {
  Fixture f;
  f.tree.mkdirs("root/proc");
  f.tree.mkdirs("root/evil");
  f.tree.mkdirs("root/b/sys");
  f.tree.touch("root/file");
  f.tree.symlink("/evil", "root/sys");
  f.tree.symlink("b", "root/a");
  int fd = check_is_dir_nofollow(f.root, "/proc/");
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.in_root("proc"));
  close(fd);
  CHECK(check_is_dir_nofollow(f.root, "/sys") == -ELOOP);
  CHECK(check_is_dir_nofollow(f.root, "/sys/.") == -ELOOP);
  CHECK(check_is_dir_nofollow(f.root, "/sys/./") == -ELOOP);
  CHECK(check_is_dir_nofollow(f.root, "/file") == -ENOTDIR);
  CHECK(check_is_dir_nofollow(f.root, "/missing") == -ENOENT);
  CHECK(check_is_dir_nofollow(f.root, "/proc/..") == -EINVAL);
  // Intermediate symlinks are resolved inside the root (see resolve.hpp).
  fd = check_is_dir_nofollow(f.root, "/a/sys");
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.in_root("b/sys"));
  close(fd);
}

TEST_CASE("fd_path: reports the path and refuses a short buffer") {
  Fixture f;
  char buf[PATH_MAX];
  int n = fd_path(f.root, buf, sizeof buf);
  CHECK(n == static_cast<int>(f.root_real.size()));
  CHECK(std::string(buf) == f.root_real);
  char small[4];
  CHECK(fd_path(f.root, small, sizeof small) == -ENAMETOOLONG);
  CHECK(small[3] == '\0');
  CHECK(fd_path(-1, buf, sizeof buf) == -EINVAL);
}

TEST_CASE("open_or_create_in_root: racing symlink swap never escapes the root") {
  constexpr unsigned kSeed = 20240611;
  constexpr int kCalls = 400;
  MESSAGE("race seed " << kSeed);
  Fixture f;
  f.tree.mkdirs("root/a");
  f.tree.symlink(f.outside, "root/a.abs");
  f.tree.symlink("../outside", "root/a.rel");
  std::atomic<bool> stop{false};
  std::thread racer([&] {
    std::mt19937 rng(kSeed);
    // RENAME_EXCHANGE swaps "a" with one of the symlinks atomically, so "a" flips between
    // a directory and a link to the marked outside directory.
    for (int i = 0; i < 200000 && !stop.load(); ++i) {
      const char* other = (rng() & 1) ? "a.abs" : "a.rel";
      renameat2(f.root, "a", f.root, other, RENAME_EXCHANGE);
    }
  });
  int ok = 0, escaped = 0;
  for (int i = 0; i < kCalls; ++i) {
    std::string dir = "a/d" + std::to_string(i % 7) + "/e";
    std::string file = "a/f" + std::to_string(i);
    int fd = make_dir(f, dir.c_str());
    if (fd >= 0) {
      ++ok;
      escaped += f.inside(fd) ? 0 : 1;
      close(fd);
    }
    fd = open_or_create_in_root(f.root, file.c_str(), Create::File, 0644, O_PATH);
    if (fd >= 0) {
      ++ok;
      escaped += f.inside(fd) ? 0 : 1;
      close(fd);
    }
  }
  stop = true;
  racer.join();
  MESSAGE("successful calls " << ok << " of " << 2 * kCalls);
  CHECK(escaped == 0);
  CHECK(ok > 0);
  CHECK(f.tree.is_empty_dir("outside"));
}

TEST_CASE(
    "open_or_create_in_root: only the last component missing, behind a symlinked parent, is made inside the root") {
  Fixture f;
  f.tree.mkdirs("root/real");
  REQUIRE(symlink("/real", f.tree.at("root/via").c_str()) == 0);      // absolute: inside the root
  REQUIRE(symlink("../outside", f.tree.at("root/up").c_str()) == 0);  // climbs: stops at the root
  int fd = make_dir(f, "/via/new", 0711);
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.in_root("real/new"));
  struct stat st;
  REQUIRE(fstat(fd, &st) == 0);
  CHECK((st.st_mode & 07777) == 0711);
  close(fd);
  fd = open_or_create_in_root(f.root, "/via/file", Create::File, 0640, O_PATH);
  REQUIRE(fd >= 0);
  CHECK(f.path_of(fd) == f.in_root("real/file"));
  close(fd);
  // The parent resolves to the root's own "outside", made inside it.
  fd = make_dir(f, "/up/x");
  REQUIRE(fd >= 0);
  CHECK(f.inside(fd));
  close(fd);
  CHECK(fs::is_empty(f.outside));
  // A file where a directory is asked for, and the other way round, are refused.
  CHECK(make_dir(f, "/via/file") == -ENOTDIR);
  CHECK(open_or_create_in_root(f.root, "/via/new", Create::File, 0600, O_PATH) == -EISDIR);
}
