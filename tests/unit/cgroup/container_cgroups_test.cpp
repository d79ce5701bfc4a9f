// The container's cgroups as one object, on a fake tree of plain files laid
// out as the kernel makes them (a hybrid host: v1 freezer and pids leaves
// and a cgroup2 leaf; a pure v2 host: one cgroup2 leaf), opened from a
// journal in the container's record, every write through a FakeKernel.
#include <doctest/doctest.h>
#include <signal.h>

#include <fstream>

#include "libcontainer/cgroup/container_cgroups.hpp"
#include "libcontainer/cgroup/journal.hpp"
#include "tests/unit/fake_kernel.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;
using namespace berth::cgroup;

namespace {

constexpr pid_t kInit = 4000001;

struct Host {
  explicit Host(bool v2 = false) {
    t.mkdirs("state");
    if (v2) {
      leaf("unified", {{"cgroup.controllers", "memory pids"}, {"cgroup.freeze", "0"}, {"cgroup.events", "frozen 0"}});
    } else {
      leaf("pids", {{"pids.current", "1"}, {"pids.max", "7"}});
      leaf("freezer", {{"freezer.state", "THAWED"}});
      leaf("unified", {{"cgroup.controllers", ""}, {"cgroup.freeze", "0"}, {"cgroup.events", "frozen 0"}});
    }
    k.processes[kInit] = 77;
  }
  // HIERARCHY/ctr with the init in it, journaled as a leaf (with the kind
  // of freezer the isolator names, or none as a record from before it did).
  void leaf(const std::string& h, std::map<std::string, std::string> files, const char* freezer = nullptr) {
    t.mkdirs(h + "/ctr");
    files["cgroup.procs"] = std::to_string(kInit) + "\n";
    for (const auto& [f, v] : files) put(h + "/ctr/" + f, v + "\n");
    journal += journal_line("made", t.at(h), "/ctr") + journal_line("leaf", t.at(h), "/ctr", freezer);
  }
  state::Record record() {
    state::Record r(k, t.at("state"));
    REQUIRE(save_journal(r, journal).ok());
    return r;
  }
  void put(const std::string& rel, const std::string& v) { t.write(rel, v); }
  std::string get(const std::string& rel) { return t.read(rel); }
  // The container's record with the journal in it, and its cgroups.
  ContainerCgroups open(pid_t init = kInit) {
    state::Record record(k, t.at("state"));
    REQUIRE(save_journal(record, journal).ok());
    return ContainerCgroups::open(k, record.st, init);
  }
  std::vector<std::string> writes() const {
    std::vector<std::string> out;
    for (const auto& c : k.calls)
      if (c.op == "write_at") out.push_back(c.arg);
    return out;
  }
  std::string journal;  // its lines
  test::TempTree t;
  test::FakeKernel k;
};

}  // namespace

TEST_CASE("container cgroups: opened from the journal, each leaf checked to hold the init") {
  Host h;
  auto c = h.open();
  REQUIRE(c.leaves().size() == 3);
  CHECK(c.check().ok());
  // Stopped (init 0): nothing to hold.
  h.put("pids/ctr/cgroup.procs", "");
  CHECK(h.open(0).check().ok());
  // Someone moved the init out of one of them: named, not acted on.
  Status s = h.open().check();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == Code::NotFound);
  CHECK(s.error().message().find("pid " + std::to_string(kInit)) != std::string::npos);
  CHECK(s.error().message().find(h.t.at("pids/ctr")) != std::string::npos);
}

TEST_CASE("container cgroups: a leaf that is gone is named by check; no journal is no cgroups") {
  Host h;
  std::filesystem::remove_all(h.t.at("pids/ctr"));
  auto c = h.open();
  Status s = c.check();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().message().find(h.t.at("pids/ctr")) != std::string::npos);
  CHECK(c.has_freezer());  // the others still work (delete thaws what is left)
  h.journal.clear();
  auto none = h.open();
  CHECK(none.empty());
  CHECK(none.check().ok());
  CHECK_FALSE(none.has_freezer());
  CHECK_FALSE(none.paused());
  CHECK(none.pids().empty());
  CHECK(none.freeze().error().code() == Code::Unsupported);
}

