// What berth knows of a container: the fields of its record (store.hpp).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "libcontainer/json/tree.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth::state {

enum class RunState { Creating, Created, Running, Stopped, Paused };  // Paused: its cgroup frozen
const char* status_name(RunState s);

enum class Phase { Creating, Created };

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
  // Not stored: set by `state` when the shim the record names is gone (killed):
  // it adds "shimGone": true, as nothing will record the exit any more.
  bool shim_gone = false;
  // Not recorded: members the CLI adds to the state document after the OCI
  // ones, each a key and its JSON text (`state`: "network", from network/cni).
  std::vector<std::pair<std::string, std::string>> shown;
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
  // Made with --no-new-keyring: a process exec'd into it keeps the caller's
  // session keyring too, instead of joining the container's.
  bool no_new_keyring = false;
  // Made with --logs: the log its shim writes (`berth logs`), else "".
  std::string log_path;
  // The isolators it was made with, by registry name (isolator_names.hpp).
  std::optional<std::vector<std::string>> isolation;
  // The record's phase: Created once create has finished.
  Phase phase = Phase::Creating;
  // The isolators' sections, by name, each its owner's JSON text
  // ("cgroups": the cgroup journal, journal.hpp).
  std::map<std::string, std::string> sections;
  // The same sections as read_record parsed them, pointing into `parsed`, so
  // that a reader (the cgroup journal's, for every container `list` shows)
  // need not parse their text again. Record::put drops a section's entry.
  std::map<std::string, json::Value> section_values;
  std::shared_ptr<const json::Document> parsed;
};

}  // namespace berth::state
