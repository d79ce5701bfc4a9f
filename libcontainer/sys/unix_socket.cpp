// Unix sockets and fd passing; see unix_socket.hpp.
#include "libcontainer/sys/unix_socket.hpp"

#include <sys/socket.h>
#include <sys/un.h>

#include <cerrno>
#include <cstring>

namespace berth::sys {
namespace {

Result<UniqueFd> unix_socket(const std::string& path, sockaddr_un* a) {
  *a = sockaddr_un{};
  a->sun_family = AF_UNIX;
  if (path.size() >= sizeof a->sun_path) return Error(Code::Config, "socket path too long: " + path);
  memcpy(a->sun_path, path.c_str(), path.size());
  UniqueFd s(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!s) return sys_error(errno, "socket");
  return s;
}

}  // namespace

Result<UniqueFd> unix_listen(const std::string& path) {
  sockaddr_un a;
  auto s = BERTH_TRY(unix_socket(path, &a));
  if (bind(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) return sys_error(errno, "bind " + path);
  if (listen(s.get(), 16) < 0) return sys_error(errno, "listen " + path);
  return s;
}

Result<UniqueFd> unix_connect(const std::string& path) {
  sockaddr_un a;
  auto s = BERTH_TRY(unix_socket(path, &a));
  if (connect(s.get(), reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) return sys_error(errno, "connect " + path);
  return s;
}

int send_with_fd(int sock, const void* data, size_t len, int fd) noexcept {
  iovec iov{const_cast<void*>(data), len};
  msghdr h{};
  h.msg_iov = &iov;
  h.msg_iovlen = 1;
  alignas(cmsghdr) char cbuf[CMSG_SPACE(sizeof(int))];
  if (fd >= 0) {
    memset(cbuf, 0, sizeof cbuf);
    h.msg_control = cbuf;
    h.msg_controllen = sizeof cbuf;
    cmsghdr* c = CMSG_FIRSTHDR(&h);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &fd, sizeof fd);
  }
  ssize_t n;
  do n = sendmsg(sock, &h, MSG_NOSIGNAL); while (n < 0 && errno == EINTR);
  if (n < 0) return -errno;
  return size_t(n) == len ? 0 : -EMSGSIZE;
}

}  // namespace berth::sys
