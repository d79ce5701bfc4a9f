// The berth CLI's commands: each takes the parsed options and returns the
// process exit code; errors are returned to main, which logs them once.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/launcher/launcher.hpp"
#include "libcontainer/log/log.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::cli {

struct Globals {
  std::string root = "/run/berth";
  std::string log_path;
  std::string log_format = "text";
  bool debug = false;
  bool systemd_cgroup = false;
  log::Sink* log = nullptr;
  sys::Kernel* kernel = nullptr;  // main's LinuxKernel
  std::string self_exe;           // the berth binary's host path (create, run)
  // Invoked as berth-runc (supervised_name): under a supervisor (conmon,
  // containerd's runc shim), the container's init is the supervisor's to
  // reap, as runc's is, so no berth-shim stands in between.
  bool supervised = false;
  state::Store store() const { return state::Store(*kernel, root); }
};

struct CreateFlags {
  std::string id, bundle = ".", console_socket, pid_file;
  bool no_pivot = false, no_new_keyring = false;
  int preserve_fds = 0;
  std::string preserved_open;            // hold_preserved_fds' answer
  std::optional<std::string> isolation;  // --isolation: the isolators, by name, comma-separated
  bool detach = false, keep = false;     // run only
  // --logs: the shim keeps the container's output (logs_path, default
  // <state>/container.log), rotated past logs_max_size, logs_max_files files.
  bool logs = false;
  std::string logs_path, logs_max_size = "10M";
  int logs_max_files = 2;
  // CNI networks (network/cni): written as the config's run.berth.cni.*
  // annotations (apply_network_flags).
  std::vector<std::string> networks, publish;
  std::string cni_conf_dir, cni_bin_dir;
  // --image: the bundle made from an image (runtime/image.cpp), its
  // backend, a terminal, and the command after the id.
  std::string image, image_backend;
  bool tty = false;
  std::vector<std::string> command;
  // --ip, --mac-address: the ips and mac capability arguments.
  std::vector<std::string> ips;
  std::string mac;
};

struct LogsFlags {
  std::string id;
  bool follow = false;
  long tail = -1;  // -1: all
};

struct InspectNetworkFlags {
  std::string id;
  bool check = false, status = false;
};

struct ExecFlags {
  std::string id;
  std::vector<std::string> args;  // the command, after the id
  std::string process;            // -p: a process.json instead of (or under) the flags
  std::string console_socket, pid_file, cwd, user, apparmor, process_label;
  std::vector<std::string> env, caps, cgroups;
  std::vector<int64_t> additional_gids;
  bool tty = false, detach = false, no_new_privs = false, ignore_paused = false;
  int preserve_fds = 0;
  std::string preserved_open;  // hold_preserved_fds' answer
};

// The process `exec` runs, as runc's: process.json (its capabilities,
// rlimits, LSM labels and oomScoreAdj default to the container's), or the
// container's process with the command line's args, no terminal unless -t;
// then the flags on top (--env replaces a variable of the same name).
// Unknown capabilities, a user that is no UID[:GID] and an --env without
// "=" are refused, naming the flag.
Result<spec::Process> exec_process(const spec::Process& container, const ExecFlags& f);

// The name that makes berth run as runc does under a supervisor: a link
// to berth called so (`make install` makes one), as podman's --runtime and
// containerd's BinaryName take one path and pass no flag of berth's own.
inline constexpr const char* kSupervisedName = "berth-runc";
bool supervised_name(const char* argv0);

Result<int> cmd_create(const Globals& g, const CreateFlags& f);
Result<int> cmd_run(const Globals& g, const CreateFlags& f);
Result<int> cmd_start(const Globals& g, const std::string& id);
Result<int> cmd_state(const Globals& g, const std::string& id);
Result<int> cmd_wait(const Globals& g, const std::string& id);
Result<int> cmd_exec(const Globals& g, const ExecFlags& f);
Result<int> cmd_logs(const Globals& g, const LogsFlags& f);
// --network, --publish, --ip, --mac-address, --cni-conf-dir, --cni-bin-dir
// as the config's network/cni annotations; errors name the flag.
Status apply_network_flags(const CreateFlags& f, spec::Config& config);
// --image: the container's bundle made by berth-image (STORE/containers/ID),
// its path; "" without --image. The bundle goes with the container's delete
// (isolators/filesystem/image.cpp), or at once if the create fails.
Result<std::string> image_bundle(const Globals& g, const CreateFlags& f);
// `berth image ...`: berth-image, beside berth, with berth's --root; returns
// only if it cannot be run.
int exec_image_command(int argc, char** argv);
Result<int> cmd_inspect_network(const Globals& g, const InspectNetworkFlags& f);

// "10M", "512k", "1048576" -> bytes (k, M, G: powers of 1024); Code::Config
// naming flag for anything else or 0.
Result<long> parse_size(const std::string& s, const std::string& flag);
Result<int> cmd_kill(const Globals& g, const std::string& id, const std::string& sig, bool all);
Result<int> cmd_delete(const Globals& g, const std::string& id, bool force);
Result<int> cmd_list(const Globals& g, bool quiet, const std::string& format);
Result<int> cmd_spec(const std::string& bundle, bool rootless);
Result<int> cmd_features();
// args: the container id, then ps(1)'s options (default -ef).
Result<int> cmd_ps(const Globals& g, const std::string& format, const std::vector<std::string>& args);
Result<int> cmd_pause(const Globals& g, const std::string& id);
Result<int> cmd_resume(const Globals& g, const std::string& id);

// --preserve-fds N promises fds 3..3+N-1; a slot the caller left empty gets
// a close-on-exec /dev/null of ours at once, so that no fd the runtime opens
// later (sync socket, private procfs, ...) lands there and is passed on.
// Returns N chars, '1' for a fd of the caller's, '0' for a placeholder.
// Call before any other open.
std::string hold_preserved_fds(int n);

// The isolators an existing container was made with (as its state
// directory records them), for delete, update, events and stats.
IsolatorList isolators_of(const Globals& g, const std::string& id);

// "KILL", "SIGKILL", "9" -> 9.
Result<int> parse_signal(const std::string& s);

}  // namespace berth::cli
