// Component-by-component resolution and creation of paths inside a rootfs dirfd.
// The kernel does the confinement (openat2 RESOLVE_IN_ROOT); this file only decides what
// to create and where, using fixed stack buffers so it can run in the container init.
#include "libcontainer/rootfs/resolve.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

namespace berth::rootfs {
namespace {

// openat2 returns EAGAIN when a rename or mount raced a ".." walk; a few retries are
// enough in practice, and the bound keeps a hostile container from pinning us.
constexpr int kEagainRetries = 128;
// Same limit as the kernel's MAXSYMLINKS, so users see the ELOOP they would expect.
constexpr int kMaxSymlinks = 40;
// Bound on create-then-reopen rounds for one component, in case a racer keeps deleting
// what we create.
constexpr int kMaxCreateRounds = 16;
constexpr mode_t kIntermediateDirMode = 0755;

int openat2_raw(int dirfd, const char* path, int flags, unsigned long long resolve) noexcept {
  struct open_how how;
  memset(&how, 0, sizeof how);
  how.flags = static_cast<unsigned long long>(flags | O_CLOEXEC);
  how.resolve = resolve;
  for (int i = 0; i < kEagainRetries; ++i) {
    long r = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (r >= 0) return static_cast<int>(r);
    if (errno != EAGAIN) return -errno;
  }
  return -EAGAIN;
}

void close_keep_errno(int fd) noexcept {
  int saved = errno;
  close(fd);
  errno = saved;
}

// The state of one walk. `done` is the resolved, symlink-free path inside the root
// ("/" for the root itself); `rest` holds what is still to be walked, from `pos`.
struct Walk {
  char done[PATH_MAX];
  size_t done_len;
  char buf_a[PATH_MAX];
  char buf_b[PATH_MAX];
  char* rest;
  size_t pos;
  int links;
};

// Copies the next component of w->rest into comp; sets *last when nothing but slashes
// follows it. Returns its length, 0 at the end.
size_t next_component(Walk* w, char* comp, bool* last) noexcept {
  const char* r = w->rest;
  while (r[w->pos] == '/') ++w->pos;
  size_t start = w->pos;
  while (r[w->pos] != '\0' && r[w->pos] != '/') ++w->pos;
  size_t len = w->pos - start;
  if (len > NAME_MAX) len = NAME_MAX + 1;  // the kernel reports ENAMETOOLONG for us
  memcpy(comp, r + start, len);
  comp[len] = '\0';
  size_t p = w->pos;
  while (r[p] == '/') ++p;
  *last = r[p] == '\0';
  return len;
}

int push_done(Walk* w, const char* comp, size_t len) noexcept {
  size_t sep = w->done_len > 1 ? 1 : 0;
  if (w->done_len + sep + len >= sizeof w->done) return -ENAMETOOLONG;
  if (sep) w->done[w->done_len++] = '/';
  memcpy(w->done + w->done_len, comp, len);
  w->done_len += len;
  w->done[w->done_len] = '\0';
  return 0;
}

// Lexical pop is right because `done` holds no symlinks; if a racer has since planted
// one, the reopen through RESOLVE_IN_ROOT still keeps us inside the root.
void pop_done(Walk* w) noexcept {
  while (w->done_len > 1 && w->done[w->done_len - 1] != '/') --w->done_len;
  if (w->done_len > 1) --w->done_len;
  w->done[w->done_len] = '\0';
}

// Replaces the symlink just walked by its target: rest = target + "/" + rest[pos..].
int splice_symlink(Walk* w, int link_fd) noexcept {
  if (++w->links > kMaxSymlinks) return -ELOOP;
  char* out = w->rest == w->buf_a ? w->buf_b : w->buf_a;
  ssize_t n = readlinkat(link_fd, "", out, sizeof w->buf_a);
  if (n < 0) return -errno;
  size_t tlen = static_cast<size_t>(n);
  size_t remain = strlen(w->rest + w->pos);
  if (tlen + 1 + remain >= sizeof w->buf_a) return -ENAMETOOLONG;
  out[tlen] = '/';
  memcpy(out + tlen + 1, w->rest + w->pos, remain + 1);
  if (out[0] == '/') {
    w->done_len = 1;
    w->done[1] = '\0';
  }
  w->rest = out;
  w->pos = 0;
  return 0;
}

// Creates `name` (a file or a directory) in the directory parent_path names inside the
// root, reached through RESOLVE_IN_ROOT rather than through any string we built. 0 when it
// was made or is there already; -errno otherwise.
int create_in_parent(int root_fd, const char* parent_path, const char* name, bool as_file, mode_t mode) noexcept {
  int parent = openat2_raw(root_fd, parent_path, O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (parent < 0) return parent;
  int rc = 0;
  if (as_file) {
    int fd = openat(parent, name, O_CREAT | O_EXCL | O_NOFOLLOW | O_WRONLY | O_CLOEXEC, mode);
    if (fd >= 0)
      close(fd);
    else if (errno != EEXIST)
      rc = -errno;
  } else if (mkdirat(parent, name, mode) < 0 && errno != EEXIST) {
    rc = -errno;
  }
  close_keep_errno(parent);
  return rc;
}

// Creates the missing component `comp` (already appended to w->done) inside its parent.
int create_component(Walk* w, int root_fd, const char* comp, bool as_file, mode_t mode) noexcept {
  size_t cut = w->done_len;
  while (cut > 0 && w->done[cut - 1] != '/') --cut;
  size_t parent_len = cut > 1 ? cut - 1 : 1;  // keep the leading "/" for the root
  char saved = w->done[parent_len];
  w->done[parent_len] = '\0';
  int rc = create_in_parent(root_fd, w->done, comp, as_file, mode);
  w->done[parent_len] = saved;
  return rc;
}

// Walks one named component. When it is the last one and not a symlink, *final_fd gets
// its O_PATH fd; a symlink is spliced into the rest of the walk instead. Returns 0 or -errno.
int walk_component(Walk* w, int root_fd, const char* comp, size_t len, bool last, Create what, mode_t mode,
                   int* final_fd) noexcept {
  int rc = push_done(w, comp, len);
  if (rc < 0) return rc;
  for (int round = 0; round < kMaxCreateRounds; ++round) {
    int fd = openat2_raw(root_fd, w->done, O_PATH | O_NOFOLLOW, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd == -ENOENT) {
      if (what == Create::None) return -ENOENT;
      bool as_file = last && what == Create::File;
      rc = create_component(w, root_fd, comp, as_file, last ? mode : kIntermediateDirMode);
      if (rc < 0) return rc;
      continue;
    }
    if (fd < 0) return fd;
    struct stat st;
    if (fstat(fd, &st) < 0) {
      rc = -errno;
      close(fd);
      return rc;
    }
    if (S_ISLNK(st.st_mode)) {
      pop_done(w);
      rc = splice_symlink(w, fd);
      close(fd);
      return rc;
    }
    if (last) {
      *final_fd = fd;
      return 0;
    }
    close(fd);
    return S_ISDIR(st.st_mode) ? 0 : -ENOTDIR;
  }
  return -EAGAIN;
}

int check_mode(mode_t mode, Create what, bool want_dir) noexcept {
  bool is_dir = S_ISDIR(mode);
  if ((what == Create::Dir || want_dir) && !is_dir) return -ENOTDIR;
  if (what == Create::File && is_dir) return -EISDIR;
  return 0;
}

int check_type(int fd, Create what, bool want_dir) noexcept {
  struct stat st;
  if (fstat(fd, &st) < 0) return -errno;
  return check_mode(st.st_mode, what, want_dir);
}

// What open_whole returns when only the walk can tell (the last component is
// a symlink, to be followed).
constexpr int kWalk = -(1 << 20);

// The fd of path in one lookup, its type checked; -ENOENT when something on
// the way is missing; kWalk when its last component is a symlink.
int open_whole(int root_fd, const char* path, int open_flags, Create what, bool trailing_slash) noexcept {
  int fd = openat2_raw(root_fd, path, open_flags | O_NOFOLLOW, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
  if (fd == -ELOOP) return kWalk;  // not O_PATH: a symlink at the end is refused
  if (fd < 0) return fd;
  struct stat st;
  if (fstat(fd, &st) < 0 || S_ISLNK(st.st_mode)) {
    close(fd);
    return kWalk;
  }
  int rc = check_mode(st.st_mode, what, trailing_slash);
  if (rc == 0) return fd;
  close(fd);
  return rc;
}

// Creates the last component of path in its parent, when the parent is there.
// 0 when it was created or appeared meanwhile; -errno otherwise (the walk then
// decides).
int create_last(int root_fd, const char* path, size_t plen, Create what, mode_t mode) noexcept {
  if (what == Create::None || plen == 0 || path[plen - 1] == '/') return -ENOENT;
  const char* slash = static_cast<const char*>(memrchr(path, '/', plen));
  const char* last = slash ? slash + 1 : path;
  if (strcmp(last, ".") == 0 || strcmp(last, "..") == 0) return -ENOENT;
  char parent[PATH_MAX];
  size_t n = slash ? size_t(slash - path) : 0;
  if (n == 0) {
    parent[0] = '/';
    n = 1;
  } else {
    memcpy(parent, path, n);
  }
  parent[n] = '\0';
  return create_in_parent(root_fd, parent, last, what == Create::File, mode);
}

// Runs the walk to its end and returns an O_PATH|O_NOFOLLOW fd of the final object.
int walk_all(Walk* w, int root_fd, Create what, mode_t mode) noexcept {
  char comp[NAME_MAX + 2];
  int final_fd = -1;
  for (;;) {
    bool last = false;
    size_t len = next_component(w, comp, &last);
    if (len == 0) break;  // also reached when the path ends in "/" after a symlink splice
    if (final_fd >= 0) {
      close(final_fd);
      final_fd = -1;
    }
    if (len == 1 && comp[0] == '.') continue;
    if (len == 2 && comp[0] == '.' && comp[1] == '.') {
      pop_done(w);
      continue;
    }
    int rc = walk_component(w, root_fd, comp, len, last, what, mode, &final_fd);
    if (rc < 0) return rc;
  }
  if (final_fd >= 0) return final_fd;
  // The path ended in "." or ".." (or was the root): the final object is `done` itself.
  return openat2_raw(root_fd, w->done, O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
}

}  // namespace

int open_in_root(int root_fd, const char* path, int open_flags, unsigned extra_resolve) noexcept {
  if (path == nullptr) return -EINVAL;
  return openat2_raw(root_fd, path, open_flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve);
}

int open_or_create_in_root(int root_fd, const char* path, Create what, mode_t mode, int open_flags) noexcept {
  if (path == nullptr || (open_flags & (O_CREAT | O_TMPFILE)) != 0) return -EINVAL;
  size_t plen = strnlen(path, PATH_MAX);
  if (plen >= PATH_MAX) return -ENAMETOOLONG;
  bool trailing_slash = plen > 0 && path[plen - 1] == '/';
  if (what == Create::File && trailing_slash) return -EISDIR;

  // Usually the whole path is there already, or all of it but its last
  // component: a lookup or two, in which the kernel resolves any symlink on
  // the way inside the root as the walk below would. The walk remains for
  // the rest: more than one component missing, a last component that is a
  // symlink (followed, inside the root).
  int whole = open_whole(root_fd, path, open_flags, what, trailing_slash);
  if (whole == -ENOENT && create_last(root_fd, path, plen, what, mode) == 0)
    whole = open_whole(root_fd, path, open_flags, what, trailing_slash);
  if (whole != -ENOENT && whole != kWalk) return whole;

  Walk w;
  memcpy(w.buf_a, path, plen + 1);
  w.rest = w.buf_a;
  w.pos = 0;
  w.done[0] = '/';
  w.done[1] = '\0';
  w.done_len = 1;
  w.links = 0;

  int fd = walk_all(&w, root_fd, what, mode);
  if (fd < 0) return fd;
  if ((open_flags & ~O_CLOEXEC) != O_PATH) {
    close(fd);
    // O_NOFOLLOW: `done` holds no symlink, so one found now was planted by a racer.
    fd = openat2_raw(root_fd, w.done, open_flags | O_NOFOLLOW, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
    if (fd < 0) return fd;
  }
  int rc = check_type(fd, what, trailing_slash);
  if (rc < 0) {
    close(fd);
    return rc;
  }
  return fd;
}

int check_is_dir_nofollow(int root_fd, const char* path) noexcept {
  if (path == nullptr) return -EINVAL;
  char buf[PATH_MAX];
  size_t len = strnlen(path, PATH_MAX);
  if (len >= PATH_MAX) return -ENAMETOOLONG;
  memcpy(buf, path, len + 1);
  // Lexically drop trailing "/" and "/." so "/proc/." is judged as "/proc": otherwise
  // the "." would be the last component and a symlinked /proc would pass.
  for (;;) {
    if (len > 1 && buf[len - 1] == '/')
      --len;
    else if (len >= 2 && buf[len - 1] == '.' && buf[len - 2] == '/')
      len -= 2;
    else if (len == 1 && buf[0] == '.')
      len = 0;
    else
      break;
    buf[len] = '\0';
  }
  char* slash = strrchr(buf, '/');
  const char* last = slash ? slash + 1 : buf;
  if (strcmp(last, "..") == 0) return -EINVAL;
  if (last[0] == '\0') return open_in_root(root_fd, "/", O_PATH | O_DIRECTORY);
  if (slash) *slash = '\0';
  const char* parent_path = slash ? (slash == buf ? "/" : buf) : "/";
  int parent = open_in_root(root_fd, parent_path, O_PATH | O_DIRECTORY);
  if (parent < 0) return parent;
  int fd =
      openat2_raw(parent, last, O_PATH | O_NOFOLLOW, RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS);
  close_keep_errno(parent);
  if (fd < 0) return fd;
  struct stat st;
  int rc = 0;
  if (fstat(fd, &st) < 0)
    rc = -errno;
  else if (S_ISLNK(st.st_mode))
    rc = -ELOOP;
  else if (!S_ISDIR(st.st_mode))
    rc = -ENOTDIR;
  if (rc < 0) {
    close(fd);
    return rc;
  }
  return fd;
}

int fd_path(int fd, char* buf, size_t len) noexcept {
  if (buf == nullptr || len == 0 || fd < 0) return -EINVAL;
  char link[32] = "/proc/self/fd/";
  char digits[12];
  int nd = 0;
  unsigned v = static_cast<unsigned>(fd);
  do {
    digits[nd++] = static_cast<char>('0' + v % 10);
    v /= 10;
  } while (v != 0);
  size_t at = strlen(link);
  while (nd > 0) link[at++] = digits[--nd];
  link[at] = '\0';
  ssize_t n = readlink(link, buf, len);
  if (n < 0) return -errno;
  if (static_cast<size_t>(n) >= len) {
    buf[len - 1] = '\0';
    return -ENAMETOOLONG;
  }
  buf[n] = '\0';
  return static_cast<int>(n);
}

}  // namespace berth::rootfs
