// UndoStack: labelled, idempotent undo steps pushed right after each side
// effect of create succeeds. Unless commit() is reached, the destructor (or
// unwind()) runs them in reverse; failures become notes on the error.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "libcontainer/error/error.hpp"

namespace berth {

class UndoStack {
 public:
  UndoStack() = default;
  UndoStack(const UndoStack&) = delete;
  UndoStack& operator=(const UndoStack&) = delete;
  ~UndoStack() { unwind(nullptr); }

  void push(std::string label, std::function<Status()> step) { steps_.emplace_back(std::move(label), std::move(step)); }
  void commit() { steps_.clear(); }
  // Runs the steps in reverse; each failure is added to err as a note.
  void unwind(Error* err) {
    while (!steps_.empty()) {
      auto [label, step] = std::move(steps_.back());
      steps_.pop_back();
      Status s = step();
      if (!s.ok() && err) err->add_note("undo " + label + ": " + s.error().message());
    }
  }

 private:
  std::vector<std::pair<std::string, std::function<Status()>>> steps_;
};

}  // namespace berth
