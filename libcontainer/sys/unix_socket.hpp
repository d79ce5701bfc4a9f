// Unix stream sockets by path (the shim's control socket, --console-socket,
// the seccomp listenerPath) and passing an fd with SCM_RIGHTS.
#pragma once

#include <cstddef>
#include <string>

#include "libcontainer/child/sync.hpp"
#include "libcontainer/error/error.hpp"
#include "libcontainer/fd/unique_fd.hpp"

namespace berth::sys {

Result<UniqueFd> unix_listen(const std::string& path);
Result<UniqueFd> unix_connect(const std::string& path);

// payload with fd attached (child::send_with_fd, which the init's sync
// channel uses too).
inline Status send_fd(int sock, const std::string& payload, int fd) {
  int r = child::send_with_fd(sock, payload.data(), payload.size(), fd);
  return r < 0 ? Status(sys_error(-r, "send fd")) : Status();
}

}  // namespace berth::sys
