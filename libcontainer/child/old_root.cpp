// --no-pivot: the host's mounts left under the container's root. pivot_root
// cannot work there (the host's root is an initramfs), so the rootfs is
// MS_MOVEd onto "/" and the init chroots; the host's root mount, and every
// mount on it, stay in the container's mount namespace. No path reaches them,
// but the kernel counts them: a full host procfs or sysfs there lets a nested
// user namespace mount a fresh, unmasked one (mount_too_revealing).
#include "libcontainer/child/child.hpp"
#include "libcontainer/child/rootfs_setup.hpp"
#include "libcontainer/child/sys.hpp"
#include "libcontainer/rootfs/mountinfo_line.hpp"

namespace berth::child {
namespace {

// The mount table, read whole: it is walked twice, the second time backwards.
// Anonymous pages, not the heap; NORESERVE, so only what is read costs.
constexpr size_t kMaxMountinfo = size_t(16) << 20;

BERTH_CHILD size_t read_mountinfo(const ChildPlan& p, char* buf) {
  int fd = sys::open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail(p, errno, "open /proc/self/mountinfo", nullptr, nullptr, -1);
  size_t len = 0;
  for (;;) {
    ssize_t n = sys::read(fd, buf + len, kMaxMountinfo - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail(p, errno, "read /proc/self/mountinfo", nullptr, nullptr, -1);
    if (n == 0) break;
    len += size_t(n);
    if (len == kMaxMountinfo) fail(p, E2BIG, "read /proc/self/mountinfo", nullptr, nullptr, -1);
  }
  sys::close(fd);
  return len;
}

// True when the mount on top of `path` (resolved from our root, which is
// still the host's here) is the one with this id: a line of the rootfs's own
// mounts names a host path, and a hidden mount is not on top.
BERTH_CHILD bool on_top(const char* path, uint64_t id) {
  struct statx sx;
  if (sys::statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW | AT_NO_AUTOMOUNT, STATX_MNT_ID, &sx) < 0) return false;
  return (sx.stx_mask & STATX_MNT_ID) && sx.stx_mnt_id == id;
}

// Private first: an unmount (or a cover) on a mount that is a peer of the
// host's would propagate to the host. Private also stops host mounts made
// later from propagating in.
BERTH_CHILD void make_private(const ChildPlan& p, const char* path) {
  if (sys::mount(nullptr, path, nullptr, MS_PRIVATE, nullptr) < 0)
    fail(p, errno, "make the host's mount private:", path, nullptr, -1);
}

// A mount that cannot be detached (locked: copied into the container's user
// namespace) is covered with an empty read-only tmpfs; a nested namespace
// sees the cover locked over it, so the mount no longer counts as full.
BERTH_CHILD void detach_or_cover(const ChildPlan& p, const char* path) {
  make_private(p, path);
  if (sys::umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW) == 0) return;
  if (errno != EINVAL && errno != EPERM) fail(p, errno, "detach the host's mount", path, nullptr, -1);
  int fs = sys::fsopen("tmpfs", FSOPEN_CLOEXEC);
  int tree = -1;
  if (fs >= 0 && sys::fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) == 0)
    tree =
        sys::fsmount(fs, FSMOUNT_CLOEXEC, MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
  int e = errno;
  if (fs >= 0) sys::close(fs);
  if (tree < 0) fail(p, e, "make a tmpfs to cover the host's mount", path, nullptr, -1);
  // A file mount point takes no directory: it cannot be a procfs or sysfs root.
  if (sys::move_mount(tree, "", AT_FDCWD, path, MOVE_MOUNT_F_EMPTY_PATH) < 0 && errno != ENOTDIR)
    fail(p, errno, "cover the host's mount", path, nullptr, -1);
  sys::close(tree);
}

// Calls fn(path, id) for each line of buf, forwards or backwards.
template <class Fn>
BERTH_CHILD void each_line(char* buf, size_t len, bool backwards, Fn fn) {
  char path[4096];
  uint64_t id;
  size_t pos = backwards ? len : 0;
  while (backwards ? pos > 0 : pos < len) {
    size_t start, end;
    if (backwards) {
      end = pos;
      if (end > 0 && buf[end - 1] == '\n') end--;
      start = end;
      while (start > 0 && buf[start - 1] != '\n') start--;
      pos = start;
    } else {
      start = pos;
      end = start;
      while (end < len && buf[end] != '\n') end++;
      pos = end + 1;
    }
    if (rootfs::parse_mountinfo_line(buf + start, end - start, &id, path, sizeof path) == 0 && on_top(path, id))
      fn(path);
  }
}

}  // namespace

// Called after the MS_MOVE and before the chroot: our root is still the
// host's, so absolute paths walk the host's tree, and the rootfs (now on
// "/") is out of it. Every host mount but the root is detached, deepest
// (latest) first, or covered. runc 1.1 (msMoveRoot) and crun do this for
// procfs and sysfs only.
BERTH_CHILD void hide_host_mounts(const ChildPlan& p) {
  void* m =
      sys::mmap(nullptr, kMaxMountinfo, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (m == MAP_FAILED) fail(p, errno, "map a buffer for the mount table", nullptr, nullptr, -1);
  char* buf = static_cast<char*>(m);
  size_t len = read_mountinfo(p, buf);
  each_line(buf, len, false, [&](const char* path) { make_private(p, path); });
  each_line(buf, len, true, [&](const char* path) {
    if (sys::strcmp(path, "/") != 0) detach_or_cover(p, path);
  });
}

}  // namespace berth::child
