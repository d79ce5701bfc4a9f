// sys::Kernel: the seam between berth's host-side code and the kernel. Every
// call of the CLI's launch and delete paths that changes kernel state (a
// directory, a file, a fifo, a socket, a cgroup, a mount, a process) goes
// through one of these methods, so tests can hand in a FakeKernel that
// records typed calls, fails call N with a chosen errno, and shows what was
// left behind. Reads (realpath, /proc lookups for start times aside) stay
// direct. The real one is LinuxKernel (linux_kernel.hpp); runtime/ makes one
// and passes it down through constructors. Child code never uses it: the
// init has its own allowlist (child/sys.hpp).
#pragma once

#include <linux/bpf.h>
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libcontainer/child/plan.hpp"
#include "libcontainer/error/error.hpp"
#include "libcontainer/fd/unique_fd.hpp"

namespace berth::spec {
struct IdMapping;
}

namespace berth::sys {

// What spawn_init starts: the shim (the forked cloner, exec'd) and the
// container init it cloned, plus the CLI's end of the sync channel.
struct SpawnedInit {
  pid_t shim = 0;  // 0: none
  pid_t init = 0;
  UniqueFd sync;
};

// What run_program saw of a program: its wait status and all it wrote.
struct ProgramOutput {
  int status = 0;
  std::string out, err;
};

class Kernel {
 public:
  virtual ~Kernel() = default;

  // Directories and files, by absolute host path. Errors carry sys_errno
  // (EEXIST from make_dir is how a taken id is seen).
  virtual Status make_dir(const std::string& path, mode_t mode) = 0;
  // Removes path and everything under it without following symlinks;
  // a missing path is not an error.
  virtual Status remove_tree(const std::string& path) = 0;
  virtual Status remove_file(const std::string& path) = 0;
  // A fifo with exactly this mode (past the umask).
  virtual Status make_fifo(const std::string& path, mode_t mode) = 0;
  // Replaces path atomically (temp file + rename).
  virtual Status write_file(const std::string& path, std::string_view data, mode_t mode) = 0;
  // write_file for a file rewritten several times in a row (the state record
  // during create): no block freed on the way, path.tmp left beside it
  // (state/files.hpp, Sync::Spare).
  virtual Status rewrite_file(const std::string& path, std::string_view data, mode_t mode) = 0;
  // O_DIRECTORY, then an exclusive flock held as long as the fd lives.
  virtual Result<UniqueFd> open_locked_dir(const std::string& path) = 0;
  virtual Result<UniqueFd> open_path(const std::string& path) = 0;  // O_PATH
  virtual Result<UniqueFd> listen_unix(const std::string& path) = 0;

  // Cgroup directories and control files, relative to a directory fd.
  // write_at never creates a file: a controller the kernel did not create
  // the file for fails as it would on a host (ENOENT).
  virtual Result<UniqueFd> open_dir_at(int dirfd, const std::string& path) = 0;
  virtual Status make_dir_at(int dirfd, const std::string& path, mode_t mode) = 0;
  virtual Status remove_dir_at(int dirfd, const std::string& path) = 0;
  virtual Status write_at(int dirfd, const std::string& file, std::string_view data) = 0;
  // Extended attributes of an open file or directory (cgroupfs keeps
  // trusted.* ones on its directories, v1 and v2). get_xattr fails with
  // ENODATA where the attribute is not set.
  virtual Status set_xattr(int fd, const std::string& name, std::string_view value) = 0;
  virtual Result<std::string> get_xattr(int fd, const std::string& name) = 0;
  // Loads a BPF_PROG_TYPE_CGROUP_DEVICE program and makes it the cgroup's
  // only device filter: attaches it (BPF_F_ALLOW_MULTI) beside the ones
  // attached there now, then detaches those, so that meanwhile a device
  // must be allowed by both, never by neither. On an error the new program
  // may be attached beside old ones (stricter, never looser); a later call
  // detaches them. The attachment lives as long as the cgroup.
  virtual Status replace_device_filter(int cgroup_fd, const std::vector<bpf_insn>& program) = 0;

