// Fixed-size SEQPACKET messages with an optional fd; see sync.hpp.
#include "libcontainer/child/sync.hpp"

#include "libcontainer/sys/unix_socket.hpp"

#include <sys/socket.h>

#include <cerrno>
#include <unistd.h>

#include <cstring>

namespace berth::child {

int send_msg(int sock, SyncKind kind, const ChildError* err, int fd) noexcept {
  SyncMsg m;
  memset(&m, 0, sizeof m);
  m.magic = kSyncMagic;
  m.kind = kind;
  if (err) m.error = *err;
  return sys::send_with_fd(sock, &m, sizeof m, fd);
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
  do n = recvmsg(sock, &h, MSG_CMSG_CLOEXEC); while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  for (cmsghdr* c = CMSG_FIRSTHDR(&h); c; c = CMSG_NXTHDR(&h, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
        c->cmsg_len == CMSG_LEN(sizeof(int)))
      memcpy(fd_out, CMSG_DATA(c), sizeof(int));
  }
  if (n == 0) return -EPIPE;  // peer closed: the child died
  if (n != sizeof *out || (h.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || out->magic != kSyncMagic ||
      static_cast<uint32_t>(out->kind) < 1 || static_cast<uint32_t>(out->kind) > 7) {
    if (*fd_out >= 0) close(*fd_out), *fd_out = -1;
    return -EBADMSG;
  }
  out->error.step[sizeof out->error.step - 1] = 0;
  out->error.json_path[sizeof out->error.json_path - 1] = 0;
  return 0;
}

}  // namespace berth::child
