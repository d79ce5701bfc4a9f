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

}  // namespace berth::sys
