// The state directory: <root>/<id>/ holds state.json (written once,
// atomically), exec.fifo (the start gate, gone once started), shim.sock and
// the shim's exit.json. Creating the directory is the claim on the id (mkdir
// is atomic: of racing creates exactly one wins). Operations that change a
// container hold an flock on its directory; readers take no lock.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/spec/config.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::json {
class Writer;
}

namespace berth::state {

// runc's rules: [A-Za-z0-9_+.-]+, not "." or "..".
Status validate_id(const std::string& id);

enum class RunState { Creating, Created, Running, Stopped, Paused };  // Paused: its cgroup frozen
const char* status_name(RunState s);

struct ExitRecord {
  int exit_code = 0;  // WEXITSTATUS, or 128+signal
  int signal = 0;     // terminating signal, 0 if exited
  std::string exited_at;
  // What the isolators' watches counted ("oom" -> 1, "pids" -> 3), non-zero
  // only; "oom": the OOM killer killed a process of the container.
  std::map<std::string, int64_t> limitations;
};

struct ContainerState {
  std::string oci_version = "1.2.0";
  // Not stored: set from the exit record for `state`, which then adds
  // "limitations": {...} and, with an "oom" among them, "oomKilled": true
  // (keys the OCI state leaves open; runc has neither).
  std::map<std::string, int64_t> limitations;
  std::string id;
  pid_t pid = 0;
  uint64_t init_start_time = 0;  // /proc/PID/stat field 22: pids are reused
  pid_t shim_pid = 0;
  uint64_t shim_start_time = 0;
  std::string bundle;
  std::string rootfs;
  std::string created;  // RFC 3339 with nanoseconds, UTC
  std::string owner;
  std::map<std::string, std::string> annotations;
  std::vector<spec::Hook> poststart, poststop;
};

// Writes go through the Kernel it is given; reads are direct.
class Store {
 public:
  Store(sys::Kernel& kernel, std::string root) : kernel_(kernel), root_(std::move(root)) {}
  sys::Kernel& kernel() const { return kernel_; }
  const std::string& root() const { return root_; }
  std::string dir(const std::string& id) const { return root_ + "/" + id; }

  // mkdir of <root>/<id>; Code::Exists when the id is taken. Returns the
  // directory fd, locked.
  Result<UniqueFd> claim(const std::string& id) const;
  // Opens and locks an existing container directory (Code::NotFound).
  Result<UniqueFd> lock(const std::string& id) const;
  Status write(const ContainerState& s) const;
  Result<ContainerState> read(const std::string& id) const;
  std::vector<std::string> list_ids() const;
  // Removes the container directory and everything in it.
  Status remove(const std::string& id) const;
  // <dir>/pids: the init's and the shim's pid and start time, written as
  // soon as they exist, so a create cut off before state.json can still be
  // undone.
  Status write_pids(const ContainerState& s) const;

 private:
  sys::Kernel& kernel_;
  std::string root_;
};

// Reads them back into s (pid, init_start_time, shim_pid, shim_start_time).
bool read_pids(const std::string& dir, ContainerState& s);

// The live status from the exit record, the init's /proc entry and the fifo.
RunState current_status(const Store& store, const ContainerState& s);
std::optional<ExitRecord> read_exit_record(const std::string& dir);

// The OCI state document (runc's field order and indentation).
std::string oci_state_json(const ContainerState& s, RunState st, bool pretty);
// The same document as one value of a larger one (`list --format json`).
void write_oci_state(json::Writer& w, const ContainerState& s, RunState st);

}  // namespace berth::state
