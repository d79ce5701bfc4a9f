// --no-pivot: hide_host_mounts detaches every mount of the old root but "/"
// itself, nested and stacked ones included, in a forked child with a private
// mount namespace (as root); the table is read back through an fd opened
// before, since procfs goes too.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "libcontainer/child/rootfs_setup.hpp"
#include "tests/unit/child/child_run.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;

namespace {

// The mount points (field 5) of a mountinfo text, one a line.
std::string mount_points(const std::string& table) {
  std::string out;
  size_t at = 0;
  while (at < table.size()) {
    size_t end = table.find('\n', at);
    if (end == std::string::npos) end = table.size();
    std::string line = table.substr(at, end - at);
    size_t f = 0;
    for (int i = 0; i < 4 && f != std::string::npos; i++) f = line.find(' ', f + 1);
    if (f != std::string::npos) out += line.substr(f + 1, line.find(' ', f + 1) - f - 1) + "\n";
    at = end + 1;
  }
  return out;
}

bool mount_tmpfs(const std::string& at) { return mount("tmpfs", at.c_str(), "tmpfs", 0, nullptr) == 0; }

}  // namespace

TEST_CASE("ROOT_child old root: every host mount but / is detached, deepest first") {
  test::TempTree t;
  t.mkdirs("a");
  t.mkdirs("c");
  child::ChildPlan p = test::empty_plan();
  auto r = test::run_in_child(
      p,
      [&](int out) {
        // Nested, and stacked twice on one point: the hidden one goes too.
        if (!mount_tmpfs(t.at("a")) || mkdir(t.at("a/b").c_str(), 0755) < 0 || !mount_tmpfs(t.at("a/b")) ||
            !mount_tmpfs(t.at("c")) || !mount_tmpfs(t.at("c")))
          _exit(4);
        int table = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        std::string before = mount_points(test::slurp("/proc/self/mountinfo"));
        child::hide_host_mounts(p);
        std::string after;
        char buf[4096];
        for (ssize_t n; (n = pread(table, buf, sizeof buf, off_t(after.size()))) > 0;) after.append(buf, size_t(n));
        test::report(out, before.find(t.at("a/b") + "\n") != std::string::npos ? "nested mounted" : "not mounted");
        test::report(out, "after:\n" + mount_points(after));
      },
      CLONE_NEWNS);
  CAPTURE(r.error.step);
  CHECK_FALSE(r.failed);
  CHECK(r.status == 0);
  CHECK(r.report == "nested mounted\nafter:\n/\n\n");
}
