// The typed channel between the CLI (parent) and the container init (child):
// one fixed-size message per step over a SOCK_SEQPACKET socketpair, so every
// read is bounds-checked by construction (a short or long datagram is an
// error, never a parse). The order of steps is:
//   parent: MountSource (one per Bind mount, fd attached; only with
//           plan.bind_sources_from_parent, sent by a helper process)
//   parent: Isolated (only with plan.await_parent: the isolators' isolate()
//           steps are done: id maps written, the init placed in its cgroups)
//   child : RuntimeReady      -> parent runs prestart + createRuntime hooks
//   parent: HooksDone
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
  MountSource = 8,  // the last: recv_msg refuses a kind above it
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
// Receives exactly one SyncMsg; returns 0, -errno, or -EBADMSG for a
// malformed datagram. *fd_out gets an attached fd or -1.
int recv_msg(int sock, SyncMsg* out, int* fd_out) noexcept;

}  // namespace berth::child
