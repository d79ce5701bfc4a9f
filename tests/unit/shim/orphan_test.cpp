// shim/orphan.hpp: how the shim removes an orphaned container's cgroups
// (the list create gave it), and its state-dir check. Plain directories
// stand in for cgroups (rmdir is all it does).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "shim/orphan.hpp"
#include "tests/unit/temp_tree.hpp"

using berth::shim::StateDirWatch;
using berth::test::TempTree;

namespace {
bool exists(const TempTree& t, const std::string& rel) { return std::filesystem::exists(t.at(rel)); }
}  // namespace

TEST_CASE("orphan: removes the cgroups create listed, innermost first, and nothing else") {
  TempTree t;
  t.mkdirs("h1/a/b/c");
  t.mkdirs("h2/joined");
  // As create lists them (--cgroup=): parents before children; a joined
  // leaf or a hierarchy's root is never in the list.
  std::string a = t.at("h1/a"), b = t.at("h1/a/b"), c = t.at("h1/a/b/c");
  const char* dirs[] = {a.c_str(), b.c_str(), c.c_str()};
  berth::shim::remove_cgroups(dirs, 3);
  CHECK_FALSE(exists(t, "h1/a"));
  CHECK(exists(t, "h1"));
  CHECK(exists(t, "h2/joined"));
}

TEST_CASE("orphan: a parent that now holds another cgroup stays; an empty list is no error") {
  TempTree t;
  t.mkdirs("h/p/mine");
  t.mkdirs("h/p/theirs");
  std::string p = t.at("h/p"), mine = t.at("h/p/mine");
  const char* dirs[] = {p.c_str(), mine.c_str()};
  berth::shim::remove_cgroups(dirs, 2);
  CHECK_FALSE(exists(t, "h/p/mine"));
  CHECK(exists(t, "h/p/theirs"));
  berth::shim::remove_cgroups(dirs, 0);
}

TEST_CASE("orphan: a state directory removed counts as gone") {
  TempTree t;
  t.mkdirs("state");
  StateDirWatch w;
  std::string state = t.at("state");
  w.open(state.c_str());
  CHECK_FALSE(w.gone());
  std::filesystem::remove_all(t.at("state"));
  CHECK(w.gone());
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
