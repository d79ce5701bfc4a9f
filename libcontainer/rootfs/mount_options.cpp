// The table of OCI mount option words and how each maps onto the new mount API, plus the
// splitter that turns the leftover filesystem data into fsconfig key/value pairs.
// Allocation-free on purpose: the same code may run in the container init.
#include "libcontainer/rootfs/mount_options.hpp"

#include <sys/mount.h>

#include <cerrno>
#include <cstring>

namespace berth::rootfs {
namespace {

enum class Kind : uint8_t {
  Set,     // set MOUNT_ATTR bits on the mount
  Clear,   // clear them
  RecSet,  // the same, recursively
  RecClear,
  Atime,     // choose an atime mode (the 3-value MOUNT_ATTR__ATIME field)
  AtimeOff,  // cancel that mode if it is the current one ("atime" undoes "noatime")
  RecAtime,
  RecAtimeOff,
  Propagation,
  RecPropagation,
  Bind,
  RBind,
  Idmap,
  RIdmap,
  Remount,
  Ignore,
  CopyUp,
};

struct Word {
  const char* name;
  Kind kind;
  uint64_t bits;
};

// Superblock flags such as sync, async, dirsync, lazytime and mand are not listed: they
// fall through to the data string, and fsconfig's generic parser applies them to the
// superblock before the filesystem sees its own options, which is where mount(2) put
// MS_SYNCHRONOUS and friends too.
// "ro" is a mount attribute here, not SB_RDONLY: some superblocks (sysfs, mqueue, cgroup2)
// are shared with the host, and a read-only superblock would be read-only there as well.
constexpr Word kWords[] = {
    {"defaults", Kind::Ignore, 0},
    // MS_SILENT only quietens the kernel log; MS_I_VERSION is decided by the filesystem
    // itself on current kernels. fsconfig would reject them for filesystems like tmpfs.
    {"silent", Kind::Ignore, 0},
    {"loud", Kind::Ignore, 0},
    {"iversion", Kind::Ignore, 0},
    {"noiversion", Kind::Ignore, 0},
    {"ro", Kind::Set, MOUNT_ATTR_RDONLY},
    {"rw", Kind::Clear, MOUNT_ATTR_RDONLY},
    {"nosuid", Kind::Set, MOUNT_ATTR_NOSUID},
    {"suid", Kind::Clear, MOUNT_ATTR_NOSUID},
    {"nodev", Kind::Set, MOUNT_ATTR_NODEV},
    {"dev", Kind::Clear, MOUNT_ATTR_NODEV},
    {"noexec", Kind::Set, MOUNT_ATTR_NOEXEC},
    {"exec", Kind::Clear, MOUNT_ATTR_NOEXEC},
    {"nodiratime", Kind::Set, MOUNT_ATTR_NODIRATIME},
    {"diratime", Kind::Clear, MOUNT_ATTR_NODIRATIME},
    {"nosymfollow", Kind::Set, MOUNT_ATTR_NOSYMFOLLOW},
    {"symfollow", Kind::Clear, MOUNT_ATTR_NOSYMFOLLOW},
    {"relatime", Kind::Atime, MOUNT_ATTR_RELATIME},
    {"norelatime", Kind::AtimeOff, MOUNT_ATTR_RELATIME},
    {"noatime", Kind::Atime, MOUNT_ATTR_NOATIME},
    {"atime", Kind::AtimeOff, MOUNT_ATTR_NOATIME},
    {"strictatime", Kind::Atime, MOUNT_ATTR_STRICTATIME},
    {"nostrictatime", Kind::AtimeOff, MOUNT_ATTR_STRICTATIME},
    {"rro", Kind::RecSet, MOUNT_ATTR_RDONLY},
    {"rrw", Kind::RecClear, MOUNT_ATTR_RDONLY},
    {"rnosuid", Kind::RecSet, MOUNT_ATTR_NOSUID},
    {"rsuid", Kind::RecClear, MOUNT_ATTR_NOSUID},
    {"rnodev", Kind::RecSet, MOUNT_ATTR_NODEV},
    {"rdev", Kind::RecClear, MOUNT_ATTR_NODEV},
    {"rnoexec", Kind::RecSet, MOUNT_ATTR_NOEXEC},
    {"rexec", Kind::RecClear, MOUNT_ATTR_NOEXEC},
    {"rnodiratime", Kind::RecSet, MOUNT_ATTR_NODIRATIME},
    {"rdiratime", Kind::RecClear, MOUNT_ATTR_NODIRATIME},
    {"rnosymfollow", Kind::RecSet, MOUNT_ATTR_NOSYMFOLLOW},
    {"rsymfollow", Kind::RecClear, MOUNT_ATTR_NOSYMFOLLOW},
    {"rrelatime", Kind::RecAtime, MOUNT_ATTR_RELATIME},
    {"rnorelatime", Kind::RecAtimeOff, MOUNT_ATTR_RELATIME},
    {"rnoatime", Kind::RecAtime, MOUNT_ATTR_NOATIME},
    {"ratime", Kind::RecAtimeOff, MOUNT_ATTR_NOATIME},
    {"rstrictatime", Kind::RecAtime, MOUNT_ATTR_STRICTATIME},
    {"rnostrictatime", Kind::RecAtimeOff, MOUNT_ATTR_STRICTATIME},
    {"private", Kind::Propagation, MS_PRIVATE},
    {"rprivate", Kind::RecPropagation, MS_PRIVATE},
    {"shared", Kind::Propagation, MS_SHARED},
    {"rshared", Kind::RecPropagation, MS_SHARED},
    {"slave", Kind::Propagation, MS_SLAVE},
    {"rslave", Kind::RecPropagation, MS_SLAVE},
    {"unbindable", Kind::Propagation, MS_UNBINDABLE},
    {"runbindable", Kind::RecPropagation, MS_UNBINDABLE},
    {"bind", Kind::Bind, 0},
    {"rbind", Kind::RBind, 0},
    {"idmap", Kind::Idmap, 0},
    {"ridmap", Kind::RIdmap, 0},
    {"remount", Kind::Remount, 0},
    // The destination's content copied into the fresh tmpfs (tmpfs only).
    {"tmpcopyup", Kind::CopyUp, 0},
};

constexpr int kAtimeUnset = -1;

struct AttrState {
  uint64_t set = 0, clr = 0;
  int atime = kAtimeUnset;
};

void set_bits(AttrState* s, uint64_t bits) noexcept {
  s->set |= bits;
  s->clr &= ~bits;
}

void clear_bits(AttrState* s, uint64_t bits) noexcept {
  s->clr |= bits;
  s->set &= ~bits;
}

// mount_setattr wants the whole __ATIME mask in attr_clr whenever attr_set names a mode;
// relatime is 0, so the mask in attr_clr is what says "change atime".
void finish_atime(const AttrState& s, uint64_t* set, uint64_t* clr) noexcept {
  *set = s.set;
  *clr = s.clr;
  if (s.atime == kAtimeUnset) return;
  *set = (*set & ~uint64_t{MOUNT_ATTR__ATIME}) | static_cast<uint64_t>(s.atime);
  *clr |= MOUNT_ATTR__ATIME;
}

const Word* find_word(const char* opt) noexcept {
  for (const Word& w : kWords)
    if (strcmp(w.name, opt) == 0) return &w;
  return nullptr;
}

int append_data(MountOpts* out, const char* opt) noexcept {
  size_t len = strlen(opt);
  size_t sep = out->data_len > 0 ? 1 : 0;
  if (out->data_len + sep + len >= sizeof out->data) return -E2BIG;
  if (sep) out->data[out->data_len++] = ',';
  memcpy(out->data + out->data_len, opt, len);
  out->data_len += static_cast<uint32_t>(len);
  out->data[out->data_len] = '\0';
  return 0;
}

// Applies one known word. Returns 0 or -errno.
int apply_word(const Word& w, MountOpts* out, AttrState* top, AttrState* rec) noexcept {
  switch (w.kind) {
    case Kind::Set: set_bits(top, w.bits); break;
    case Kind::Clear: clear_bits(top, w.bits); break;
    case Kind::RecSet: set_bits(rec, w.bits); break;
    case Kind::RecClear: clear_bits(rec, w.bits); break;
    case Kind::Atime: top->atime = static_cast<int>(w.bits); break;
    case Kind::RecAtime: rec->atime = static_cast<int>(w.bits); break;
    case Kind::AtimeOff:
      if (top->atime == static_cast<int>(w.bits)) top->atime = kAtimeUnset;
      break;
    case Kind::RecAtimeOff:
      if (rec->atime == static_cast<int>(w.bits)) rec->atime = kAtimeUnset;
      break;
    case Kind::Propagation:
    case Kind::RecPropagation:
      out->propagation = w.bits;
      out->propagation_recursive = w.kind == Kind::RecPropagation;
      break;
    case Kind::RBind: out->recursive = true; [[fallthrough]];
    case Kind::Bind: out->bind = true; break;
    case Kind::RIdmap: out->ridmap = true; [[fallthrough]];
    case Kind::Idmap: out->idmap = true; break;
    case Kind::Remount: out->remount = true; break;
    case Kind::CopyUp: out->copy_up = true; break;
    case Kind::Ignore: break;
  }
  return 0;
}

}  // namespace

int parse_mount_options(const char* type, const char* const* options, size_t n, MountOpts* out,
                        size_t* bad_index) noexcept {
  if (out == nullptr || (n > 0 && options == nullptr)) return -EINVAL;
  *out = MountOpts{};
  if (type != nullptr && strcmp(type, "bind") == 0) out->bind = true;
  AttrState top, rec;
  for (size_t i = 0; i < n; ++i) {
    const char* opt = options[i];
    int rc = 0;
    if (opt == nullptr || opt[0] == '\0') {
      rc = -EINVAL;
    } else if (const Word* w = find_word(opt)) {
      rc = apply_word(*w, out, &top, &rec);
      // Only a fresh tmpfs takes the destination's content.
      if (w->kind == Kind::CopyUp && (type == nullptr || strcmp(type, "tmpfs") != 0)) rc = -EOPNOTSUPP;
    } else {
      rc = append_data(out, opt);  // runc hands unknown words to the filesystem too
    }
    if (rc < 0) {
      if (bad_index != nullptr) *bad_index = i;
      return rc;
    }
  }
  finish_atime(top, &out->attr_set, &out->attr_clr);
  finish_atime(rec, &out->rec_attr_set, &out->rec_attr_clr);
  out->recursive_ro = (out->rec_attr_set | out->rec_attr_clr) != 0;
  return 0;
}

namespace {

// Copies src[0..len) into dst of size cap with a NUL. Returns 0 or -ENAMETOOLONG.
int copy_bounded(char* dst, size_t cap, const char* src, size_t len) noexcept {
  if (len + 1 > cap) return -ENAMETOOLONG;
  memcpy(dst, src, len);
  dst[len] = '\0';
  return 0;
}

}  // namespace

int next_data_option(const char** cursor, char* key, size_t key_len, char* value, size_t value_len,
                     bool* has_value) noexcept {
  if (cursor == nullptr || *cursor == nullptr || key == nullptr || value == nullptr || has_value == nullptr ||
      key_len == 0 || value_len == 0)
    return -EINVAL;
  const char* p = *cursor;
  while (*p == ',') ++p;
  if (*p == '\0') {
    *cursor = p;
    return 0;
  }
  const char* k = p;
  while (*p != '\0' && *p != ',' && *p != '=') ++p;
  size_t klen = static_cast<size_t>(p - k);
  if (klen == 0) return -EINVAL;
  int rc = copy_bounded(key, key_len, k, klen);
  if (rc < 0) return rc;
  *has_value = *p == '=';
  value[0] = '\0';
  if (*has_value) {
    ++p;
    const char* v = p;
    if (*p == '"') {
      v = ++p;
      while (*p != '\0' && *p != '"') ++p;
      if (*p != '"') return -EINVAL;
      rc = copy_bounded(value, value_len, v, static_cast<size_t>(p - v));
      ++p;
    } else {
      while (*p != '\0' && *p != ',') ++p;
      rc = copy_bounded(value, value_len, v, static_cast<size_t>(p - v));
    }
    if (rc < 0) return rc;
  }
  // A quoted value must end the item; anything else glued to it is malformed.
  if (*p != '\0' && *p != ',') return -EINVAL;
  *cursor = p;
  return 1;
}

}  // namespace berth::rootfs
