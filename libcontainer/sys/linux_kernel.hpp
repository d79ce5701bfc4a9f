// LinuxKernel: sys::Kernel made of the real system calls. Stateless; one
// instance serves a whole CLI invocation.
#pragma once

#include "libcontainer/sys/kernel.hpp"

namespace berth::sys {

// Removes name (relative to the directory fd parent, or AT_FDCWD) and, if it
// is a directory, everything below it; symlinks are removed, never
// followed. A missing name is no error.
Status remove_tree_at(int parent, const char* name);

class LinuxKernel final : public Kernel {
 public:
  Status make_dir(const std::string& path, mode_t mode) override;
  Status remove_tree(const std::string& path) override;
  Status remove_file(const std::string& path) override;
  Status make_fifo(const std::string& path, mode_t mode) override;
  Status write_file(const std::string& path, std::string_view data, mode_t mode) override;
  Status rewrite_file(const std::string& path, std::string_view data, mode_t mode) override;
  Result<UniqueFd> open_locked_dir(const std::string& path) override;
  Result<UniqueFd> open_path(const std::string& path) override;
  Result<UniqueFd> listen_unix(const std::string& path) override;
  Result<UniqueFd> open_dir_at(int dirfd, const std::string& path) override;
  Status make_dir_at(int dirfd, const std::string& path, mode_t mode) override;
  Status remove_dir_at(int dirfd, const std::string& path) override;
  Status write_at(int dirfd, const std::string& file, std::string_view data) override;
  Status set_xattr(int fd, const std::string& name, std::string_view value) override;
  Result<std::string> get_xattr(int fd, const std::string& name) override;
  Status replace_device_filter(int cgroup_fd, const std::vector<bpf_insn>& program) override;
  Result<SpawnedInit> spawn_init(child::ChildPlan& plan, const char* shim_path, char* const* shim_argv) override;
  Status send_bind_sources(pid_t init, const child::ChildPlan& plan) override;
  Status signal(pid_t pid, uint64_t start_time, int sig) override;
  void reap(pid_t pid) override;
  uint64_t start_time(pid_t pid, std::string* comm = nullptr) override;
  Status unmount(const std::string& path, int flags) override;
  Result<UniqueFd> open_pidfd(pid_t pid, uint64_t start_time) override;
  Result<UniqueFd> open_child_pidfd(pid_t pid) override;
  Result<ProgramOutput> run_program(const std::string& path, const std::vector<std::string>& argv,
                                    const std::vector<std::string>& envp, std::string_view stdin_data, int timeout_s,
                                    const std::string& netns = "") override;
  Status bind_namespace(pid_t pid, const char* ns, const std::string& path) override;
  Status signal_pidfd(int pidfd, int sig) override;
  std::optional<int> reap_if_exited(pid_t pid) override;
  Result<UniqueFd> open_fifo_reader(const std::string& path) override;
  Result<UniqueFd> make_memfd(const char* name, std::string_view data) override;
  Status write_id_map(pid_t pid, const char* file, const std::vector<spec::IdMapping>& m) override;
  Status send_fd_to(const std::string& socket_path, std::string_view payload, int fd) override;
  Result<std::string> request_line(const std::string& socket_path, const std::string& line) override;
  Result<int> run_hook(const char* path, char* const* argv, char* const* envp, int timeout_s,
                       std::string_view stdin_data) override;
  Status write_file_synced(const std::string& path, std::string_view data, mode_t mode) override;
};

}  // namespace berth::sys
