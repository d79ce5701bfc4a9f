// A container's cgroups as one object: its leaf in each hierarchy, opened
// once from what its record says (the cgroups isolator's journal,
// journal.hpp), and everything done to the container through
// them: freeze and thaw (pause, resume), the pids in them (ps, kill --all),
// kill, usage (stats, events) and the OOM watch (events). The cgroups
// isolator makes one when it provisions or recovers; the commands open one
// with open(). Writes go through the Kernel; the fds are its own.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "libcontainer/cgroup/freezer.hpp"
#include "libcontainer/cgroup/journal.hpp"
#include "libcontainer/cgroup/leaf.hpp"
#include "libcontainer/cgroup/oom_watch.hpp"
#include "libcontainer/error/error.hpp"
#include "libcontainer/isolator/usage.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::cgroup {

class ContainerCgroups {
 public:
  // The leaves state_dir's journal names, each opened (none: a container
  // made without cgroups, or before them). A leaf that cannot be opened is
  // kept closed and named by check(). init: the container's init while it
  // lives, 0 once stopped.
  static ContainerCgroups open(sys::Kernel& k, const std::string& state_dir, pid_t init);
  // The same from a record already read.
  static ContainerCgroups open(sys::Kernel& k, const state::ContainerState& s, pid_t init);
  ContainerCgroups(sys::Kernel& k, std::vector<Leaf> leaves, pid_t init);

  // Every leaf is open and, while the init lives, holds it: otherwise an
  // error naming the cgroup (Code::NotFound for an init moved out: acting
  // on it would act on something else than the container).
  Status check() const;
  bool empty() const { return leaves_.empty(); }
  const std::vector<Leaf>& leaves() const { return leaves_; }

  // The freezer: the leaf in the v1 freezer hierarchy, else the cgroup2
  // leaf; none when the container has neither.
  bool has_freezer() const { return freezer_ >= 0; }
  // Frozen by pause (the freezer is self-frozen).
  bool paused() const;
  // The same for the container s records, opening only its freezer leaf,
  // found by its files' names (`state` and `list` ask this of every
  // container they show).
  static bool paused(const state::ContainerState& s);
  // Any leaf frozen, by itself or an ancestor: its processes do not run.
  bool any_frozen() const;
  // The same for the container s records, opening only the leaves its
  // journal says can be frozen (each leaf, for a record that does not say).
  static bool any_frozen(sys::Kernel& k, const state::ContainerState& s);
  // Freezes the freezer, once it is checked to hold the init (frozen
  // without it, the container would be "paused" and still run).
  Status freeze();
  Status thaw();
  // Thaws every self-frozen leaf; best effort (a SIGKILL takes effect in a
  // v1-frozen cgroup only once thawed, and before the cgroups go).
  void thaw_all();
  // The same for the container s records, as any_frozen(k, s) opens them.
  static void thaw_all(sys::Kernel& k, const state::ContainerState& s);

  // Every pid in the leaves and the cgroups below them, ascending.
  std::vector<pid_t> pids() const;
  // sig to every process in them, frozen meanwhile so none forks away,
  // thawed after (as runc 1.1's kill --all): a paused container runs again.
  // SIGKILL also writes cgroup.kill where the kernel has it (v2).
  Status kill(int sig);

  // Usage read from the leaves (stats.hpp) into u's cgroup parts.
  void read_usage(Usage& u) const;
  // Code::Unsupported when the container has no memory cgroup.
  Result<OomWatch> oom_watch() const { return OomWatch::open(*kernel_, leaves_); }

 private:
  static ContainerCgroups open(sys::Kernel& k, std::vector<JournalEntry> leaves, pid_t init);
  Status holds_init(const Leaf& l) const;

  sys::Kernel* kernel_;
  std::vector<Leaf> leaves_;
  std::vector<freezer::Kind> kinds_;  // each leaf's freezer, found once
  pid_t init_ = 0;
  int freezer_ = -1;  // index in leaves_
  freezer::Kind freezer_kind_ = freezer::Kind::None;
  std::optional<Error> missing_;  // the first leaf that could not be opened
};

}  // namespace berth::cgroup
