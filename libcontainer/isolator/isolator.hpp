// The isolator interface (ARCHITECTURE.md "Isolators"): one concern for a
// container's whole life. Every hook is optional. Call order:
//   prepare   CLI, before any side effect: validates the config and fills
//             the isolator's own Fragment (fragment.hpp), which the launcher
//             merges with the others'. It may read the host (stat a path,
//             read a /proc file, look at a namespace file) but makes,
//             writes and keeps nothing (no fd, no process, no file), so
//             every config error is reported before anything is made;
//   provision CLI, the id is claimed (the state directory exists), the init
//             does not exist yet: makes the host resources the init is
//             born into (cgroups), journaling them first in its section of
//             the container's record (ctx.record, saved before they are
//             made), so cleanup() finds them after a crash; it may set the
//             "set by provision" fields of its own fragment;
//   isolate   CLI, the init exists and waits (id maps, cgroup membership);
//             it gets its own fragment back;
//   watch     CLI, once provisioned: names the counters that tell of a
//             limitation (an OOM kill, a refused fork). The launcher puts
//             them on the shim's command line; the shim, which is libc-only
//             and runs no isolator code, reads them when the init exits and records
//             each non-zero one in the exit record, so `state` can say why
//             a container ended. Live events are `berth events`;
//   recover   CLI, a later command (update, events, stats) meets the
//             container again: re-reads the isolator's section of the
//             container's record, re-opens what it names and checks it still holds
//             the container (init: its pid, 0 once stopped); an error names
//             what is gone instead of acting on the wrong thing;
//   update    CLI (`berth update`), after recover, not stopped;
//   usage     CLI (`events`, `stats`), after recover, read-only;
//   enter     CLI (`berth exec`), a running (or created) container: what a
//             process that joins it gets from this concern, in its own
//             Fragment, merged as prepare's are: the namespaces and cgroups
//             it joins, its capabilities, rlimits and seccomp program. Like
//             prepare it keeps nothing but what the fragment names (fds it
//             owns until the process exists);
//   cleanup   delete, or create's undo: reverse order, idempotent, accepts
//             a container it never saw or saw only partly provisioned,
//             from the record alone (no recover first), which the caller
//             has read (delete) or holds (create);
//   abandon   delete --force after a failed cleanup: names what is left for
//             good, or refuses (the default) and the container stays.
// An isolator reads the config and its own fragment, never another
// isolator's: what it must know of another concern (is there a new mount
// namespace?) it learns from the config.
// (ARCHITECTURE.md's prepare is split in two here, prepare and provision,
// so a duplicate id or a bad field never touches a host resource; its
// watch runs in the shim as data, not code, see watch above.)
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/isolator/fragment.hpp"
#include "libcontainer/isolator/usage.hpp"
#include "libcontainer/spec/config.hpp"
#include "libcontainer/state/container_state.hpp"

namespace berth::state {
class Record;
}

namespace berth {

// One counter watch() names: the number after KEY on a line of FILE
// ("oom_kill 2" in memory.events), recorded as LIMITATION ("oom") in the
// exit record when it has grown past BASE, its value at create. The
// counters live in the container's cgroups, which outlive its init, so one
// read at exit is exact.
struct Watch {
  std::string limitation;
  std::string file;  // absolute
  std::string key;
  long base = 0;
};

struct ContainerContext {
  const spec::Config& config;
  std::string id;
  std::string bundle;     // absolute
  std::string rootfs;     // absolute
  std::string state_dir;  // absolute
  // create's record of the container, which provision puts its section
  // into (state/record.hpp); null outside create.
  state::Record* record = nullptr;
};

// What enter() gets: the container and the process that joins it.
struct EnterContext {
  // The container's config as created, with the joining process in place
  // of its own (its defaults taken from the container's, as runc's exec).
  const spec::Config& config;
  std::string id;
  std::string state_dir;
  const state::ContainerState& record;
  pid_t init = 0;
  int init_pidfd = -1;
  // `exec --cgroup`: sub-cgroups of the container's to join,
  // "[CONTROLLER[,CONTROLLER...]:]PATH" each.
  std::vector<std::string> sub_cgroups;
  // The same as prepare() sees it, for an isolator whose part of an exec
  // is its part of a create (capabilities, rlimits, seccomp).
  ContainerContext container() const { return {config, id, record.bundle, record.rootfs, state_dir}; }
};

class Isolator {
 public:
  virtual ~Isolator() = default;
  // Its registry name ("cgroups", "linux/seccomp"), as --isolation and the
  // state directory's record of a container's isolators spell it.
  virtual const char* name() const = 0;
  virtual Status prepare(const ContainerContext&, Fragment&) { return {}; }
  virtual Status provision(const ContainerContext&, Fragment&) { return {}; }
  virtual Status isolate(const ContainerContext&, Fragment&, pid_t /*init*/) { return {}; }
  virtual Status watch(const ContainerContext&, std::vector<Watch>&) { return {}; }
  virtual Status recover(const std::string& /*state_dir*/, pid_t /*init*/) { return {}; }
  // `berth update`: new resource values for a live container; only the
  // fields present change.
  virtual Status update(const std::string& /*state_dir*/, const spec::Resources&) { return {}; }
  // `berth events` / `berth stats`: what the container uses now, written
  // into its part of u (usage.hpp).
  virtual Status usage(const std::string& /*state_dir*/, Usage& /*u*/) { return {}; }
  virtual Status enter(const EnterContext&, Fragment&) { return {}; }
  virtual Status cleanup(const std::string& /*state_dir*/, const state::ContainerState& /*record*/) { return {}; }
  // `delete --force`, once cleanup has failed: what of this concern the
  // host keeps for good if the container goes anyway, for the warning that
  // says so; "" (the default) when it must not go, and its directory stays
  // for another delete to finish the job. Only a concern whose undo belongs
  // to programs outside berth (a CNI plugin whose DEL cannot succeed) says
  // anything here: a cgroup or a mount of berth's own is never abandoned.
  virtual std::string abandon(const std::string& /*state_dir*/, const state::ContainerState& /*record*/) { return ""; }
  // The same from the record in state_dir (none: an empty one).
  Status cleanup(const std::string& state_dir);
};

using IsolatorList = std::vector<std::unique_ptr<Isolator>>;

}  // namespace berth