TEST_CASE("container cgroups: on a hybrid host pause is the v1 freezer's; thaw_all thaws every self-frozen leaf") {
  Host h;
  auto c = h.open();
  REQUIRE(c.freeze().ok());
  CHECK(h.writes() == std::vector<std::string>{"freezer.state=FROZEN"});
  CHECK(c.paused());
  REQUIRE(c.thaw().ok());
  CHECK(h.get("freezer/ctr/freezer.state") == "THAWED");
  CHECK_FALSE(c.paused());
  // Only the cgroup2 leaf frozen (someone wrote cgroup.freeze): frozen, not paused.
  h.put("unified/ctr/cgroup.freeze", "1\n");
  CHECK_FALSE(c.paused());
  CHECK(c.any_frozen());
  h.put("freezer/ctr/freezer.state", "FROZEN\n");
  c.thaw_all();
  CHECK(h.get("freezer/ctr/freezer.state") == "THAWED");
  CHECK(h.get("unified/ctr/cgroup.freeze") == "0");
  CHECK_FALSE(c.any_frozen());
}

TEST_CASE("container cgroups: frozen by an ancestor is not paused, and thaw_all leaves it alone") {
  Host h;
  h.put("freezer/ctr/freezer.state", "FROZEN\n");
  h.put("freezer/ctr/freezer.self_freezing", "0\n");
  auto c = h.open();
  CHECK_FALSE(c.paused());
  CHECK(c.any_frozen());
  c.thaw_all();
  CHECK(h.writes().empty());
}

TEST_CASE("container cgroups: freeze refuses a freezer cgroup the init was moved out of, writing nothing") {
  Host h;
  h.put("freezer/ctr/cgroup.procs", "");
  Status s = h.open().freeze();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == Code::NotFound);
  CHECK(s.error().message().find(h.t.at("freezer/ctr")) != std::string::npos);
  CHECK(h.writes().empty());
}

TEST_CASE("container cgroups: on a pure v2 host the cgroup2 leaf is the freezer") {
  Host h(true);
  h.put("unified/ctr/cgroup.events", "populated 1\nfrozen 1\n");
  auto c = h.open();
  REQUIRE(c.freeze().ok());
  CHECK(h.get("unified/ctr/cgroup.freeze") == "1");
  CHECK(c.paused());
  REQUIRE(c.thaw().ok());
  CHECK(h.get("unified/ctr/cgroup.freeze") == "0");
}

TEST_CASE("container cgroups: the pids of every leaf and the cgroups below, once each, ascending") {
  Host h;
  h.put("pids/ctr/cgroup.procs", "4000003\n" + std::to_string(kInit) + "\n");
  h.t.mkdirs("freezer/ctr/sub");
  h.put("freezer/ctr/sub/cgroup.procs", "4000002\n");
  CHECK(h.open().pids() == std::vector<pid_t>{kInit, 4000002, 4000003});
}

TEST_CASE("container cgroups: kill signals every process while frozen, then thaws (v1)") {
  Host h;
  h.k.processes[4000002] = 78;
  h.put("pids/ctr/cgroup.procs", std::to_string(kInit) + "\n4000002\n");
  REQUIRE(h.open().kill(SIGTERM).ok());
  std::vector<std::string> signalled;
  for (const auto& call : h.k.calls)
    if (call.op == "signal") signalled.push_back(call.arg);
  CHECK(signalled == std::vector<std::string>{std::to_string(kInit), "4000002"});
  CHECK(h.writes() == std::vector<std::string>{"freezer.state=FROZEN", "freezer.state=THAWED"});
  CHECK(h.k.processes.size() == 2);  // SIGTERM: still alive
  REQUIRE(h.open().kill(SIGKILL).ok());
  CHECK(h.k.processes.empty());
  CHECK(h.get("freezer/ctr/freezer.state") == "THAWED");
}

TEST_CASE("container cgroups: SIGKILL also writes cgroup.kill where the kernel has it (v2)") {
  Host h(true);
  h.put("unified/ctr/cgroup.events", "populated 1\nfrozen 1\n");
  h.put("unified/ctr/cgroup.kill", "");
  REQUIRE(h.open().kill(SIGKILL).ok());
  // Thawed by thaw_all (for SIGKILL), then as after any signal.
  CHECK(h.writes() ==
        std::vector<std::string>{"cgroup.freeze=1", "cgroup.kill=1", "cgroup.freeze=0", "cgroup.freeze=0"});
  CHECK(h.k.processes.empty());
}

TEST_CASE("container cgroups: usage is read from the v1 leaves on a hybrid host, the cgroup2 leaf on v2") {
  Host h;
  Usage u;
  h.open().read_usage(u);
  CHECK(u.cgroup == "v1");
  CHECK(u.pids.current == 1);
  CHECK(u.pids.limit == 7);
  Host v2(true);
  v2.put("unified/ctr/pids.current", "3\n");
  v2.put("unified/ctr/pids.max", "max\n");
  Usage w;
  v2.open().read_usage(w);
  CHECK(w.cgroup == "v2");
  CHECK(w.pids.current == 3);
  CHECK(w.pids.limit == 0);
}

