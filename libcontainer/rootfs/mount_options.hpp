// OCI mount options -> MountOpts, a flat record the container init feeds to the new mount
// API (fsopen/fsconfig/fsmount, open_tree, mount_setattr, move_mount). Parsing runs in the
// parent but allocates nothing, so the record and the data splitter work anywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace berth::rootfs {

struct MountOpts {
  // MOUNT_ATTR_* for the mount itself (fsmount attr_flags, or mount_setattr without
  // AT_RECURSIVE on a bind). When an atime word was given, attr_clr holds the whole
  // MOUNT_ATTR__ATIME mask and attr_set the chosen mode, as mount_setattr requires.
  uint64_t attr_set = 0;
  uint64_t attr_clr = 0;
  // The same for the "r" variants (rro, rnosuid, ...): mount_setattr with AT_RECURSIVE.
  uint64_t rec_attr_set = 0;
  uint64_t rec_attr_clr = 0;
  // MS_SHARED / MS_SLAVE / MS_PRIVATE / MS_UNBINDABLE, or 0. The last word wins.
  uint64_t propagation = 0;
  bool propagation_recursive = false;
  bool bind = false;          // "bind", "rbind" or type "bind"
  bool recursive = false;     // "rbind": clone the whole subtree (OPEN_TREE_CLONE|AT_RECURSIVE)
  bool recursive_ro = false;  // any "r" attribute option was given (rec_attr_* is non-zero)
  bool idmap = false;         // "idmap" or "ridmap": an idmapped mount
  bool ridmap = false;        // "ridmap": idmap applied with AT_RECURSIVE
  bool remount = false;       // reconfigure the mount already at the destination
  // "tmpcopyup" (runc's extension, which podman --read-only uses): what the
  // destination holds is copied into the new tmpfs before it covers it.
  bool copy_up = false;
  // Options for the filesystem, comma-separated, for fsconfig (see next_data_option):
  // unknown words and the superblock flags fsconfig itself understands (sync, async,
  // dirsync, lazytime, nolazytime, mand, nomand). Ignored for bind mounts.
  uint32_t data_len = 0;
  char data[1024] = {};
};
static_assert(std::is_standard_layout_v<MountOpts>);
static_assert(std::is_trivially_copyable_v<MountOpts>);

// Parses the options of one mount. `type` may be null or "". Options apply left to right,
// so "ro,rw" is read-write. On failure *bad_index (when not null) is the index of the
// offending option and *out is unspecified. Returns 0 or:
//   -EOPNOTSUPP  "tmpcopyup" on a type other than tmpfs
//   -EINVAL      a null or empty option
//   -E2BIG       the filesystem data would not fit in MountOpts::data
int parse_mount_options(const char* type, const char* const* options, size_t n, MountOpts* out,
                        size_t* bad_index) noexcept;

// Splits MountOpts::data into fsconfig calls. *cursor starts at data and advances past
// one "key" or "key=value" item per call; empty items are skipped. A value may be
// double-quoted to hold commas (context="a,b"); the quotes are removed. Without "=",
// *has_value is false (use FSCONFIG_SET_FLAG), else true (FSCONFIG_SET_STRING).
// Returns 1 when an item was produced, 0 at the end, -ENAMETOOLONG if key or value do
// not fit their buffer (NUL included), -EINVAL for an empty key or an unterminated quote.
int next_data_option(const char** cursor, char* key, size_t key_len, char* value, size_t value_len,
                     bool* has_value) noexcept;

}  // namespace berth::rootfs
