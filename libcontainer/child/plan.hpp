// ChildPlan: everything the container init needs between clone and exec,
// precomputed by the parent. It is standard-layout and trivially destructible:
// strings and arrays point into the LaunchPlan's arena, which the parent keeps
// alive and the clone inherits. The child only reads it.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "libcontainer/rootfs/mount_options.hpp"

namespace berth::child {

enum class MountKind : uint8_t {
  Bind,    // open_tree of a host path (or rootfs-relative path)
  Fs,      // fsopen of a filesystem type (proc, sysfs, tmpfs, devpts, mqueue, ...)
  Cgroup,  // cgroupfs; bind of the host hierarchy read-only without a cgroup ns
};

struct ChildMount {
  MountKind kind;
  bool source_is_dir;            // decides whether the destination is made a dir or a file
  bool dest_is_proc_or_sys;      // destination must be a real directory (SECURITY.md)
  bool readonly_after_children;  // made read-only once every mount is in place
  int json_index;                // index in /mounts, for errors
  int userns_fd;                 // idmapped mount: the user namespace of its maps, or -1
  int source_fd;                 // Bind with ChildPlan::bind_sources_from_parent: the fd
                                 // number (a placeholder the parent reserved) the init
                                 // puts the received source tree on; otherwise -1
  const char* source;
  const char* fstype;
  const char* dest;  // absolute, inside the rootfs
  rootfs::MountOpts opts;
};

struct ChildDevice {
  const char* path;  // absolute, inside the rootfs
  mode_t mode;       // S_IFCHR/S_IFBLK/S_IFIFO | perms
  dev_t dev;
  uid_t uid;
  gid_t gid;
  int json_index;  // index in /linux/devices, -1 for a default device
};

struct ChildRlimit {
  int resource;
  uint64_t soft, hard;
  int json_index;
};

struct ChildSysctl {
  const char* key;  // "net.ipv4.ip_forward"
  const char* value;
};

struct ChildHook {
  const char* path;
  char* const* argv;
  char* const* envp;
  int timeout_s;  // 0: none
  int json_index;
};

struct CapMasks {
  uint64_t bounding, effective, permitted, inheritable, ambient;
};

// A cgroup v1 hierarchy the init moves itself into, by writing "0" to the
// leaf's `tasks` file that the parent opened: the kernel moves the calling
// thread without the global threadgroup lock, whose write side (any
// cgroup.procs write by pid) waits for an RCU grace period, 5-15 ms here.
struct CgroupJoin {
  int fd;           // O_WRONLY `tasks` of the leaf
  const char* dir;  // the leaf, for errors
};

// A namespace the cloner joins by path before cloning (pid, time, user ...).
struct JoinNs {
  int fd;          // O_RDONLY fd of the nsfs file, opened by the parent
  int nstype;      // CLONE_NEW*
  int json_index;  // index in /linux/namespaces
};

// Process attributes the init applies just before exec (issue 10 section 3:
// process.scheduler, process.ioPriority, linux.personality,
// linux.memoryPolicy, the LSM exec labels). Values are the kernel's, computed
// by the parent (launcher/process_attrs.cpp). All zero (as LaunchPlan
// value-initialises it) changes nothing.
struct ChildProcessAttrs {
  bool has_sched;
  uint32_t sched_policy;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_flags;
  uint64_t sched_runtime, sched_deadline, sched_period;
  bool has_ioprio;
  int ioprio;  // IOPRIO_PRIO_VALUE(class, data)
  bool has_personality;
  unsigned long personality;  // PER_LINUX, PER_LINUX32
  bool has_mempolicy;
  int mempolicy_mode;  // MPOL_* | MPOL_F_*
  bool mempolicy_has_nodes;
  uint64_t mempolicy_nodes[16];  // 1024 nodes (spec::kMaxNumaNodes)
  const char* apparmor_exec;     // "exec PROFILE" for attr/apparmor/exec, or nullptr
  const char* selinux_exec;      // label for attr/exec, or nullptr
};

// What the clone becomes: a container's init, or a process exec'd into a
// running container (`berth exec`): that one joins the init's namespaces and
// cgroups (joins[0] is a pidfd of the init with the CLONE_NEW* set that
// differs from ours), makes no mounts, waits at no gate and execs at once.
enum class Role : uint8_t { Init, Exec };

struct ChildPlan {
  Role role;
  // --- namespaces -----------------------------------------------------------
  uint64_t clone_flags;            // CLONE_NEW* created at clone time
  bool new_cgroupns;               // unshare(CLONE_NEWCGROUP) after the parent placed us
  bool new_userns;                 // become root of it once the maps are written
  bool await_parent;               // wait for Isolated (id maps written, cgroups joined)
  bool await_hooks;                // RuntimeReady, then wait for HooksDone (there are hooks)
  int cgroup_fd;                   // the cgroup2 leaf for CLONE_INTO_CGROUP, -1: none
  const CgroupJoin* cgroup_joins;  // v1 leaves the init joins itself, first thing
  size_t n_cgroup_joins;
  bool new_timens;  // the cloner unshares and writes offsets first
  JoinNs joins[8];
  int n_joins;
  const char* timens_offsets;  // "monotonic 1 0\nboottime 2 0\n"

