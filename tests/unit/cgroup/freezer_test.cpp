// The freezer mechanism on a fake cgroup tree: plain files laid out as the
// kernel makes them (v1 freezer.state, v2 cgroup.freeze and cgroup.events),
// written through a FakeKernel, so every write is seen and a file that is
// not there fails as on a host.
#include <doctest/doctest.h>
#include <fcntl.h>

#include <filesystem>
#include <fstream>

#include "libcontainer/cgroup/freezer.hpp"
#include "tests/unit/fake_kernel.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;
using namespace berth::cgroup;

namespace {

struct Tree {
  test::TempTree t;
  test::FakeKernel k;
  void put(const std::string& rel, const std::string& v) { t.write(rel, v); }
  std::string get(const std::string& rel) { return t.read(rel); }
  UniqueFd dir(const std::string& rel) { return UniqueFd(open(t.at(rel).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); }
  // A v1 freezer leaf and a cgroup2 leaf of one container, as a hybrid host has them.
  void hybrid() {
    t.mkdirs("freezer/ctr");
    put("freezer/ctr/freezer.state", "THAWED\n");
    put("freezer/ctr/cgroup.procs", "");
    t.mkdirs("pids/ctr");
    put("pids/ctr/pids.max", "max\n");
    t.mkdirs("unified/ctr");
    put("unified/ctr/cgroup.freeze", "0\n");
    put("unified/ctr/cgroup.events", "populated 1\nfrozen 0\n");
  }
};

}  // namespace

TEST_CASE("freezer: the kind of a cgroup is told by the files the kernel made there") {
  Tree f;
  f.hybrid();
  CHECK(freezer::kind_of(f.dir("freezer/ctr").get()) == freezer::Kind::V1);
  CHECK(freezer::kind_of(f.dir("unified/ctr").get()) == freezer::Kind::V2);
  CHECK(freezer::kind_of(f.dir("pids/ctr").get()) == freezer::Kind::None);
  CHECK(freezer::kind_of(-1) == freezer::Kind::None);
}

TEST_CASE("freezer: v1 freeze writes FROZEN and returns once it reads back; thaw writes THAWED") {
  Tree f;
  f.hybrid();
  auto d = f.dir("freezer/ctr");
  REQUIRE(freezer::freeze(f.k, d.get(), freezer::Kind::V1).ok());
  CHECK(f.get("freezer/ctr/freezer.state") == "FROZEN");
  CHECK(f.k.calls.back().arg == "freezer.state=FROZEN");
  CHECK(freezer::self_frozen(d.get(), freezer::Kind::V1));
  CHECK(freezer::effectively_frozen(d.get(), freezer::Kind::V1));
  REQUIRE(freezer::thaw(f.k, d.get(), freezer::Kind::V1).ok());
  CHECK(f.get("freezer/ctr/freezer.state") == "THAWED");
  CHECK_FALSE(freezer::effectively_frozen(d.get(), freezer::Kind::V1));
}

TEST_CASE("freezer: v1 frozen by an ancestor is frozen, but not paused (freezer.self_freezing)") {
  Tree f;
  f.hybrid();
  f.put("freezer/ctr/freezer.state", "FROZEN\n");
  f.put("freezer/ctr/freezer.self_freezing", "0\n");
  auto d = f.dir("freezer/ctr");
  CHECK(freezer::effectively_frozen(d.get(), freezer::Kind::V1));
  CHECK_FALSE(freezer::self_frozen(d.get(), freezer::Kind::V1));
}

TEST_CASE("freezer: v2 freeze waits for \"frozen 1\" in cgroup.events, bounded, and thaws back on a timeout") {
  Tree f;
  f.hybrid();
  auto d = f.dir("unified/ctr");
  // No clock in the assertions (they flaked under load): the bound shows
  // in the outcome, a Busy error naming it, with the freeze undone.
  auto s = freezer::freeze(f.k, d.get(), freezer::Kind::V2, 20);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == Code::Busy);
  CHECK(s.error().message().find("did not freeze within 20 ms") != std::string::npos);
  CHECK(f.get("unified/ctr/cgroup.freeze") == "0");  // not left half frozen
  REQUIRE(f.k.calls.size() == 2);
  CHECK(f.k.calls[0].arg == "cgroup.freeze=1");
  CHECK(f.k.calls[1].arg == "cgroup.freeze=0");

  f.put("unified/ctr/cgroup.events", "populated 1\nfrozen 1\n");
  REQUIRE(freezer::freeze(f.k, d.get(), freezer::Kind::V2, 150).ok());
  CHECK(f.get("unified/ctr/cgroup.freeze") == "1");
  CHECK(freezer::self_frozen(d.get(), freezer::Kind::V2));
  REQUIRE(freezer::thaw(f.k, d.get(), freezer::Kind::V2).ok());
  CHECK(f.get("unified/ctr/cgroup.freeze") == "0");
}

TEST_CASE("freezer: a cgroup with no freezer cannot be frozen, and the write never makes the file") {
  Tree f;
  f.hybrid();
  auto d = f.dir("pids/ctr");
  CHECK(freezer::freeze(f.k, d.get(), freezer::Kind::None).error().code() == Code::Unsupported);
  // Asked to write a file the kernel did not make: fails (ENOENT) as on a host.
  auto s = freezer::freeze(f.k, d.get(), freezer::Kind::V1);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().sys_errno() == ENOENT);
  CHECK_FALSE(std::filesystem::exists(f.t.at("pids/ctr/freezer.state")));
}

TEST_CASE("freezer: cgroup.kill is written where the kernel has it, refused where not") {
  Tree f;
  f.hybrid();
  auto d = f.dir("unified/ctr");
  CHECK(freezer::kill(f.k, d.get()).error().code() == Code::Unsupported);
  f.put("unified/ctr/cgroup.kill", "");
  REQUIRE(freezer::kill(f.k, d.get()).ok());
  CHECK(f.get("unified/ctr/cgroup.kill") == "1");
}
