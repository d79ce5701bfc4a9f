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
  if (n != sizeof *out || (h.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || out->magic != kSyncMagic ||
      static_cast<uint32_t>(out->kind) < 1 ||
      static_cast<uint32_t>(out->kind) > static_cast<uint32_t>(SyncKind::MountSource)) {
    if (*fd_out >= 0) sys::close(*fd_out), *fd_out = -1;
    return -EBADMSG;
  }
  out->error.step[sizeof out->error.step - 1] = 0;
  out->error.json_path[sizeof out->error.json_path - 1] = 0;
  return 0;
}

}  // namespace berth::child