  // Forks the cloner, which clones the init with `plan` and then execs the
  // shim (shim_argv[2] is a writable slot for the init's pid). Without a
  // shim (shim_path null) the cloner exits instead, and the init is ours:
  // this process becomes a child subreaper. Sets the plan's fd fields for
  // the sync channel. On failure nothing is left running.
  virtual Result<SpawnedInit> spawn_init(child::ChildPlan& plan, const char* shim_path, char* const* shim_argv) = 0;
  // For a user-namespaced init waiting for Isolated: clones the source of
  // every Bind mount of the plan inside the init's mount namespace with the
  // host's credentials (a forked helper) and sends them to the init on
  // plan.parent_sync_fd (child::send_bind_sources). The error names the
  // mount's source.
  virtual Status send_bind_sources(pid_t init, const child::ChildPlan& plan) = 0;
  // Signals pid if it is still the process that started at start_time (a
  // pid alone can be reused). Code::NotFound when it is gone.
  virtual Status signal(pid_t pid, uint64_t start_time, int sig) = 0;
  // Waits for a child of ours to exit (the cloner/shim after SIGKILL).
  virtual void reap(pid_t pid) = 0;
  // /proc/PID/stat field 22; 0 when gone or a zombie.
  virtual uint64_t start_time(pid_t pid, std::string* comm = nullptr) = 0;

  virtual Status unmount(const std::string& path, int flags) = 0;

  // The lifecycle's processes and what create hands to other processes.
  // A pidfd of pid if it is still the process that started at start_time
  // (Code::NotFound when it is gone). It polls readable once the process
  // has exited.
  virtual Result<UniqueFd> open_pidfd(pid_t pid, uint64_t start_time) = 0;
  // A pidfd of a child of ours not reaped yet, which may have exited already
  // (a zombie has no start time to check, and its pid cannot be reused
  // before we reap it). Code::NotFound when it is no process.
  virtual Result<UniqueFd> open_child_pidfd(pid_t pid) = 0;
  virtual Status signal_pidfd(int pidfd, int sig) = 0;
  // waitpid(WNOHANG) of a child of ours: its wait status once it has
  // exited (then reaped), nullopt while it runs or is no child of ours.
  virtual std::optional<int> reap_if_exited(pid_t pid) = 0;
  // Opens a fifo for reading without blocking: a writer blocked in its
  // open(2) (the init at its start gate) goes on.
  virtual Result<UniqueFd> open_fifo_reader(const std::string& path) = 0;
  // A memfd (close-on-exec) holding data.
  virtual Result<UniqueFd> make_memfd(const char* name, std::string_view data) = 0;
  // /proc/PID/<file> ("uid_map" or "gid_map"), in the one write(2) the
  // kernel takes.
  virtual Status write_id_map(pid_t pid, const char* file, const std::vector<spec::IdMapping>& m) = 0;
  // Connects to the unix socket at path and sends payload with fd attached.
  virtual Status send_fd_to(const std::string& socket_path, std::string_view payload, int fd) = 0;
  // Connects to the unix socket at path, sends line plus a newline, and
  // returns the one-line reply (without its newline).
  virtual Result<std::string> request_line(const std::string& socket_path, const std::string& line) = 0;
  // Runs a hook program with stdin_data on its stdin and waits for it, at
  // most timeout_s seconds (0: no limit; then sys_errno ETIMEDOUT). Returns
  // its wait status.
  virtual Result<int> run_hook(const char* path, char* const* argv, char* const* envp, int timeout_s,
                               std::string_view stdin_data) = 0;

  // Added for the state record (state/record.hpp).
  // As write_file, with the temp file fsync'ed before the rename: after a
  // crash of the host, path holds the old or the new data, never a part.
  // The directory is not fsync'ed: see record.hpp for why no rename of the
  // record must survive one.
  virtual Status write_file_synced(const std::string& path, std::string_view data, mode_t mode) = 0;

  // Added for network/cni.
  // Runs path (argv[0] included in argv, envp the whole environment) with
  // stdin_data on its stdin and collects its stdout and stderr until it
  // exits, at most timeout_s seconds: then it is killed (sys_errno ETIMEDOUT).
  // netns not empty: it runs in the network namespace bound there.
  virtual Result<ProgramOutput> run_program(const std::string& path, const std::vector<std::string>& argv,
                                            const std::vector<std::string>& envp, std::string_view stdin_data,
                                            int timeout_s, const std::string& netns = "") = 0;
  // Makes path an empty file and bind-mounts /proc/PID/ns/NS ("net") on it:
  // the namespace then lives as long as the mount, whatever pid does.
  virtual Status bind_namespace(pid_t pid, const char* ns, const std::string& path) = 0;
};

}  // namespace berth::sys
