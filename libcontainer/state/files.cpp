// Small file helpers shared by the CLI and the shim (which links only these).
#include "libcontainer/state/files.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>

#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/state/rfc3339.hpp"

namespace berth::state {
namespace {

// Puts tmp in path's place, atomically for readers. Over an existing file
// and unsynced: an exchange of the two names, then (Sync::None) the old
// file's unlink. A rename over it would make ext4 (auto_da_alloc) write the
// new data out first, 0.1 to 0.3 ms here, which only a durable write needs,
// and that one is fsync'ed already. Where there is nothing to replace, or
// the file system cannot exchange, a rename.
int replace(const std::string& tmp, const std::string& path, Sync sync) {
  if (sync != Sync::File &&
      syscall(SYS_renameat2, AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_EXCHANGE) == 0) {
    if (sync == Sync::None) unlink(tmp.c_str());
    return 0;
  }
  return rename(tmp.c_str(), path.c_str());
}

}  // namespace

std::string now_rfc3339() {
  char buf[96];
  format_rfc3339_now(buf, sizeof buf);
  return buf;
}

Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode, Sync sync) {
  std::string tmp = path + ".tmp";
  // A spare is overwritten, then cut to size: no block is freed.
  int trunc = sync == Sync::Spare ? 0 : O_TRUNC;
  UniqueFd fd(open(tmp.c_str(), O_WRONLY | O_CREAT | trunc | O_CLOEXEC | O_NOFOLLOW, mode));
  if (!fd) return sys_error(errno, "create " + tmp);
  if (sync == Sync::Spare && fchmod(fd.get(), mode) < 0) {
    Error e = sys_error(errno, "chmod " + tmp);
    unlink(tmp.c_str());
    return e;
  }
  size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd.get(), data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      Error e = sys_error(errno, "write " + tmp);
      unlink(tmp.c_str());
      return e;
    }
    off += size_t(n);
  }
  if (sync == Sync::Spare && ftruncate(fd.get(), off_t(data.size())) < 0) {
    Error e = sys_error(errno, "truncate " + tmp);
    unlink(tmp.c_str());
    return e;
  }
  if (sync == Sync::File && fsync(fd.get()) < 0) {
    Error e = sys_error(errno, "fsync " + tmp);
    unlink(tmp.c_str());
    return e;
  }
  if (replace(tmp, path, sync) < 0) {
    Error e = sys_error(errno, "rename " + tmp);
    unlink(tmp.c_str());
    return e;
  }
  return {};
}

Result<std::string> read_file(const std::string& path) {
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) {
    Error e = sys_error(errno, "open " + path);
    return e;
  }
  auto out = read_all(fd.get());
  if (!out) return std::move(out).context(path);
  return out;
}

Result<std::string> read_all(int fd) {
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error(errno, "read");
    if (n == 0) break;
    out.append(buf, size_t(n));
  }
  return out;
}

}  // namespace berth::state
