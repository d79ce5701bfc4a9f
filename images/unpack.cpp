// Unpacking a layer; see unpack.hpp.
#include "images/unpack.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "images/path.hpp"
#include "libcontainer/rootfs/resolve.hpp"
#include "libcontainer/sys/linux_kernel.hpp"

namespace berth::images {
namespace {

constexpr const char* kWhiteout = ".wh.";
constexpr const char* kOpaque = ".wh..wh..opq";
constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";

// The blob's uncompressed stream, hashed as it passes (the diff id).
class Stream {
 public:
  Stream(int fd, Compression c) : fd_(fd), comp_(c), in_(1 << 16), out_(1 << 18) {}
  ~Stream() {
    if (z_ready_) inflateEnd(&z_);
    if (zs_) ZSTD_freeDStream(zs_);
  }
  Status init() {
    if (comp_ == Compression::Gzip) {
      memset(&z_, 0, sizeof z_);
      if (inflateInit2(&z_, 15 + 16) != Z_OK) return Error(Code::Internal, "zlib: inflateInit2 failed");
      z_ready_ = true;
    } else if (comp_ == Compression::Zstd) {
      zs_ = ZSTD_createDStream();
      if (!zs_ || ZSTD_isError(ZSTD_initDStream(zs_))) return Error(Code::Internal, "zstd: cannot make a stream");
    }
    return {};
  }
  // The next bytes of the tar (0 at its end, -1 on an error, then error()).
  ssize_t next(const void** buf) {
    ssize_t n = produce();
    if (n > 0) {
      hasher_.update(out_.data(), size_t(n));
      *buf = out_.data();
    }
    return n;
  }
  // What is left after the tar's end (its padding) goes through the hash too.
  Status drain() {
    const void* b;
    ssize_t n;
    while ((n = next(&b)) > 0) {
    }
    if (n < 0) return Error(Code::Config, error_);
    return {};
  }
  Digest digest() { return hasher_.finish(); }
  const std::string& error() const { return error_; }

 private:
  // Refills the input; false at the blob's end (or on an error).
  bool fill() {
    if (in_pos_ < in_len_) return true;
    if (in_eof_) return false;
    ssize_t r;
    do r = read(fd_, in_.data(), in_.size());
    while (r < 0 && errno == EINTR);
    if (r < 0) {
      error_ = std::string("read the layer blob: ") + strerror(errno);
      failed_ = true;
      return false;
    }
    in_pos_ = 0, in_len_ = size_t(r);
    in_eof_ = r == 0;
    return r > 0;
  }

  ssize_t produce() {
    if (failed_) return -1;
    for (;;) {
      bool more = fill();
      if (failed_) return -1;
      if (comp_ == Compression::None) {
        if (!more) return 0;
        size_t n = std::min(out_.size(), in_len_ - in_pos_);
        memcpy(out_.data(), in_.data() + in_pos_, n);
        in_pos_ += n;
        return ssize_t(n);
      }
      if (comp_ == Compression::Gzip) {
        if (!more) {
          if (member_open_) return fail("the gzip stream ends early: the layer is truncated");
          return 0;
        }
        if (!member_open_) {  // another gzip member follows the last (or the first)
          if (member_seen_ && inflateReset(&z_) != Z_OK) return fail("zlib: inflateReset failed");
          member_open_ = true;
        }
        z_.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
        z_.avail_in = uInt(in_len_ - in_pos_);
        z_.next_out = reinterpret_cast<Bytef*>(out_.data());
        z_.avail_out = uInt(out_.size());
        int rc = inflate(&z_, Z_NO_FLUSH);
        in_pos_ = in_len_ - z_.avail_in;
        if (rc == Z_STREAM_END)
          member_open_ = false, member_seen_ = true;
        else if (rc != Z_OK && rc != Z_BUF_ERROR)
          return fail(std::string("the layer is not valid gzip: ") + (z_.msg ? z_.msg : "inflate failed"));
        size_t n = out_.size() - z_.avail_out;
        if (n) return ssize_t(n);
        continue;
      }
      // zstd
      if (!more) {
        if (zstd_pending_) return fail("the zstd stream ends early: the layer is truncated");
        return 0;
      }
      ZSTD_inBuffer in{in_.data() + in_pos_, in_len_ - in_pos_, 0};
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      size_t rc = ZSTD_decompressStream(zs_, &out, &in);
      if (ZSTD_isError(rc)) return fail(std::string("the layer is not valid zstd: ") + ZSTD_getErrorName(rc));
      in_pos_ += in.pos;
      zstd_pending_ = rc != 0;
      if (out.pos) return ssize_t(out.pos);
    }
  }

