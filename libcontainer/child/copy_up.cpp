// tmpcopyup; see copy_up.hpp. Child code: child::sys only, no allocation.
#include "libcontainer/child/copy_up.hpp"

#include <dirent.h>
#include <sys/stat.h>

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/sys.hpp"

namespace berth::child {
namespace {

// Deep enough for any image directory a tmpfs covers (/tmp, /run, /var/tmp).
constexpr int kMaxDepth = 32;

char g_failed[256];

int failed_at(const char* name, int err) noexcept {
  size_t n = 0;
  for (; name[n] && n + 1 < sizeof g_failed; n++) g_failed[n] = name[n];
  g_failed[n] = 0;
  return err;
}

// Owner, mode (not for a link) and times of `name` in to, as st says.
BERTH_CHILD int copy_attrs(int to, const char* name, const struct stat& st) noexcept {
  if (sys::fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  if (!S_ISLNK(st.st_mode) && sys::fchmodat(to, name, st.st_mode & 07777, 0) < 0) return -errno;
  timespec times[2] = {st.st_atim, st.st_mtim};
  if (sys::utimensat(to, name, times, AT_SYMLINK_NOFOLLOW) < 0) return -errno;
  return 0;
}

BERTH_CHILD int copy_file(int from, int to, const char* name, const struct stat& st) noexcept {
  int in = sys::openat(from, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (in < 0) return -errno;
  int out = sys::openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  int r = out < 0 ? -errno : 0;
  for (off_t left = st.st_size; r == 0 && left > 0;) {
    ssize_t n = sys::sendfile(out, in, size_t(left > (1 << 30) ? (1 << 30) : left));
    if (n < 0) r = -errno;
    if (n <= 0) break;  // the file shrank meanwhile: what there was
    left -= n;
  }
  sys::close(in);
  if (out >= 0) sys::close(out);
  return r;
}

BERTH_CHILD int copy_dir(int from, int to, int depth) noexcept;

BERTH_CHILD int copy_entry(int from, int to, const char* name, int depth) noexcept {
  struct stat st;
  if (sys::fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0) return failed_at(name, -errno);
  int r = 0;
  switch (st.st_mode & S_IFMT) {
    case S_IFDIR: {
      if (depth >= kMaxDepth) return failed_at(name, -ELOOP);
      if (sys::mkdirat(to, name, 0700) < 0) return failed_at(name, -errno);
      int sub_from = sys::openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (sub_from < 0) return failed_at(name, -errno);
      int sub_to = sys::openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      r = sub_to < 0 ? failed_at(name, -errno) : copy_dir(sub_from, sub_to, depth + 1);
      sys::close(sub_from);
      if (sub_to >= 0) sys::close(sub_to);
      if (r < 0) return r;  // the failing entry is named already
      break;
    }
    case S_IFREG: r = copy_file(from, to, name, st); break;
    case S_IFLNK: {
      char target[4096];
      ssize_t n = sys::readlinkat(from, name, target, sizeof target - 1);
      if (n < 0) return failed_at(name, -errno);
      target[n] = 0;
      if (sys::symlinkat(target, to, name) < 0) r = -errno;
      break;
    }
    case S_IFCHR:
    case S_IFBLK:
    case S_IFIFO:
      if (sys::mknodat(to, name, st.st_mode, st.st_rdev) < 0) r = -errno;
      break;
    default: return 0;  // a socket: nothing to copy
  }
  if (r == 0) r = copy_attrs(to, name, st);
  return r < 0 ? failed_at(name, r) : 0;
}

BERTH_CHILD int copy_dir(int from, int to, int depth) noexcept {
  alignas(8) char buf[2048];
  for (;;) {
    long n = sys::getdents64(from, buf, sizeof buf);
    if (n < 0) return failed_at(".", -errno);
    if (n == 0) return 0;
    for (long off = 0; off < n;) {
      auto* d = reinterpret_cast<dirent64*>(buf + off);
      off += d->d_reclen;
      const char* name = d->d_name;
      if (name[0] == '.' && (name[1] == 0 || (name[1] == '.' && name[2] == 0))) continue;
      if (int r = copy_entry(from, to, name, depth); r < 0) return r;
    }
  }
}

}  // namespace

BERTH_CHILD int copy_up(int from, int to, const char** failed) noexcept {
  g_failed[0] = 0;
  int r = copy_dir(from, to, 0);
  *failed = g_failed;
  return r;
}

}  // namespace berth::child
