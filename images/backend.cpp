// Rootfs backends; see backend.hpp.
#include "images/backend.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "libcontainer/json/tree.hpp"
#include "libcontainer/rootfs/resolve.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/sys/linux_kernel.hpp"

namespace berth::images {
namespace {

constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";

bool is_whiteout(const struct stat& st) { return S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0); }

bool is_opaque(int dir_fd) {
  char v[2];
  std::string p = "/proc/self/fd/" + std::to_string(dir_fd);
  return getxattr(p.c_str(), kOpaqueXattr, v, sizeof v) == 1 && v[0] == 'y';
}

// Extended attributes of src onto dst (both real fds), overlay's own left out.
Status copy_xattrs(int src, int dst) {
  char names[1 << 14];
  ssize_t n = flistxattr(src, names, sizeof names);
  if (n < 0) return errno == ENOTSUP ? Status{} : sys_error(errno, "list extended attributes");
  std::vector<char> value(1 << 16);
  for (ssize_t at = 0; at < n; at += ssize_t(strlen(names + at)) + 1) {
    const char* name = names + at;
    if (strncmp(name, "trusted.overlay.", 16) == 0) continue;
    ssize_t len = fgetxattr(src, name, value.data(), value.size());
    if (len < 0) continue;
    if (fsetxattr(dst, name, value.data(), size_t(len), 0) != 0 && errno != ENOTSUP)
      return sys_error(errno, std::string("set the extended attribute ") + name);
  }
  return {};
}

// Owner, mode and times of st onto name in dir (not following a symlink).
void copy_attrs(int dir, const char* name, const struct stat& st) {
  fchownat(dir, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
  if (!S_ISLNK(st.st_mode)) fchmodat(dir, name, st.st_mode & 07777, 0);
  struct timespec ts[2] = {st.st_atim, st.st_mtim};
  utimensat(dir, name, ts, AT_SYMLINK_NOFOLLOW);
}

Status copy_data(int src, int dst, off_t size) {
  off_t left = size;
  while (left > 0) {
    ssize_t n = copy_file_range(src, nullptr, dst, nullptr, size_t(left), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error(errno, "copy");
    if (n == 0) break;
    left -= n;
  }
  return {};
}

// One layer (overlay's form) applied onto the rootfs being built.
class Applier {
 public:
  explicit Applier(int root) : root_(root) {}

  Status apply(int src, int dst, const std::string& path) {
    UniqueFd list(openat(src, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    DIR* d = fdopendir(list.release());
    if (!d) return sys_error(errno, "read the layer's " + path);
    Status s;
    while (dirent* e = readdir(d)) {
      if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
      s = entry(src, dst, e->d_name, path.empty() ? e->d_name : path + "/" + e->d_name);
      if (!s.ok()) break;
    }
    closedir(d);
    return s;
  }

 private:
  Status entry(int src, int dst, const char* name, const std::string& path) {
    struct stat st;
    if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) != 0) return sys_error(errno, "stat " + path);
    if (is_whiteout(st)) return sys::remove_tree_at(dst, name);
    struct stat there;
    bool exists = fstatat(dst, name, &there, AT_SYMLINK_NOFOLLOW) == 0;
    if (S_ISDIR(st.st_mode)) {
      UniqueFd s(openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!s) return sys_error(errno, "open " + path);
      // an opaque directory hides what the layers below had there
      if (exists && (!S_ISDIR(there.st_mode) || is_opaque(s.get()))) {
        BERTH_CHECK(sys::remove_tree_at(dst, name));
        exists = false;
      }
      if (!exists && mkdirat(dst, name, 0700) != 0) return sys_error(errno, "mkdir " + path);
      UniqueFd t(openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
      if (!t) return sys_error(errno, "open " + path);
      BERTH_CHECK(apply(s.get(), t.get(), path));
      BERTH_CHECK(copy_xattrs(s.get(), t.get()));
      copy_attrs(dst, name, st);
      return {};
    }
    if (exists) BERTH_CHECK(sys::remove_tree_at(dst, name));
    if (S_ISREG(st.st_mode) && st.st_nlink > 1) {  // a hard link of this layer's made already
      auto seen = links_.find({st.st_dev, st.st_ino});
      if (seen != links_.end()) {
        UniqueFd t(rootfs::open_in_root(root_, seen->second.c_str(), O_PATH | O_NOFOLLOW));
        if (t && linkat(t.get(), "", dst, name, AT_EMPTY_PATH) == 0) return {};
      }
      links_[{st.st_dev, st.st_ino}] = path;
    }
    if (S_ISREG(st.st_mode)) {
      UniqueFd s(openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
      UniqueFd t(openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
      if (!s || !t) return sys_error(errno, "copy " + path);
      BERTH_CHECK(copy_data(s.get(), t.get(), st.st_size));
      BERTH_CHECK(copy_xattrs(s.get(), t.get()));
    } else if (S_ISLNK(st.st_mode)) {
      char target[4097];
      ssize_t n = readlinkat(src, name, target, sizeof target - 1);
      if (n < 0) return sys_error(errno, "readlink " + path);
      target[n] = 0;
      if (symlinkat(target, dst, name) != 0) return sys_error(errno, "symlink " + path);
    } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) || S_ISFIFO(st.st_mode)) {
      if (mknodat(dst, name, st.st_mode, st.st_rdev) != 0) return sys_error(errno, "mknod " + path);
    } else {
      return Error(Code::Config, "a layer holds " + path + ", neither file, directory, link nor device");
    }
    copy_attrs(dst, name, st);
    return {};
  }

  int root_;
  std::map<std::pair<dev_t, ino_t>, std::string> links_;
};

bool kernel_has_overlay() {
  auto fs = state::read_file("/proc/filesystems");
  return fs && fs->find("\toverlay\n") != std::string::npos;
}

}  // namespace

Result<Backend> parse_backend(const std::string& name) {
  if (name == "auto" || name.empty()) return Backend::Auto;
  if (name == "overlay") return Backend::Overlay;
  if (name == "copy") return Backend::Copy;
  if (name == "bind") return Backend::Bind;
  return Error(Code::Config, "backend " + name + ": it is overlay, copy, bind or auto");
}

const char* backend_name(Backend b) {
  switch (b) {
    case Backend::Overlay: return "overlay";
    case Backend::Copy: return "copy";
    case Backend::Bind: return "bind";
    case Backend::Auto: break;
  }
  return "auto";
}

Backend resolve_backend(Backend b) {
  if (b != Backend::Auto) return b;
  return kernel_has_overlay() ? Backend::Overlay : Backend::Copy;
}

Status make_rootfs(const Store& store, const ImageRecord& image, Backend backend, const std::string& dir) {
  backend = resolve_backend(backend);
  if (backend == Backend::Bind && image.diff_ids.size() != 1)
    return Error(Code::Config, "the bind backend takes an image of one layer; " + image.name + " has " +
                                   std::to_string(image.diff_ids.size()));
  for (const auto& l : image.diff_ids)
    if (!store.has_layer(l))
      return Error(Code::NotFound, "layer " + l.str() + " of " + image.name + " is not unpacked");
  if (mkdir(dir.c_str(), 0700) != 0) return sys_error(errno, "mkdir " + dir);
  std::string rootfs = dir + "/rootfs";
  auto undo = [&](Error e) {
    (void)remove_rootfs(dir);
    return e;
  };
  if (mkdir(rootfs.c_str(), 0755) != 0) return undo(sys_error(errno, "mkdir " + rootfs));
  if (backend == Backend::Bind) {
    std::string layer = store.layer_dir(image.diff_ids[0]);
    if (mount(layer.c_str(), rootfs.c_str(), nullptr, MS_BIND, nullptr) != 0)
      return undo(sys_error(errno, "bind " + layer + " on " + rootfs));
    if (mount(nullptr, rootfs.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV, nullptr) != 0)
      return undo(sys_error(errno, "make " + rootfs + " read-only"));
    return {};
  }
  if (backend == Backend::Overlay) {
    for (const char* sub : {"/upper", "/work"})
      if (mkdir((dir + sub).c_str(), 0755) != 0) return undo(sys_error(errno, "mkdir " + dir + sub));
    // The layers relative to STORE/layers (the mount's data is one page):
    // the top one first.
    std::string lower;
    for (auto l = image.diff_ids.rbegin(); l != image.diff_ids.rend(); ++l)
      lower += (lower.empty() ? "" : ":") + l->algorithm + "/" + l->hex;
    if (image.diff_ids.empty()) {
      if (mkdir((dir + "/empty").c_str(), 0755) != 0) return undo(sys_error(errno, "mkdir " + dir + "/empty"));
      lower = dir + "/empty";
    }
    std::string data = "lowerdir=" + lower + ",upperdir=" + dir + "/upper,workdir=" + dir + "/work";
    if (data.size() > 4000)
      return undo(Error(Code::Unsupported, image.name + ": " + std::to_string(image.diff_ids.size()) +
                                               " layers are more than one overlay mount can name; use the copy "
                                               "backend"));
    UniqueFd cwd(open(".", O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (chdir((store.root() + "/layers").c_str()) != 0)
      return undo(sys_error(errno, "chdir " + store.root() + "/layers"));
    int rc = mount("overlay", rootfs.c_str(), "overlay", 0, data.c_str());
    int err = errno;
    if (cwd && fchdir(cwd.get()) != 0) (void)chdir("/");
    if (rc != 0) return undo(sys_error(err, "mount overlay on " + rootfs));
    return {};
  }
  UniqueFd root(open(rootfs.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!root) return undo(sys_error(errno, "open " + rootfs));
  for (const auto& l : image.diff_ids) {
    UniqueFd src(open(store.layer_dir(l).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!src) return undo(sys_error(errno, "open " + store.layer_dir(l)));
    Applier a(root.get());
    if (Status s = a.apply(src.get(), root.get(), ""); !s.ok())
      return undo(std::move(s).error().context("copy layer " + l.str() + " into " + rootfs));
    struct stat st;
    if (fstat(src.get(), &st) == 0) copy_attrs(root.get(), ".", st);
  }
  return {};
}

Status copy_tree(int src, int dst) {
  Applier a(dst);
  return a.apply(src, dst, "");
}

}  // namespace berth::images