  // --- file system ----------------------------------------------------------
  const char* rootfs;  // absolute host path
  bool rootfs_readonly;
  bool no_pivot;
  unsigned long rootfs_propagation;  // MS_* flags for "/", 0 = default (rslave)
  bool setup_dev;                    // no bind mount on /dev: create default devices and links
  ChildMount* mounts;
  size_t n_mounts;
  ChildDevice* devices;
  size_t n_devices;
  const char* const* masked_paths;
  size_t n_masked;
  const char* const* readonly_paths;
  size_t n_readonly;
  ChildSysctl* sysctls;
  size_t n_sysctls;
  // --- bind sources opened on the host's side (issue 10) --------------------
  // With a new user namespace its root may not reach a bind source the host
  // can (a 0700 parent directory). The parent then clones each Bind source
  // (open_tree, joined to the init's mount namespace with the host's
  // credentials, as runc 1.1 opens them) and sends them as MountSource
  // messages, in mount order, before Isolated; the init dup2()s each onto
  // its ChildMount::source_fd and attaches it as before.
  bool bind_sources_from_parent;
  const char* hostname;  // nullptr: leave as is
  const char* domainname;

  // --- process --------------------------------------------------------------
  char* const* argv;
  char* const* envp;
  const char* path_env;  // PATH value from envp, for the lookup of argv[0]
  const char* cwd;
  uid_t uid;
  gid_t gid;
  const gid_t* groups;
  size_t n_groups;
  bool set_groups;  // call setgroups (false inside a userns with setgroups denied)
  int umask;        // -1: leave as is
  CapMasks caps;
  int last_cap;
  bool no_new_privs;
  ChildRlimit* rlimits;
  size_t n_rlimits;
  bool has_oom_score_adj;
  int oom_score_adj;
  const void* seccomp_filter;  // struct sock_filter[]
  unsigned seccomp_len;
  unsigned seccomp_flags;
  bool seccomp_listener;
  bool terminal;
  unsigned short console_rows, console_cols;
  int preserve_fds;             // fds 3 .. 3+N-1 stay open in the container
  const char* preserved_open;   // N chars: '1' fd 3+i is the caller's, '0' a placeholder
                                // of the CLI's (closed before exec); nullptr: all the caller's
  const char* session_keyring;  // "_ses.<id>", or nullptr with --no-new-keyring
  ChildProcessAttrs attrs;

  // --- HOME from the container's /etc/passwd (runc's rule; home_env.hpp) -----
  // When process.env has no HOME (or an empty one) envp holds home_buf, which
  // the parent fills with "HOME=/" and the init rewrites with the home of uid
  // from the container's /etc/passwd. nullptr: the env has its own HOME.
  char* home_buf;
  size_t home_buf_len;

  // --- hooks run by the init ------------------------------------------------
  ChildHook* create_container_hooks;
  size_t n_create_container_hooks;
  ChildHook* start_container_hooks;
  size_t n_start_container_hooks;
  const char* state_json;  // stdin of the init's hooks

  // --- fds inherited from the parent ----------------------------------------
  int sync_fd;                  // SOCK_SEQPACKET to the CLI
  int parent_sync_fd;           // the CLI's end: closed in the cloner, so that the
                                // init sees EOF when the CLI dies mid-create
  int fifo_fd;                  // O_PATH of <state>/exec.fifo: the start gate
  int pid_report_fd;            // pipe to the CLI: the cloner writes the init's pid
  int shim_sock_fd;             // the shim's listening socket, kept across its exec
  int shim_log_fds[3];          // --logs: what the shim reads the container's output from
  int n_shim_log_fds;           // (the read ends, a console socket), kept across its exec
  bool own_stdio;               // --logs: the init's stdio is stdio_fds, not the caller's
  int stdio_fds[3];             // /dev/null and the pipes' write ends
  int host_proc_fd;             // Exec: O_PATH of the host's /proc for the procfs writes
                                // (oomScoreAdj, LSM labels), or -1 when there are none
  int lock_fd;                  // the CLI's flock on the state dir: closed at once in the
                                // cloner, or the lock would live as long as the container
  bool cloner_is_intermediate;  // joins need a throwaway process (CLONE_PARENT)
  dev_t self_exe_dev;           // the berth binary, never exec'd inside the container
  ino_t self_exe_ino;
};

static_assert(std::is_standard_layout_v<ChildPlan>);
static_assert(std::is_trivially_destructible_v<ChildPlan>);

}  // namespace berth::child
