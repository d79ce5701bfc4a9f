// The state directory, <root>/<id>/, holds:
//   state.json  the container's record, the one file berth writes for it;
//   exec.fifo   the start gate (gone once started);
//   shim.sock   the shim's control socket;
//   exit.json   the exit record, written by the shim (shim/main.cpp);
//   container.log[.N]  with --logs (and no --logs-path): the container's
//               output, as its shim writes it (shim/log_writer.hpp);
//   config.json the config.json create read, as it read it: `exec` takes
//               the container's seccomp program, capabilities, rlimits and
//               (without -p) its process from it, never from the bundle,
//               which may have changed or be the container's to write.
// Creating the directory is the claim on the id (mkdir is atomic: of racing
// creates exactly one wins). Operations that change a container hold an
// flock on its directory; readers (state, list) take no lock.
//
// state.json, one JSON object, replaced whole and atomically (temp file,
// fsync, rename: record.cpp says when and why no directory fsync):
//   "berthStateVersion": 1   first; a reader refuses a version it does not
//                            know, naming it. Any change of what a field
//                            means or where it is takes a new version.
//   "phase": "creating" | "created"   created once create has finished;
//                            `state`, `list` and the commands see only those.
//   "ociVersion", "id", "bundle", "rootfs", "created", "owner",
//   "annotations"            as in the OCI state;
//   "pid", "initStartTime", "shimPid", "shimStartTime"   the init and the
//                            shim (0 until spawned): a pid alone can be reused;
//   "poststart", "poststop"  the hooks that run after create (config.json
//                            is not read again);
//   "noNewKeyring": true     made with --no-new-keyring (absent otherwise);
//   "logPath": PATH          made with --logs: the log its shim writes;
//   "isolation": [NAME...]   the isolators it was made with (registry
//                            names), so that later commands make the same;
//   "isolators": {NAME: VALUE}   the isolators' records, each a section its
//                            owner writes and reads: "cgroups" (the journal
//                            of the cgroups made, journal.hpp), "devices"
//                            (device_record.hpp), "hostRootfs" (the rootfs
//                            bind of filesystem/linux). They are what
//                            cleanup needs after a crash, saved before the
//                            side effect they undo.
// A directory of the berth before this record (state.json without a
// version, beside pids, watch, cgroups, devices, host-rootfs-bind and
// isolators) is not
// read: every command, `delete --force` too, says so and names the format.
#pragma once

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/spec/config.hpp"
#include "libcontainer/state/container_state.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/state/record.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::json {
class Writer;
}

namespace berth::state {

// runc's rules: [A-Za-z0-9_+.-]+, not "." or "..".
Status validate_id(const std::string& id);

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
  // The record of a created container: Code::Busy while it is being
  // created (no record yet, or phase "creating"), NotFound without a
  // directory; read_record's errors for one it cannot read.
  Result<ContainerState> read(const std::string& id) const;
  std::vector<std::string> list_ids() const;
  // Removes the container directory and everything in it.
  Status remove(const std::string& id) const;

 private:
  sys::Kernel& kernel_;
  std::string root_;
};

// The live status from the exit record, the init's /proc entry and the fifo.
RunState current_status(const Store& store, const ContainerState& s);
std::optional<ExitRecord> read_exit_record(const std::string& dir);

// The OCI state document (runc's field order and indentation).
std::string oci_state_json(const ContainerState& s, RunState st, bool pretty);
// The same document as one value of a larger one (`list --format json`).
void write_oci_state(json::Writer& w, const ContainerState& s, RunState st);
// "limitations": {"oom": 1, ...}, when there is any (state, wait).
void write_limitations(json::Writer& w, const std::map<std::string, int64_t>& limitations);

}  // namespace berth::state
