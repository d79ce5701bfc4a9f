// Entry points of the code that runs between fork/clone and exec: the cloner
// (the forked CLI that clones the init and then becomes the shim) and the
// container init. Everything here is allocation-free and reports failures
// through the sync channel as a ChildError; see plan.hpp and sync.hpp.
#pragma once

#include "libcontainer/child/plan.hpp"
#include "libcontainer/child/sync.hpp"

#define BERTH_CHILD __attribute__((noinline, no_sanitize("address", "undefined")))

namespace berth::child {

// Runs in the process vforked from the CLI (it shares the CLI's memory until
// its exec, so it writes nothing but its own stack and the argv slot kept
// for the pid): joins namespaces as needed, clones
// the init (which runs init_main), reports the init's pid on
// plan.pid_report_fd, then execs the shim (shim_path, shim_argv) so that the
// shim is the init's parent; without a shim (shim_path null) it exits, and
// the init goes to the CLI, a child subreaper. Never returns.
[[noreturn]] void cloner_main(const ChildPlan& plan, const char* shim_path, char* const* shim_argv);

// The container init. Never returns: execs the user's program or _exits.
[[noreturn]] void init_main(const ChildPlan& plan);

// A process exec'd into a running container (Role::Exec), cloned by the
// intermediate once that has joined the container's cgroups and namespaces:
// the init's process steps without its mounts, hooks and start gate. Never
// returns: execs the program or reports why not (Failed) and _exits.
[[noreturn]] void exec_main(const ChildPlan& plan);

// What send_bind_sources reports on its pipe: 0, or the errno of the mount
// (index into plan.mounts) whose source could not be opened or sent.
struct BindSourcesResult {
  int sys_errno;
  int mount_index;
};

// Runs in a process forked from the CLI: joins the init's mount namespace
// (mntns_fd) keeping the host's credentials, clones the source of every
// Bind mount (open_tree) and sends each as a MountSource message on
// plan.parent_sync_fd, in mount order; writes a BindSourcesResult to
// result_fd and _exits. Never returns.
[[noreturn]] void send_bind_sources(const ChildPlan& plan, int mntns_fd, int result_fd);

// Runs one hook program with `stdin_data` on its stdin, waiting at most
// timeout_s seconds (0: no limit). Returns 0 and sets *wstatus, or -errno.
// Allocation-free so that both the CLI and the init use it.
int run_hook_raw(const char* path, char* const* argv, char* const* envp, int timeout_s, const char* stdin_data,
                 size_t stdin_len, int* wstatus) noexcept;

// Runs hooks[0..n) in order, each with the state on its stdin; stops at the
// first failure and describes it in *err (step, errno or 0, and the json path
// "/hooks/<kind>/<index>"). Returns true when every hook passed.
bool run_hooks(const ChildHook* hooks, size_t n, const char* kind, const char* state, size_t state_len,
               ChildError* err) noexcept;

// Fills err and sends it as Failed, then _exit(1).
[[noreturn]] void fail(const ChildPlan& plan, int err, const char* step, const char* arg, const char* json_path,
                       int json_index);

}  // namespace berth::child