  ssize_t fail(std::string msg) {
    error_ = std::move(msg);
    failed_ = true;
    return -1;
  }

  int fd_;
  Compression comp_;
  std::vector<char> in_, out_;
  size_t in_pos_ = 0, in_len_ = 0;
  bool in_eof_ = false, failed_ = false;
  z_stream z_;
  bool z_ready_ = false, member_open_ = false, member_seen_ = false;
  ZSTD_DStream* zs_ = nullptr;
  bool zstd_pending_ = false;
  Hasher hasher_;
  std::string error_;
};

la_ssize_t read_cb(struct archive* a, void* client, const void** buf) {
  auto* s = static_cast<Stream*>(client);
  ssize_t n = s->next(buf);
  if (n < 0) archive_set_error(a, EIO, "%s", s->error().c_str());
  return n;
}

// An entry's name as components: "/" and "./" dropped; ".." refused.
Result<std::vector<std::string>> components(const std::string& name) {
  auto out = name_components(name);
  for (const auto& c : out)
    if (c == "..") return Error(Code::Config, "a name with \"..\" in it, which would leave the layer");
  return out;
}

class Unpacker {
 public:
  Unpacker(int root, std::vector<UniqueFd> lowers) : root_(root), lowers_(std::move(lowers)) {}

  Status entry(struct archive* a, struct archive_entry* e) {
    const char* raw = archive_entry_pathname(e);
    if (!raw) raw = archive_entry_pathname_utf8(e);
    if (!raw) return Error(Code::Config, "an entry without a name");
    auto parts = BERTH_TRY(components(raw));
    const char* hardlink = archive_entry_hardlink(e);
    mode_t type = archive_entry_filetype(e);
    if (parts.empty()) {  // the layer's root itself ("./")
      if (type == AE_IFDIR) return attributes(root_, "", e, true);
      return Error(Code::Config, "the root is not a directory");
    }
    std::string leaf = parts.back();
    UniqueFd parent = BERTH_TRY(parent_dir(parts));
    if (leaf == kOpaque) {
      if (setxattr(proc_path(parent.get()).c_str(), kOpaqueXattr, "y", 1, 0) != 0)
        return sys_error(errno, "mark its directory opaque (trusted.overlay.opaque)");
      return {};
    }
    if (leaf.rfind(".wh..wh.", 0) == 0) return {};  // aufs' own bookkeeping (.wh..wh.plnk): nothing to see
    if (leaf.rfind(kWhiteout, 0) == 0) {
      std::string gone = leaf.substr(strlen(kWhiteout));
      if (gone.empty() || gone == "." || gone == "..")
        return Error(Code::Config, "a whiteout of \"" + gone + "\", which names no file");
      BERTH_CHECK(clear(parent.get(), gone));
      if (mknodat(parent.get(), gone.c_str(), S_IFCHR | 0, makedev(0, 0)) != 0)
        return sys_error(errno, "make its whiteout");
      return {};
    }
    if (hardlink) return link(parent.get(), leaf, hardlink);
    mode_t perm = archive_entry_perm(e) & 07777;
    switch (type) {
      case AE_IFDIR: {
        struct stat st;
        if (fstatat(parent.get(), leaf.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode)) {
          // listed again, or made for an entry below it: its own attributes now
        } else {
          BERTH_CHECK(clear(parent.get(), leaf));
          if (mkdirat(parent.get(), leaf.c_str(), 0700) != 0) return sys_error(errno, "mkdir");
        }
        UniqueFd d(openat(parent.get(), leaf.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
        if (!d) return sys_error(errno, "open the directory made");
        dirs_.push_back({join_components(parts, parts.size()), archive_entry_mtime(e), archive_entry_mtime_nsec(e)});
        return attributes(d.get(), "", e, false);
      }
      case AE_IFREG: {
        BERTH_CHECK(clear(parent.get(), leaf));
        UniqueFd f(openat(parent.get(), leaf.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
        if (!f) return sys_error(errno, "create");
        BERTH_CHECK(data(a, f.get(), archive_entry_size(e)));
        return attributes(f.get(), "", e, true);
      }
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(e);
        if (!target) target = archive_entry_symlink_utf8(e);
        if (!target) return Error(Code::Config, "a symlink without a target");
        BERTH_CHECK(clear(parent.get(), leaf));
        if (symlinkat(target, parent.get(), leaf.c_str()) != 0) return sys_error(errno, "symlink");
        return attributes(parent.get(), leaf, e, true);
      }
      case AE_IFIFO: {
        BERTH_CHECK(clear(parent.get(), leaf));
        if (mknodat(parent.get(), leaf.c_str(), S_IFIFO | perm, 0) != 0) return sys_error(errno, "mkfifo");
        return attributes(parent.get(), leaf, e, true);
      }
      case AE_IFCHR:
      case AE_IFBLK:
        // A device node in a rootfs is a door to the host's device wherever
        // the container may open it: a container's devices come from its
        // config (linux.devices), never from an image.
        return Error(Code::Config, std::string("a ") + (type == AE_IFCHR ? "character" : "block") + " device (" +
                                       std::to_string(archive_entry_rdevmajor(e)) + ":" +
                                       std::to_string(archive_entry_rdevminor(e)) +
                                       "): device nodes are refused in layers (a container's come from its config)");
      default:
        return Error(Code::Config,
                     "an entry of a type a layer may not have (socket or unknown, mode " + std::to_string(type) + ")");
    }
  }

  // Directory times last: writing their entries changed them.
  void finish_dirs() {
    for (auto d = dirs_.rbegin(); d != dirs_.rend(); ++d) {
      UniqueFd fd(rootfs::open_in_root(root_, d->path.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW));
      if (!fd) continue;
      struct timespec ts[2] = {{d->sec, d->nsec}, {d->sec, d->nsec}};
      utimensat(fd.get(), "", ts, AT_EMPTY_PATH);
    }
  }

 private:
  struct DirTime {
    std::string path;
    time_t sec;
    long nsec;
  };

  static std::string proc_path(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

  // The entry's parent, inside the layer; what is missing made with the
  // attributes it has below (or 0755 root).
  Result<UniqueFd> parent_dir(const std::vector<std::string>& parts) {
    std::string path = join_components(parts, parts.size() - 1);
    int fd = rootfs::open_in_root(root_, path.empty() ? "." : path.c_str(), O_PATH | O_DIRECTORY);
    if (fd >= 0) return UniqueFd(fd);
    if (fd != -ENOENT) return sys_error(-fd, "resolve its directory " + path);
    UniqueFd cur(rootfs::open_in_root(root_, ".", O_PATH | O_DIRECTORY));
    for (size_t i = 0; i + 1 < parts.size(); i++) {
      std::string prefix = join_components(parts, i + 1);
      int next = rootfs::open_in_root(root_, prefix.c_str(), O_PATH | O_DIRECTORY);
      if (next == -ENOENT) {
        // resolved through the layer's own symlinks, the missing name may
        // be elsewhere than parts[i] under cur: make it where it resolves
        struct stat below = lower_dir_stat(prefix);
        if (mkdirat(cur.get(), parts[i].c_str(), below.st_mode & 07777) != 0 && errno != EEXIST)
          return sys_error(errno, "make its directory " + prefix);
        fchownat(cur.get(), parts[i].c_str(), below.st_uid, below.st_gid, AT_SYMLINK_NOFOLLOW);
        next = rootfs::open_in_root(root_, prefix.c_str(), O_PATH | O_DIRECTORY);
      }
      if (next < 0) return sys_error(-next, "resolve its directory " + prefix);
      cur.reset(next);
    }
    return cur;
  }

  // The directory prefix as the layers below have it (the top one that
  // has it decides); 0755 root when none does.
  struct stat lower_dir_stat(const std::string& prefix) {
    struct stat st {};
    st.st_mode = S_IFDIR | 0755;
    for (auto l = lowers_.rbegin(); l != lowers_.rend(); ++l) {
      UniqueFd fd(rootfs::open_in_root(l->get(), prefix.c_str(), O_PATH | O_NOFOLLOW));
      struct stat s;
      if (!fd || fstat(fd.get(), &s) != 0) continue;
      if (S_ISDIR(s.st_mode)) return s;
      break;  // a file or a whiteout there: the directory is new
    }
    return st;
  }

  // Makes room for a new entry: what is there goes, a directory with all
  // below it (a directory listed again is kept: see AE_IFDIR).
  static Status clear(int parent, const std::string& name) { return sys::remove_tree_at(parent, name.c_str()); }

  Status link(int parent, const std::string& leaf, const char* target) {
    auto parts = BERTH_TRY(components(target).context(std::string("its hard link target ") + target));
    if (parts.empty()) return Error(Code::Config, std::string("a hard link to the root (") + target + ")");
    std::string path = join_components(parts, parts.size());
    int fd = rootfs::open_in_root(root_, path.c_str(), O_PATH | O_NOFOLLOW);
    if (fd < 0)
      return Error(Code::Config, std::string("a hard link to ") + target + ", which is not in the layer before it");
    UniqueFd t(fd);
    struct stat st;
    if (fstat(t.get(), &st) != 0) return sys_error(errno, "stat its hard link target");
    if (S_ISDIR(st.st_mode)) return Error(Code::Config, std::string("a hard link to the directory ") + target);
    BERTH_CHECK(clear(parent, leaf));
    if (linkat(t.get(), "", parent, leaf.c_str(), AT_EMPTY_PATH) != 0) return sys_error(errno, "hard link");
    return {};
  }

  static Status data(struct archive* a, int fd, la_int64_t size) {
    const void* buf;
    size_t n;
    la_int64_t off;
    for (;;) {
      int rc = archive_read_data_block(a, &buf, &n, &off);
      if (rc == ARCHIVE_EOF) break;
      if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN) return Error(Code::Config, archive_error_string(a));
      const char* p = static_cast<const char*>(buf);
      while (n) {
        ssize_t w = pwrite(fd, p, n, off);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return sys_error(errno, "write");
        p += w, n -= size_t(w), off += w;
      }
    }
    if (ftruncate(fd, size) != 0) return sys_error(errno, "size");  // a sparse file's tail
    return {};
  }

  // Owner, mode, extended attributes and times: on fd itself (name empty)
  // or on name in the directory fd, not following a symlink.
  static Status attributes(int fd, const std::string& name, struct archive_entry* e, bool times) {
    const char* at = name.empty() ? "" : name.c_str();
    int flags = AT_SYMLINK_NOFOLLOW | (name.empty() ? AT_EMPTY_PATH : 0);
    if (fchownat(fd, at, archive_entry_uid(e), archive_entry_gid(e), flags) != 0) return sys_error(errno, "chown");
    mode_t type = archive_entry_filetype(e);
    std::string path = "/proc/self/fd/" + std::to_string(fd) + (name.empty() ? "" : "/" + name);
    if (type != AE_IFLNK && chmod(path.c_str(), archive_entry_perm(e) & 07777) != 0) return sys_error(errno, "chmod");
    const char* xname;
    const void* value;
    size_t size;
    archive_entry_xattr_reset(e);
    while (archive_entry_xattr_next(e, &xname, &value, &size) == ARCHIVE_OK) {
      if (strncmp(xname, "trusted.overlay.", 16) == 0) continue;  // overlay's, berth's alone to write
      // the fd's magic link followed to the entry itself; a name in the
      // directory fd not followed (a symlink's own attributes)
      int rc =
          name.empty() ? setxattr(path.c_str(), xname, value, size, 0) : lsetxattr(path.c_str(), xname, value, size, 0);
      if (rc != 0 && errno != ENOTSUP && errno != EPERM)
        return sys_error(errno, std::string("set the extended attribute ") + xname);
    }
    if (times) {
      struct timespec ts[2] = {{archive_entry_mtime(e), archive_entry_mtime_nsec(e)},
                               {archive_entry_mtime(e), archive_entry_mtime_nsec(e)}};
      utimensat(fd, at, ts, flags);
    }
    return {};
  }

  int root_;
  std::vector<UniqueFd> lowers_;
  std::vector<DirTime> dirs_;
};

}  // namespace

Status unpack_layer(const Store& store, const Descriptor& layer, const Digest& diff_id,
                    const std::vector<Digest>& lowers) {
  if (store.has_layer(diff_id)) return {};
  std::string what = "layer " + layer.digest.str();
  Compression comp = BERTH_TRY(layer_compression(layer.media_type).context(what));
  auto blob = BERTH_TRY(store.open_blob(layer.digest));
  std::vector<UniqueFd> lower_fds;
  for (const auto& l : lowers) {
    UniqueFd fd(open(store.layer_dir(l).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!fd) return sys_error(errno, what + ": open the layer below, " + store.layer_dir(l));
    lower_fds.push_back(std::move(fd));
  }
  std::string tmp = store.layer_dir(diff_id) + ".tmp-" + std::to_string(getpid());
  (void)sys::remove_tree_at(AT_FDCWD, tmp.c_str());
  if (mkdir(tmp.c_str(), 0755) != 0) return sys_error(errno, what + ": mkdir " + tmp);
  auto undo = [&](Error e) {
    (void)sys::remove_tree_at(AT_FDCWD, tmp.c_str());
    return e;
  };
  UniqueFd root(open(tmp.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!root) return undo(sys_error(errno, what + ": open " + tmp));

  Stream stream(blob.get(), comp);
  if (Status s = stream.init(); !s.ok()) return undo(std::move(s).error());
  std::unique_ptr<struct archive, int (*)(struct archive*)> a(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(a.get());
  archive_read_support_format_empty(a.get());
  if (archive_read_open(a.get(), &stream, nullptr, read_cb, nullptr) != ARCHIVE_OK)
    return undo(Error(Code::Config, what + ": not a tar: " + archive_error_string(a.get())));
  Unpacker u(root.get(), std::move(lower_fds));
  for (;;) {
    struct archive_entry* e;
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      return undo(Error(Code::Config, what + ": " + archive_error_string(a.get())));
    const char* name = archive_entry_pathname(e);
    if (Status s = u.entry(a.get(), e); !s.ok())
      return undo(std::move(s).error().context(what + ": entry " + (name ? name : "?")));
  }
  u.finish_dirs();
  if (Status s = stream.drain(); !s.ok()) return undo(std::move(s).error().context(what));
  if (Digest got = stream.digest(); got != diff_id)
    return undo(Error(Code::Config, what + ": its content is " + got.str() + ", not the diff id " + diff_id.str() +
                                        " the image config names"));
  if (rename(tmp.c_str(), store.layer_dir(diff_id).c_str()) != 0) {
    int err = errno;
    if (store.has_layer(diff_id)) {  // unpacked meanwhile by another pull
      (void)undo(Error());
      return {};
    }
    return undo(sys_error(err, what + ": rename " + tmp));
  }
  return {};
}

}  // namespace berth::images
