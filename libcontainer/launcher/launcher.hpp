// The launcher: create (isolators' prepare, state directory, cloner/init/shim,
// the sync protocol with the init) and the operations on an existing
// container (start, kill, delete). runtime/ calls these; they never print.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "libcontainer/cgroup/container_cgroups.hpp"
#include "libcontainer/error/error.hpp"
#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/isolator/isolator.hpp"
#include "libcontainer/spec/config.hpp"
#include "libcontainer/state/store.hpp"

namespace berth::launcher {

struct CreateOptions {
  std::string id;
  std::string bundle;          // as given; made absolute
  std::string console_socket;  // path of a unix socket that receives the pty master
  std::string pid_file;
  bool no_pivot = false;
  bool no_new_keyring = false;
  int preserve_fds = 0;
  // For each of fds 3..3+preserve_fds-1, '1' when the caller passed it; a
  // '0' slot holds a placeholder of ours, so that no fd of the runtime can
  // land there and reach the container (see cli::hold_preserved_fds).
  std::string preserved_open;
  bool keep_console = false;  // `run` in the foreground: return the master instead
  // berth-shim next to the berth binary. Empty: no shim; the caller is the
  // init's parent and reaps it (Created::init), as runc's `run` does: a
  // foreground run that deletes the container once it exits.
  std::string shim_path;
  // The text of the config, kept in the state directory for exec.
  std::string config_text;
  // Not empty: the container's stdout and stderr (or its terminal) go to the
  // shim, which writes them to this log (shim/log_writer.hpp), rotated past
  // log_max_size bytes, log_max_files files kept. Needs a shim.
  std::string log_path;
  long log_max_size = 10L << 20;
  int log_max_files = 2;
  // With --debug: receives one line of phase timings after a create.
  std::function<void(const std::string&)> debug;
  // Receives each warning (a field accepted but without effect here).
  std::function<void(const std::string&)> warn;
};

struct Created {
  pid_t pid = 0;
  UniqueFd console;  // with keep_console and terminal: true
  UniqueFd init;     // without a shim: a pidfd of the init, our child to reap
};

Result<Created> create(const state::Store& store, const CreateOptions& opts, const spec::Config& config,
                       IsolatorList& isolators);

struct ExecOptions {
  std::string id;
  std::string console_socket;  // receives the pty master of a terminal process
  bool keep_console = false;   // attached with a terminal: return the master instead
  std::string pid_file;
  int preserve_fds = 0;
  std::string preserved_open;            // as CreateOptions'
  bool ignore_paused = false;            // exec into a paused container (the process waits for the thaw)
  std::vector<std::string> sub_cgroups;  // --cgroup, EnterContext::sub_cgroups
  std::function<void(const std::string&)> debug, warn;
};

struct Executed {
  pid_t pid = 0;     // in our pid namespace
  UniqueFd process;  // a pidfd of it: our child, to reap
  UniqueFd console;  // with keep_console and a terminal
};

// Starts a process in the running (or created) container, as runc's exec:
// config is the container's as created (its state directory keeps it),
// with the process to run in its place. The process joins the init's
// namespaces and the container's cgroups, and gets every isolator's part
// (enter). It is our child; exec returns once it runs the program, or with
// the reason it could not (nothing is left then). Refused with Code::Busy
// for a stopped container, and for a paused one without ignore_paused.
Result<Executed> exec(const state::Store& store, const ExecOptions& opts, const spec::Config& config,
                      IsolatorList& isolators);

// Opens the start gate, then runs the poststart hooks; a failing one is
// put in *warnings and the container keeps running (runtime-spec 1.2).
Status start(const state::Store& store, const std::string& id, std::vector<std::string>* warnings);
// sig: a signal number, to the init. SIGKILL to a paused one thaws it after.
Status kill(const state::Store& store, const std::string& id, int sig);
// force: kill a live container first. Idempotent cleanup; poststop hooks.
// Every poststop hook runs; a failing one does not fail the delete: it is
// put in *warnings.
Status remove(const state::Store& store, const std::string& id, bool force, IsolatorList& isolators,
              std::vector<std::string>* warnings);

// Every isolator's recover() for an existing container (init: st.pid, or 0
// once stopped): the first step of a command that updates or reads it.
Status recover(const state::Store& store, const state::ContainerState& st, IsolatorList& isolators);

// New resource values (`berth update`): only the fields present change.
Status update(const state::Store& store, const std::string& id, const spec::Resources& resources,
              IsolatorList& isolators);

// Waits for the container's init to exit, through the shim; returns the
// exit code (128+signal for a signal).
Result<int> wait(const state::Store& store, const std::string& id);
// The container's exit record: at once for one that has exited, else
// through its shim, which answers once the init is gone and its record is
// written (any number of callers at once). A container without a shim
// (berth-runc's, a foreground run's) is its supervisor's to wait for:
// Code::Unsupported, saying so.
Result<state::ExitRecord> wait_for_exit(const state::Store& store, const std::string& id);

// processes.cpp: the container's processes, through its cgroups.
// Code::NotFound for no such container.
// The container's cgroups, as its record names them (none for a container
// made without them); init: its init while it lives, or 0.
cgroup::ContainerCgroups cgroups_of(const state::Store& store, const state::ContainerState& st, pid_t init = 0);
// Every pid in its cgroup and below (ascending), as `ps` lists them.
Result<std::vector<pid_t>> processes(const state::Store& store, const std::string& id);
// Freezes its cgroup (created or running); Code::Busy when stopped or paused.
Status pause(const state::Store& store, const std::string& id);
// Thaws it; Code::Busy unless paused.
Status resume(const state::Store& store, const std::string& id);
// `kill --all`: sig to every process in its cgroup, frozen while they are
// signalled, thawed after (as runc 1.1). A stopped container's leftovers
// (no pid namespace) are signalled too.
Status kill_all(const state::Store& store, const std::string& id, int sig);

// events.cpp: usage and events through its cgroups. Code::NotFound for no
// such container, Code::Busy ("container with id ID is not running") for a
// stopped one, as runc's `events`.
// Its usage now (`events --stats`, `stats`): every isolator's part.
Result<Usage> stats(const state::Store& store, const std::string& id, IsolatorList& isolators);
// Calls emit with one JSON event line (no newline) per OOM event as it
// happens and a stats event every interval, until the init exits or the
// memory cgroup is removed (runc's `events`).
Status events(const state::Store& store, const std::string& id, IsolatorList& isolators,
              std::chrono::milliseconds interval, const std::function<void(const std::string&)>& emit);

}  // namespace berth::launcher