TEST_CASE("container cgroups: the OOM watch is the memory cgroup's; none without one") {
  Host h;
  CHECK(h.open().oom_watch().error().code() == Code::Unsupported);
  Host v2(true);
  v2.put("unified/ctr/memory.events", "oom 0\noom_kill 2\n");
  auto w = v2.open().oom_watch();
  REQUIRE(w.ok());
  CHECK(w->take() == 0);  // nothing since it opened
  v2.put("unified/ctr/memory.events", "oom 1\noom_kill 3\n");
  CHECK(w->take() == 1);
  CHECK_FALSE(w->gone());
}

TEST_CASE("container cgroups: paused() of a record finds the freezer by its files and agrees with the opened one") {
  for (bool v2 : {false, true}) {
    Host h(v2);
    const char* file = v2 ? "unified/ctr/cgroup.freeze" : "freezer/ctr/freezer.state";
    state::Record record(h.k, h.t.at("state"));
    REQUIRE(save_journal(record, h.journal).ok());
    INFO(file);
    CHECK_FALSE(ContainerCgroups::paused(record.st));
    h.put(file, v2 ? "1" : "FROZEN");
    CHECK(ContainerCgroups::paused(record.st));
    CHECK(h.open().paused());
    // On a hybrid host the v1 freezer decides, not the cgroup2 leaf.
    if (!v2) {
      h.put(file, "THAWED");
      h.put("unified/ctr/cgroup.freeze", "1");
      CHECK_FALSE(ContainerCgroups::paused(record.st));
      CHECK_FALSE(h.open().paused());
    }
  }
}

TEST_CASE("container cgroups: a record's freezer kinds decide which leaves are looked at; one without them is probed") {
  // A journal that names the kinds: only the freezer and the cgroup2 leaf
  // can be frozen, whatever files the others hold (a pids leaf with a
  // freezer.state here, which probing would take for the freezer).
  Host named;
  named.journal.clear();
  named.leaf("pids", {{"freezer.state", "FROZEN"}}, "none");
  named.leaf("freezer", {{"freezer.state", "THAWED"}}, "v1");
  named.leaf("unified", {{"cgroup.freeze", "0"}, {"cgroup.events", "frozen 0"}}, "v2");
  auto rec = named.record();
  CHECK_FALSE(ContainerCgroups::any_frozen(named.k, rec.st));
  CHECK_FALSE(ContainerCgroups::paused(rec.st));
  CHECK_FALSE(named.open().any_frozen());
  ContainerCgroups::thaw_all(named.k, rec.st);
  CHECK(named.writes().empty());
  named.put("unified/ctr/cgroup.freeze", "1");
  CHECK(ContainerCgroups::any_frozen(named.k, rec.st));
  CHECK_FALSE(ContainerCgroups::paused(rec.st));  // the v1 freezer decides
  named.put("freezer/ctr/freezer.state", "FROZEN");
  CHECK(ContainerCgroups::paused(rec.st));
  ContainerCgroups::thaw_all(named.k, rec.st);
  CHECK(named.get("freezer/ctr/freezer.state") == "THAWED");
  CHECK(named.get("unified/ctr/cgroup.freeze") == "0");
  CHECK(named.get("pids/ctr/freezer.state") == "FROZEN");  // not a freezer: left alone

  // The same leaves without kinds in the journal: found by their files.
  Host legacy;
  legacy.journal.clear();
  legacy.leaf("pids", {{"pids.max", "7"}});
  legacy.leaf("freezer", {{"freezer.state", "FROZEN"}});
  legacy.leaf("unified", {{"cgroup.freeze", "0"}, {"cgroup.events", "frozen 0"}});
  auto old = legacy.record();
  CHECK(ContainerCgroups::any_frozen(legacy.k, old.st));
  CHECK(ContainerCgroups::paused(old.st));
  ContainerCgroups::thaw_all(legacy.k, old.st);
  CHECK(legacy.get("freezer/ctr/freezer.state") == "THAWED");
  CHECK_FALSE(ContainerCgroups::any_frozen(legacy.k, old.st));
}

TEST_CASE("container cgroups: a leaf the journal names as a freezer but that is gone is not frozen") {
  Host h;
  h.journal.clear();
  h.leaf("freezer", {{"freezer.state", "FROZEN"}}, "v1");
  auto rec = h.record();
  std::filesystem::remove_all(h.t.at("freezer/ctr"));
  CHECK_FALSE(ContainerCgroups::any_frozen(h.k, rec.st));
  ContainerCgroups::thaw_all(h.k, rec.st);
  CHECK(h.writes().empty());
}
