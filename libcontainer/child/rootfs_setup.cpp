// The init's root filesystem: propagation, the rootfs bind, every mount of the
// config through fds inside the rootfs (new mount API: open_tree/fsopen +
// move_mount onto an fd, so no destination path is ever resolved twice),
// devices and /dev links, pivot_root, masked and read-only paths.
#include <sys/sysmacros.h>

#include "libcontainer/child/child.hpp"
#include "libcontainer/child/copy_up.hpp"
#include "libcontainer/child/rootfs_setup.hpp"
#include "libcontainer/child/sys.hpp"
#include "libcontainer/rootfs/resolve.hpp"

namespace berth::child {
namespace {

using rootfs::Create;

BERTH_CHILD int setattr(int fd, const char* path, unsigned flags, uint64_t set, uint64_t clr, uint64_t prop) {
  if (!set && !clr && !prop) return 0;
  mount_attr a;
  sys::memset(&a, 0, sizeof a);
  a.attr_set = set;
  a.attr_clr = clr;
  a.propagation = prop;
  return sys::mount_setattr(fd, path, flags, &a, sizeof a) < 0 ? -errno : 0;
}

// Applies the per-mount and recursive attributes, then propagation.
BERTH_CHILD int apply_attrs(int tree, const rootfs::MountOpts& o) {
  int r = setattr(tree, "", AT_EMPTY_PATH, o.attr_set, o.attr_clr, 0);
  if (r == 0) r = setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, o.rec_attr_set, o.rec_attr_clr, 0);
  return r;
}

BERTH_CHILD int apply_propagation(int tree, const rootfs::MountOpts& o) {
  if (!o.propagation) return 0;
  return setattr(tree, "", AT_EMPTY_PATH | (o.propagation_recursive ? AT_RECURSIVE : 0), 0, 0, o.propagation);
}

// fsopen + fsconfig (source and every data option) + fsmount. default_mode
// (nullable) is set as "mode" when the options have none.
BERTH_CHILD int make_fs(const ChildMount& m, const char** failed_key, const char* default_mode = nullptr) {
  int fs = sys::fsopen(m.fstype, FSOPEN_CLOEXEC);
  if (fs < 0) return *failed_key = "fsopen", -errno;
  if (m.source && m.source[0] && sys::fsconfig(fs, FSCONFIG_SET_STRING, "source", m.source, 0) < 0) {
    int e = errno;
    sys::close(fs);
    return *failed_key = "source", -e;
  }
  const char* cur = m.opts.data;
  char key[256], val[768];
  bool has_val;
  static char failed[256];
  while (rootfs::next_data_option(&cur, key, sizeof key, val, sizeof val, &has_val) > 0) {
    if (sys::strcmp(key, "mode") == 0) default_mode = nullptr;
    int r = has_val ? sys::fsconfig(fs, FSCONFIG_SET_STRING, key, val, 0)
                    : sys::fsconfig(fs, FSCONFIG_SET_FLAG, key, nullptr, 0);
    if (r < 0) {
      int e = errno;
      sys::close(fs);
      sys::memcpy(failed, key, sizeof failed);
      return *failed_key = failed, -e;
    }
  }
  if (default_mode && sys::fsconfig(fs, FSCONFIG_SET_STRING, "mode", default_mode, 0) < 0) {
    int e = errno;
    sys::close(fs);
    return *failed_key = "mode", -e;
  }
  if (sys::fsconfig(fs, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) {
    int e = errno;
    sys::close(fs);
    return *failed_key = "create", -e;
  }
  int mnt = sys::fsmount(fs, FSMOUNT_CLOEXEC, 0);
  int e = errno;
  sys::close(fs);
  if (mnt < 0) return *failed_key = "fsmount", -e;
  return mnt;
}

// A tmpfs without "mode=" takes the mode of the directory it covers, as runc
// does (a new directory leaves tmpfs's 1777). Set at creation, so a read-only
// tmpfs gets it too. Returns the octal text in buf, or nullptr.
BERTH_CHILD const char* covered_dir_mode(int root, const ChildMount& m, char (&buf)[8]) {
  if (m.kind != MountKind::Fs || sys::strcmp(m.fstype, "tmpfs") != 0) return nullptr;
  int fd = rootfs::open_in_root(root, m.dest, O_PATH | O_DIRECTORY, 0);
  if (fd < 0) return nullptr;  // made by open_dest: tmpfs's own default
  struct stat st;
  int r = sys::fstat(fd, &st);
  sys::close(fd);
  if (r < 0) return nullptr;
  unsigned mode = st.st_mode & 07777;
  for (int i = 3; i >= 0; i--, mode >>= 3) buf[i] = char('0' + (mode & 7));
  buf[4] = 0;
  return buf;
}

BERTH_CHILD int attach(int tree, int dest_fd) {
  return sys::move_mount(tree, "", dest_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0 ? -errno : 0;
}

BERTH_CHILD int open_dest(const ChildPlan& p, int root, const ChildMount& m) {
  if (m.dest_is_proc_or_sys) {
    // SECURITY.md: /proc or /sys must be a real directory, never a symlink.
    int fd = rootfs::open_or_create_in_root(root, m.dest, Create::Dir, 0755, O_PATH);
    if (fd >= 0) sys::close(fd);
    fd = rootfs::check_is_dir_nofollow(root, m.dest);
    if (fd < 0) fail(p, fd, "mount destination must be a directory, not a symlink:", m.dest, "/mounts", m.json_index);
    return fd;
  }
  int fd = rootfs::open_or_create_in_root(root, m.dest, m.source_is_dir ? Create::Dir : Create::File, 0755, O_PATH);
  if (fd < 0) fail(p, fd, "create mount destination", m.dest, "/mounts", m.json_index);
  return fd;
}

// tmpcopyup: the content of the destination (as the mount will find it)
// into the new tmpfs, while it is still writable and not yet in place.
BERTH_CHILD void copy_up_into(const ChildPlan& p, int root, const ChildMount& m, int tree, const char* what) {
  int dest = open_dest(p, root, m);
  int from = sys::openat(dest, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  sys::close(dest);
  if (from < 0) fail(p, errno, "tmpcopyup: open", what, "/mounts", m.json_index);
  const char* failed = "";
  int r = copy_up(from, tree, &failed);
  sys::close(from);
  if (r < 0) {
    char step[200];
    sys::concat(step, sizeof step, "tmpcopyup: copy ", failed, " of");
    fail(p, -r, step, what, "/mounts", m.json_index);
  }
}

BERTH_CHILD void mount_one(const ChildPlan& p, int root, const ChildMount& m) {
  char what[160];
  bool bind = m.kind == MountKind::Bind || m.kind == MountKind::Cgroup;
  sys::concat(what, sizeof what, bind ? m.source : m.fstype, " on ", m.dest);
  int tree;
  const char* key = nullptr;
  if (m.kind == MountKind::Bind && p.bind_sources_from_parent) {
    tree = m.source_fd;  // cloned on the host's side (bind_sources.cpp)
  } else if (bind) {
    tree =
        sys::open_tree(AT_FDCWD, m.source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | (m.opts.recursive ? AT_RECURSIVE : 0));
    if (tree < 0) fail(p, errno, "mount: open_tree", what, "/mounts", m.json_index);
  } else {
    char mode[8];
    tree = make_fs(m, &key, covered_dir_mode(root, m, mode));
    if (tree < 0 && tree == -EPERM && sys::strcmp(m.fstype, "sysfs") == 0) {
      // sysfs cannot be mounted from a user namespace without its own network
      // namespace: bind the host's /sys instead (read-only below), as runc does.
      tree = sys::open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    }
    if (tree < 0) {
      char step[200];
      sys::concat(step, sizeof step, "mount ", what, " (", key, ")");
      fail(p, -tree, step, nullptr, "/mounts", m.json_index);
    }
    if (m.opts.copy_up) copy_up_into(p, root, m, tree, what);
  }
  int r = apply_attrs(tree, m.opts);
  if (r < 0) fail(p, r, "mount: set attributes of", what, "/mounts", m.json_index);
  if (m.userns_fd >= 0) {
    mount_attr a;
    sys::memset(&a, 0, sizeof a);
    a.attr_set = MOUNT_ATTR_IDMAP;
    a.userns_fd = uint64_t(m.userns_fd);
    if (sys::mount_setattr(tree, "", AT_EMPTY_PATH | (m.opts.ridmap ? AT_RECURSIVE : 0), &a, sizeof a) < 0)
      fail(p, errno, "mount: idmap", what, "/mounts", m.json_index);
  }
  int dest = open_dest(p, root, m);
  r = attach(tree, dest);
  if (r < 0) fail(p, r, "mount", what, "/mounts", m.json_index);
  r = apply_propagation(tree, m.opts);
  if (r < 0) fail(p, r, "mount: set propagation of", what, "/mounts", m.json_index);
  sys::close(dest);
  sys::close(tree);
}

struct DevLink {
  const char* target;
  const char* name;
};
constexpr DevLink kDevLinks[] = {
    {"/proc/self/fd", "fd"},
    {"/proc/self/fd/0", "stdin"},
    {"/proc/self/fd/1", "stdout"},
    {"/proc/self/fd/2", "stderr"},
};

// Creates one device node through the /dev dirfd; in a user namespace mknod
// is refused, so the host's node is bind-mounted instead (as runc does).
BERTH_CHILD void make_device(const ChildPlan& p, int root, const ChildDevice& d) {
  const char* path = d.path;
  const char* slash = sys::strrchr(path, '/');
  char parent[256];
  size_t plen = size_t(slash - path);
  if (plen >= sizeof parent) fail(p, ENAMETOOLONG, "create device", path, "/linux/devices", d.json_index);
  sys::memcpy(parent, path, plen);
  parent[plen] = 0;
  int dir = rootfs::open_or_create_in_root(root, plen ? parent : "/", Create::Dir, 0755, O_PATH);
  if (dir < 0) fail(p, dir, "create device directory for", path, "/linux/devices", d.json_index);
  const char* name = slash + 1;
  if (!p.new_userns) {
    if (sys::mknodat(dir, name, d.mode, d.dev) < 0 && errno != EEXIST)
      fail(p, errno, "mknod", path, "/linux/devices", d.json_index);
  } else {
    int f = sys::openat(dir, name, O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_WRONLY, 0600);
    if (f < 0) fail(p, errno, "create device bind target", path, "/linux/devices", d.json_index);
    sys::close(f);
    int tree = sys::open_tree(AT_FDCWD, path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree < 0) fail(p, errno, "bind host device", path, "/linux/devices", d.json_index);
    int target = sys::openat(dir, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (target < 0 || attach(tree, target) < 0)
      fail(p, errno, "bind host device", path, "/linux/devices", d.json_index);
    sys::close(target);
    sys::close(tree);
  }
  // Verify what is there now: a racer may have put a symlink or another node.
  struct stat st;
  if (sys::fstatat(dir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    fail(p, errno, "stat device", path, "/linux/devices", d.json_index);
  // A fifo has no device number (mknod ignores the config's major/minor).
  bool has_rdev = S_ISCHR(d.mode) || S_ISBLK(d.mode);
  if ((st.st_mode & S_IFMT) != (d.mode & S_IFMT) || (!p.new_userns && has_rdev && st.st_rdev != d.dev))
    fail(p, EEXIST, "device exists with another type or number:", path, "/linux/devices", d.json_index);
  if (!p.new_userns) {
    if (sys::fchownat(dir, name, d.uid, d.gid, AT_SYMLINK_NOFOLLOW) < 0)
      fail(p, errno, "chown device", path, "/linux/devices", d.json_index);
    if (sys::fchmodat(dir, name, d.mode & 07777, 0) < 0)
      fail(p, errno, "chmod device", path, "/linux/devices", d.json_index);
  }
  sys::close(dir);
}

// /dev/ptmx is always the link to the devpts instance on /dev/pts, as in
// runc and crun: whatever is there (a node of the rootfs, or a mount of
// /dev/ptmx from the config, which engines add as a bind of /dev/pts/ptmx)
// is replaced. A mount is detached first, as crun does (runc fails with
// EBUSY); only /dev's own entry is touched, through the /dev dirfd.
BERTH_CHILD void link_ptmx(const ChildPlan& p, int dev) {
  for (int tries = 0; tries < 8; tries++) {
    if (sys::symlinkat("pts/ptmx", dev, "ptmx") == 0) return;
    if (errno != EEXIST) break;
    char target[16];
    ssize_t n = sys::readlinkat(dev, "ptmx", target, sizeof target - 1);
    if (n >= 0) target[n] = 0;
    if (n >= 0 && sys::strcmp(target, "pts/ptmx") == 0) return;
    if (sys::unlinkat(dev, "ptmx", 0) == 0 || (errno == EISDIR && sys::unlinkat(dev, "ptmx", AT_REMOVEDIR) == 0))
      continue;
    if (errno != EBUSY) break;
    // A mount point: detach what is mounted there, through an fd of it.
    int fd = sys::openat(dev, "ptmx", O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) break;
    char path[40];
    sys::concat(path, sizeof path, "/proc/self/fd/", fd);
    int r = sys::umount2(path, MNT_DETACH);
    int e = errno;
    sys::close(fd);
    if (r < 0) fail(p, e, "detach the mount on /dev/ptmx", nullptr, nullptr, -1);
  }
  fail(p, errno, "symlink /dev/ptmx", nullptr, nullptr, -1);
}

BERTH_CHILD void make_dev_links(const ChildPlan& p, int root) {
  int dev = rootfs::open_in_root(root, "/dev", O_PATH | O_DIRECTORY, 0);
  if (dev < 0) fail(p, dev, "open /dev", nullptr, nullptr, -1);
  for (const auto& l : kDevLinks)
    if (sys::symlinkat(l.target, dev, l.name) < 0 && errno != EEXIST)
      fail(p, errno, "symlink /dev/", l.name, nullptr, -1);
  if (sys::access("/proc/kcore", F_OK) == 0 && sys::symlinkat("/proc/kcore", dev, "core") < 0 && errno != EEXIST)
    fail(p, errno, "symlink /dev/core", nullptr, nullptr, -1);
  link_ptmx(p, dev);
  sys::close(dev);
}

}  // namespace

// No new and no joined mount namespace: the init shares the host's mount
// table (runc's behaviour). Then / keeps its propagation, the rootfs bind is
// made private (its mounts do not spread) and the init chroots instead of
// pivoting; delete detaches the bind (filesystem/linux cleanup).
BERTH_CHILD bool in_host_mntns(const ChildPlan& p) {
  if (p.clone_flags & CLONE_NEWNS) return false;
  for (int i = 0; i < p.n_joins; i++)
    if (p.joins[i].nstype == CLONE_NEWNS) return false;
  return true;
}

BERTH_CHILD void bind_rootfs(const ChildPlan& p) {
  if (sys::mount(p.rootfs, p.rootfs, nullptr, MS_BIND | MS_REC, nullptr) < 0)
    fail(p, errno, "bind rootfs", p.rootfs, "/root/path", -1);
}

BERTH_CHILD void make_rootfs_private(const ChildPlan& p, unsigned long flags) {
  if (sys::mount(nullptr, p.rootfs, nullptr, flags, nullptr) < 0)
    fail(p, errno, "make rootfs private", p.rootfs, "/root/path", -1);
}

// Every mount and device of the config, through an fd of the bound rootfs.
BERTH_CHILD int populate_rootfs(const ChildPlan& p) {
  int root = sys::open(p.rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) fail(p, errno, "open rootfs", p.rootfs, "/root/path", -1);
  for (size_t i = 0; i < p.n_mounts; i++) mount_one(p, root, p.mounts[i]);
  if (p.setup_dev) {
    for (size_t i = 0; i < p.n_devices; i++) make_device(p, root, p.devices[i]);
    make_dev_links(p, root);
  }
  // Last, so that the submounts, devices and links below a read-only /dev
  // (or cgroup tmpfs) could be made in it first.
  for (size_t i = 0; i < p.n_mounts; i++) {
    const ChildMount& m = p.mounts[i];
    if (!m.readonly_after_children) continue;
    int fd = rootfs::open_in_root(root, m.dest, O_PATH | O_DIRECTORY, 0);
    int r = fd < 0 ? fd : setattr(fd, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0, 0);
    if (r < 0) fail(p, r, "make read-only", m.dest, "/mounts", m.json_index);
    sys::close(fd);
  }
  return root;
}

BERTH_CHILD int prepare_rootfs(const ChildPlan& p) {
  if (in_host_mntns(p)) {
    bind_rootfs(p);
    make_rootfs_private(p, MS_PRIVATE | MS_REC);
    return populate_rootfs(p);
  }
  unsigned long prop = p.rootfs_propagation ? p.rootfs_propagation : (MS_SLAVE | MS_REC);
  // An unbindable / could not be bound onto itself below: make it private now;
  // the new / becomes unbindable after the pivot (enter_rootfs).
  if (prop & MS_UNBINDABLE) prop = (prop & ~MS_UNBINDABLE) | MS_PRIVATE;
  if (sys::mount(nullptr, "/", nullptr, prop, nullptr) < 0)
    fail(p, errno, "set propagation of /", nullptr, "/linux/rootfsPropagation", -1);
  if (prop & MS_SHARED) {
    // pivot_root refuses a shared parent of the new root: make the rootfs a
    // private mount of its own first (the configured propagation is applied
    // to the new / after the pivot).
    bind_rootfs(p);
    make_rootfs_private(p, MS_PRIVATE);
  }
  bind_rootfs(p);
  return populate_rootfs(p);
}

BERTH_CHILD void enter_rootfs(const ChildPlan& p, int root) {
  if (sys::fchdir(root) < 0) fail(p, errno, "chdir to rootfs", p.rootfs, "/root/path", -1);
  if (in_host_mntns(p)) {
    // Never MS_MOVE or pivot in the host's namespace.
    if (sys::chroot(".") < 0) fail(p, errno, "chroot", p.rootfs, nullptr, -1);
  } else if (p.no_pivot) {
    if (sys::mount(".", "/", nullptr, MS_MOVE, nullptr) < 0) fail(p, errno, "move rootfs to /", nullptr, nullptr, -1);
    hide_host_mounts(p);
    if (sys::chroot(".") < 0) fail(p, errno, "chroot", p.rootfs, nullptr, -1);
  } else {
    // pivot_root(".", ".") stacks the old root under the new one; detaching
    // it after making it a slave keeps the unmount from reaching the host.
    // mount(2) on "." would name the new root (the cwd's mount, not the one
    // stacked on it) and make every container mount a slave, losing "rshared":
    // go through an fd of the old root, as runc does.
    int oldroot = sys::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (oldroot < 0) fail(p, errno, "open old root", nullptr, nullptr, -1);
    if (sys::pivot_root(".", ".") < 0) fail(p, errno, "pivot_root", p.rootfs, nullptr, -1);
    if (sys::fchdir(oldroot) < 0) fail(p, errno, "chdir to old root", nullptr, nullptr, -1);
    sys::close(oldroot);
    if (sys::mount(nullptr, ".", nullptr, MS_SLAVE | MS_REC, nullptr) < 0)
      fail(p, errno, "make old root a slave", nullptr, nullptr, -1);
    if (sys::umount2(".", MNT_DETACH) < 0) fail(p, errno, "detach old root", nullptr, nullptr, -1);
  }
  if (sys::chdir("/") < 0) fail(p, errno, "chdir /", nullptr, nullptr, -1);
  if (p.rootfs_propagation && sys::mount(nullptr, "/", nullptr, p.rootfs_propagation, nullptr) < 0)
    fail(p, errno, "set propagation of the new /", nullptr, "/linux/rootfsPropagation", -1);
}

BERTH_CHILD void mask_and_protect(const ChildPlan& p, int root) {
  // The host's /dev/null, never the container's (CVE-2025-31133): we are
  // before the pivot, so "/dev/null" is still the host's; the fd the parent
  // opened names a mount of the parent's namespace, which cannot be cloned.
  int devnull = p.n_masked ? sys::open("/dev/null", O_PATH | O_NOFOLLOW | O_CLOEXEC) : -1;
  if (p.n_masked) {
    struct stat st;
    if (devnull < 0 || sys::fstat(devnull, &st) < 0 || !S_ISCHR(st.st_mode) || st.st_rdev != makedev(1, 3))
      fail(p, devnull < 0 ? errno : EXDEV, "open the host's /dev/null", nullptr, nullptr, -1);
  }
  for (size_t i = 0; i < p.n_masked; i++) {
    int fd = rootfs::open_in_root(root, p.masked_paths[i], O_PATH, 0);
    if (fd == -ENOENT) continue;
    if (fd < 0) fail(p, fd, "open masked path", p.masked_paths[i], "/linux/maskedPaths", int(i));
    struct stat st;
    sys::fstat(fd, &st);
    int tree;
    if (S_ISDIR(st.st_mode)) {
      ChildMount m{};
      m.fstype = "tmpfs";
      const char* key;
      tree = make_fs(m, &key);
      if (tree >= 0) setattr(tree, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0, 0);
    } else {
      // The host's /dev/null, verified by the parent: never the container's.
      tree = sys::open_tree(devnull, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH);
    }
    if (tree < 0 || attach(tree, fd) < 0) fail(p, errno, "mask", p.masked_paths[i], "/linux/maskedPaths", int(i));
    sys::close(tree);
    sys::close(fd);
  }
  for (size_t i = 0; i < p.n_readonly; i++) {
    int fd = rootfs::open_in_root(root, p.readonly_paths[i], O_PATH, 0);
    if (fd == -ENOENT) continue;
    if (fd < 0) fail(p, fd, "open read-only path", p.readonly_paths[i], "/linux/readonlyPaths", int(i));
    int tree = sys::open_tree(fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_EMPTY_PATH | AT_RECURSIVE);
    int r = tree < 0 ? -errno : setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, MOUNT_ATTR_RDONLY, 0, 0);
    if (r == 0) r = attach(tree, fd);
    if (r < 0) fail(p, r, "make read-only", p.readonly_paths[i], "/linux/readonlyPaths", int(i));
    sys::close(tree);
    sys::close(fd);
  }
  if (p.rootfs_readonly) {
    // As runc: a missing cwd is made while / is still writable (change_dir
    // reports any error later).
    int cwd = p.cwd && p.cwd[0] ? rootfs::open_or_create_in_root(root, p.cwd, rootfs::Create::Dir, 0755, O_PATH) : -1;
    if (cwd >= 0) sys::close(cwd);
    int r = setattr(root, "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, 0, 0);
    if (r < 0) fail(p, r, "make / read-only", nullptr, "/root/readonly", -1);
  }
  if (devnull >= 0) sys::close(devnull);
}

}  // namespace berth::child
