// The typed channel between the CLI (parent) and the container init (child):
// one fixed-size message per step over a SOCK_SEQPACKET socketpair, so every
// read is bounds-checked by construction (a short or long datagram is an
// error, never a parse). Each side speaks through a class with one method
// per step that checks the kind it receives: RuntimeChannel here (the init's
// end, child code), launcher::InitChannel (the CLI's). The order of steps is:
//   parent: MountSource (one per Bind mount, fd attached; only with
//           plan.bind_sources_from_parent, sent by a helper process)
//   parent: Isolated (only with plan.await_parent: the isolators' isolate()
//           steps are done: id maps written, the init placed in its cgroups)
//   child : RuntimeReady      -> parent runs prestart + createRuntime hooks
//   parent: HooksDone         (these two only with plan.await_hooks: the
//                              config has hooks)
//   child : ConsoleFd (fd attached, only with terminal: true)
//   child : SeccompFd (fd attached, only with a seccomp listenerPath)
//   child : Created           -> parent records state, create returns
// At any point the child may send Failed (with a ChildError) and exit.
#pragma once

#include <cstddef>
#include <cstdint>

namespace berth::child {

enum class SyncKind : uint32_t {
  Isolated = 1,
  RuntimeReady = 2,
  HooksDone = 3,
  ConsoleFd = 4,
  Created = 5,
  Failed = 6,
  SeccompFd = 7,
  MountSource = 8,  // a new kind needs a name in step_name (recv_msg refuses one without)
};

// What the child reports when a setup step fails.
struct ChildError {
  int32_t sys_errno;
  char step[128];       // "mount proc on /proc"
  char json_path[128];  // "/mounts/0"
};

struct SyncMsg {
  uint32_t magic;
  SyncKind kind;
  ChildError error;  // meaningful for Failed
};

inline constexpr uint32_t kSyncMagic = 0x62657274;  // "bert"

// Raw, allocation-free helpers usable on both sides.
// Sends len bytes of data with fd attached when fd >= 0 (SCM_RIGHTS), in one
// sendmsg; 0, -errno, or -EMSGSIZE if short. sys::send_fd uses it too.
int send_with_fd(int sock, const void* data, size_t len, int fd) noexcept;
// One SyncMsg, with fd attached when fd >= 0.
int send_msg(int sock, SyncKind kind, const ChildError* err, int fd) noexcept;
// Receives exactly one SyncMsg; returns 0, -errno, -EBADMSG for a malformed
// datagram, or -EPROTO for a well-formed one of a kind this build does not
// know (out->kind says which). *fd_out gets an attached fd or -1 (always -1
// unless 0 is returned).
int recv_msg(int sock, SyncMsg* out, int* fd_out) noexcept;

// The step's name in errors ("hooks-done"); nullptr for an unknown kind.
const char* step_name(SyncKind k) noexcept;
// What a receiver got instead of the step it awaited, into buf:
// "expected hooks-done from the runtime, received isolated" (r: recv_msg's
// result; from: who was to send it).
void describe_mismatch(char* buf, size_t cap, SyncKind want, const char* from, int r, const SyncMsg& got) noexcept;

// The one parent-side message child code sends: the bind source helper (a
// fork of the CLI) passes each cloned source tree on the CLI's end.
int send_mount_source(int parent_sync_fd, int tree) noexcept;

// The init's end. Allocation-free; libc through child::sys only. An await_*
// that receives anything but its step (a wrong or unknown kind, a malformed
// datagram, the runtime's death) reports it with Failed, naming both steps,
// and _exits: the init cannot go on without the runtime. The send_* return
// 0 or -errno.
class RuntimeChannel {
 public:
  explicit RuntimeChannel(int fd) noexcept : fd_(fd) {}
  // One Bind mount's source tree (with plan.bind_sources_from_parent).
  int await_mount_source() const noexcept;
  void await_isolated() const noexcept;
  int send_runtime_ready() const noexcept;
  // The memfd with the state JSON for the init's hooks, or -1.
  int await_hooks_done() const noexcept;
  int send_console(int master) const noexcept;
  int send_seccomp_fd(int notify_fd) const noexcept;
  int send_created() const noexcept;
  int send_failed(const ChildError& e) const noexcept;

 private:
  int await(SyncKind want) const noexcept;  // the attached fd, or -1
  int fd_;
};

}  // namespace berth::child
