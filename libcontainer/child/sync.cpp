// Fixed-size SEQPACKET messages with an optional fd; see sync.hpp.
// Child code (the init sends and receives with it): libc only through child::sys, and
// checked by tests/lint/child_symbols.sh like the rest of child/. Not marked BERTH_CHILD:
// the parent calls it too, and the fuzz target (tests/fuzz/fuzz_sync.cpp) needs ASan on
// the decoder.
#include "libcontainer/child/sync.hpp"

#include "libcontainer/child/sys.hpp"

namespace berth::child {

int send_with_fd(int sock, const void* data, size_t len, int fd) noexcept {
  iovec iov{const_cast<void*>(data), len};
  msghdr h{};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
  if (fd >= 0) {
    sys::memset(cbuf, 0, sizeof cbuf);
    h.msg_control = cbuf;
    h.msg_controllen = sizeof cbuf;
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    sys::memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  ssize_t n;
  do n = sys::sendmsg(sock, &h, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  return size_t(n) == len ? 0 : -EMSGSIZE;
}

int send_msg(int sock, SyncKind kind, const ChildError* err, int fd) noexcept {
  SyncMsg m;
  sys::memset(&m, 0, sizeof m);
  m.magic = kSyncMagic;
  m.kind = kind;
  if (err) m.error = *err;
  return send_with_fd(sock, &m, sizeof m, fd);
}

int recv_msg(int sock, SyncMsg* out, int* fd_out) noexcept {
  *fd_out = -1;
  iovec iov{out, sizeof *out};
  msghdr h{};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
  h.msg_control = cbuf;
  h.msg_controllen = sizeof cbuf;
  ssize_t n;
  do n = sys::recvmsg(sock, &h, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS && c->cmsg_len == CMSG_LEN(sizeof(int)))
      sys::memcpy(fd_out, CMSG_DATA(c), sizeof(int));
  }
  if (n == 0) return -EPIPE;  // peer closed: the child died
  int r = 0;
  if (n != sizeof *out || (h.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || out->magic != kSyncMagic)
    r = -EBADMSG;
  else if (!step_name(out->kind))
    r = -EPROTO;
  if (r < 0) {
    if (*fd_out >= 0) sys::close(*fd_out), *fd_out = -1;
    return r;
  }
  out->error.step[sizeof out->error.step - 1] = 0;
  out->error.json_path[sizeof out->error.json_path - 1] = 0;
  return 0;
}

const char* step_name(SyncKind k) noexcept {
  switch (k) {
    case SyncKind::Isolated: return "isolated";
    case SyncKind::RuntimeReady: return "runtime-ready";
    case SyncKind::HooksDone: return "hooks-done";
    case SyncKind::ConsoleFd: return "console";
    case SyncKind::Created: return "created";
    case SyncKind::Failed: return "failed";
    case SyncKind::SeccompFd: return "seccomp-fd";
    case SyncKind::MountSource: return "mount-source";
  }
  return nullptr;
}

void describe_mismatch(char* buf, size_t cap, SyncKind want, const char* from, int r, const SyncMsg& got) noexcept {
  size_t n = sys::concat(buf, cap, "expected ", step_name(want), " from the ", from, ", ");
  if (r == -EPIPE)
    sys::concat(buf + n, cap - n, "but it closed the channel");
  else if (r == -EPROTO)
    sys::concat(buf + n, cap - n, "received an unknown step (kind ", static_cast<uint32_t>(got.kind), ")");
  else if (r == -EBADMSG)
    sys::concat(buf + n, cap - n, "received a malformed message");
  else if (r < 0)
    sys::concat(buf + n, cap - n, "but the read failed");
  else
    sys::concat(buf + n, cap - n, "received ", step_name(got.kind));
}

int send_mount_source(int parent_sync_fd, int tree) noexcept {
  return send_msg(parent_sync_fd, SyncKind::MountSource, nullptr, tree);
}

int RuntimeChannel::await(SyncKind want) const noexcept {
  SyncMsg m;
  sys::memset(&m, 0, sizeof m);
  int fd = -1;
  int r = recv_msg(fd_, &m, &fd);
  if (r == 0 && m.kind == want) return fd;
  if (fd >= 0) sys::close(fd);
  ChildError e;
  sys::memset(&e, 0, sizeof e);
  e.sys_errno = r == -EPIPE || r == -EBADMSG || r == -EPROTO || r == 0 ? EPROTO : -r;
  describe_mismatch(e.step, sizeof e.step, want, "runtime", r, m);
  send_failed(e);  // nobody may hear it (the runtime is gone): still exit
  sys::_exit(1);
}

int RuntimeChannel::await_mount_source() const noexcept {
  int fd = await(SyncKind::MountSource);
  if (fd >= 0) return fd;
  ChildError e;
  sys::memset(&e, 0, sizeof e);
  e.sys_errno = EPROTO;
  sys::concat(e.step, sizeof e.step, "received mount-source without its fd");
  send_failed(e);
  sys::_exit(1);
}

void RuntimeChannel::await_isolated() const noexcept {
  int fd = await(SyncKind::Isolated);
  if (fd >= 0) sys::close(fd);
}

int RuntimeChannel::await_hooks_done() const noexcept { return await(SyncKind::HooksDone); }

int RuntimeChannel::send_runtime_ready() const noexcept { return send_msg(fd_, SyncKind::RuntimeReady, nullptr, -1); }
int RuntimeChannel::send_console(int master) const noexcept {
  return send_msg(fd_, SyncKind::ConsoleFd, nullptr, master);
}
int RuntimeChannel::send_seccomp_fd(int notify_fd) const noexcept {
  return send_msg(fd_, SyncKind::SeccompFd, nullptr, notify_fd);
}
int RuntimeChannel::send_created() const noexcept { return send_msg(fd_, SyncKind::Created, nullptr, -1); }
int RuntimeChannel::send_failed(const ChildError& e) const noexcept { return send_msg(fd_, SyncKind::Failed, &e, -1); }

}  // namespace berth::child
