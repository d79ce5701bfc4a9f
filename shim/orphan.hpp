// What the shim does when its container is orphaned: the init has exited
// and the state directory is gone without a `delete` (removed by hand, or
// by a caller that never deleted). Nothing could find the container's
// cgroups any more, so the shim removes the ones create made (create lists
// them on the shim's command line, --cgroup=DIR, parents first), and exits.
// libc only, like the shim.
//
// Noticing: when the init exits the shim checks the directory at once, then
// watches its parent (the --root) with inotify for entries removed or moved
// away: no wakeups while nothing happens, and an inotify instance is taken
// only by a stopped container that was not deleted yet
// (fs.inotify.max_user_instances is 128 per user by default). Without an
// instance it checks once a minute. Not IN_DELETE_SELF on the directory
// itself: the kernel sends it only when the last reference to the
// directory's dentry goes, and the shim's own bound socket pins it, so it
// would never come. The directory counts as gone when its path no longer names the inode it had
// at start (removed, renamed, or removed and made again for a new
// container with the same id).
#pragma once

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

namespace berth::shim {

class StateDirWatch {
 public:
  static constexpr int kFallbackMs = 60 * 1000;

  // At start, while the directory is certainly ours: its identity. dir is
  // kept, not copied (a page less per shim): it must outlive this.
  void open(const char* dir) {
    dir_ = dir;
    struct stat st;
    if (stat(dir, &st) == 0) dev_ = st.st_dev, ino_ = st.st_ino, known_ = true;
  }

  bool gone() const {
    if (!known_) return false;  // never seen: never ours to clean
    struct stat st;
    if (stat(dir_, &st) != 0) return errno == ENOENT || errno == ENOTDIR;
    return st.st_dev != dev_ || st.st_ino != ino_;
  }

  // Once the init has exited: start watching (idempotent).
  void arm() {
    if (armed_ || !known_) return;
    armed_ = true;
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    if (fd < 0) return;
    char parent[4096];
    snprintf(parent, sizeof parent, "%s", dir_);
    char* slash = strrchr(parent, '/');
    if (!slash)
      snprintf(parent, sizeof parent, ".");
    else if (slash == parent)
      slash[1] = 0;
    else
      *slash = 0;
    if (inotify_add_watch(fd, parent, IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR) < 0) {
      close(fd);
      return;
    }
    inotify_fd_ = fd;
  }

  // For poll: the inotify fd (-1 when none) and the timeout to use.
  int fd() const { return inotify_fd_; }
  int timeout_ms() const { return armed_ && inotify_fd_ < 0 ? kFallbackMs : -1; }
  void drain() const {
    char buf[512];
    while (read(inotify_fd_, buf, sizeof buf) > 0) {
    }
  }

 private:
  const char* dir_ = ".";
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  bool known_ = false;
  bool armed_ = false;
  int inotify_fd_ = -1;
};

// rmdir of each of dirs (the cgroups create made, parents first), from the
// last: innermost first. A leaf the kernel still calls busy is retried
// briefly: its last task may still be leaving. A parent another container
// now uses stays (EBUSY). Joined cgroups are not in the list: not ours.
inline void remove_cgroups(const char* const* dirs, int n) {
  for (int i = n - 1; i >= 0; i--) {
    for (int attempt = 0; attempt < 50; attempt++) {
      if (rmdir(dirs[i]) == 0 || errno != EBUSY) break;
      timespec ts{0, 20 * 1000 * 1000};
      nanosleep(&ts, nullptr);
    }
  }
}

}  // namespace berth::shim
