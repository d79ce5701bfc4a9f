// shim/orphan.hpp: the libc-only reader of the cgroups journal the shim uses
// to remove an orphaned container's cgroups, and its state-dir check. Plain
// directories stand in for cgroups (rmdir is all it does).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "shim/orphan.hpp"
#include "tests/unit/temp_tree.hpp"

using berth::shim::StateDirWatch;
using berth::test::TempTree;

namespace {
bool exists(const TempTree& t, const std::string& rel) { return std::filesystem::exists(t.at(rel)); }
void put(const std::string& path, const std::string& data) { std::ofstream(path) << data; }
}  // namespace

TEST_CASE("orphan: removes what create made, innermost first, and never a joined leaf or a hierarchy's root") {
  TempTree t;
  t.mkdirs("h1/a/b/c");
  t.mkdirs("h2/joined");
  t.mkdirs("h3");
  t.mkdirs("state");
  std::string m1 = t.at("h1"), m2 = t.at("h2"), m3 = t.at("h3");
  // As the cgroups isolator writes it: parents before children, then the leaf.
  std::string journal = "made\t" + m1 + "\t/a\nmade\t" + m1 + "\t/a/b\nmade\t" + m1 + "\t/a/b/c\nleaf\t" + m1 +
                        "\t/a/b/c\nleaf\t" + m2 + "\t/joined\nmade\t" + m3 + "\t/\nleaf\t" + m3 + "\t/\n";
  put(t.at("state/cgroups"), journal);
  StateDirWatch w;
  std::string state = t.at("state");
  w.open(state.c_str());
  w.remove_cgroups();
  CHECK_FALSE(exists(t, "h1/a"));
  CHECK(exists(t, "h1"));
  CHECK(exists(t, "h2/joined"));
  CHECK(exists(t, "h3"));
}

TEST_CASE("orphan: a parent that now holds another cgroup stays; no journal is not an error") {
  TempTree t;
  t.mkdirs("h/p/mine");
  t.mkdirs("h/p/theirs");
  t.mkdirs("state");
  std::string m = t.at("h");
  put(t.at("state/cgroups"), "made\t" + m + "\t/p\nmade\t" + m + "\t/p/mine\nleaf\t" + m + "\t/p/mine");
  StateDirWatch w;
  std::string state = t.at("state");
  w.open(state.c_str());
  w.remove_cgroups();
  CHECK_FALSE(exists(t, "h/p/mine"));
  CHECK(exists(t, "h/p/theirs"));
  t.mkdirs("empty-state");
  StateDirWatch none;
  std::string empty = t.at("empty-state");
  none.open(empty.c_str());
  none.remove_cgroups();
}

TEST_CASE("orphan: the journal is read from the fd opened at start, after the state directory is gone") {
  TempTree t;
  t.mkdirs("h/c");
  t.mkdirs("state");
  put(t.at("state/cgroups"), "made\t" + t.at("h") + "\t/c\nleaf\t" + t.at("h") + "\t/c\n");
  StateDirWatch w;
  std::string state = t.at("state");
  w.open(state.c_str());
  CHECK_FALSE(w.gone());
  std::filesystem::remove_all(t.at("state"));
  CHECK(w.gone());
  w.remove_cgroups();
  CHECK_FALSE(exists(t, "h/c"));
}

TEST_CASE("orphan: a state directory removed and made again (a new container, same id) counts as gone") {
  TempTree t;
  t.mkdirs("state");
  StateDirWatch w;
  std::string state = t.at("state");
  w.open(state.c_str());
  // The old one lives on under another name, so the new one has another inode.
  std::filesystem::rename(t.at("state"), t.at("old"));
  t.mkdirs("state");
  CHECK(w.gone());
}
