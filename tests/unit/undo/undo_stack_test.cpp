// UndoStack: for a failure injected after step N of a sequence of side
// effects, everything done before it is undone in reverse, undo failures
// become notes, and commit() keeps everything.
#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "libcontainer/undo/undo_stack.hpp"

using namespace berth;

namespace {

// A toy "system": a list of resources that steps create and undo removes.
struct World {
  std::vector<std::string> held;
  std::vector<std::string> log;
};

// Runs 5 steps; step `fail_at` fails (0 = none). Returns the status.
Status run_steps(World& w, int fail_at, int bad_undo = 0) {
  UndoStack undo;
  for (int i = 1; i <= 5; i++) {
    if (i == fail_at) {
      Error e(Code::System, "step " + std::to_string(i), 5);
      undo.unwind(&e);
      return e;
    }
    std::string r = "r" + std::to_string(i);
    w.held.push_back(r);
    undo.push("release " + r, [&w, r, i, bad_undo]() -> Status {
      w.log.push_back("undo " + r);
      if (i == bad_undo) return Error(Code::Busy, "cannot release " + r);
      std::erase(w.held, r);
      return {};
    });
  }
  undo.commit();
  return {};
}

}  // namespace

TEST_CASE("undo: a failure at each step leaves nothing held, undone in reverse") {
  for (int n = 1; n <= 5; n++) {
    CAPTURE(n);
    World w;
    Status s = run_steps(w, n);
    REQUIRE_FALSE(s.ok());
    CHECK(w.held.empty());
    REQUIRE(w.log.size() == size_t(n - 1));
    for (int k = 0; k < n - 1; k++) CHECK(w.log[size_t(k)] == "undo r" + std::to_string(n - 1 - k));
  }
}

TEST_CASE("undo: commit keeps every side effect") {
  World w;
  CHECK(run_steps(w, 0).ok());
  CHECK(w.held.size() == 5);
  CHECK(w.log.empty());
}

TEST_CASE("undo: a failing undo step becomes a note and the others still run") {
  World w;
  Status s = run_steps(w, 4, 2);
  REQUIRE_FALSE(s.ok());
  CHECK(w.held == std::vector<std::string>{"r2"});
  CHECK(w.log.size() == 3);
  REQUIRE(s.error().notes().size() == 1);
  CHECK(s.error().notes()[0].find("undo release r2: cannot release r2") != std::string::npos);
  CHECK(s.error().sys_errno() == 5);  // the original failure is kept
}

TEST_CASE("undo: the destructor unwinds when commit is never reached") {
  World w;
  {
    UndoStack u;
    w.held.push_back("x");
    u.push("release x", [&w] {
      std::erase(w.held, std::string("x"));
      return Status{};
    });
  }
  CHECK(w.held.empty());
}
