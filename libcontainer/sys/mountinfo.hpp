// /proc/PID/mountinfo, parsed in one place (cgroup layout detection, the
// host rootfs bind of filesystem/linux). The kernel escapes space, tab,
// newline and backslash in paths as \040 \011 \012 \134 (seq_file's mangle,
// fs/proc_namespace.c); every path field here is decoded, so it compares
// equal to the path a caller holds. Callers read the file with
// state::read_file.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::sys {

struct MountInfo {
  std::string id, parent;   // mount ids, as text
  std::string dev;          // "major:minor"
  std::string root;         // the mount's root within its filesystem (decoded)
  std::string mount_point;  // decoded
  std::string options;      // per-mount options ("rw,nosuid")
  std::string fstype;       // "cgroup", "ext4" ...
  std::string source;       // decoded
  std::string super_options;
};

// Decodes \ooo (three octal digits) escapes; any other backslash is kept.
std::string unescape_mountinfo(std::string_view s);
// One entry per well-formed line, in file order (the last one at a mount
// point is the one on top); malformed lines are skipped.
std::vector<MountInfo> parse_mountinfo(std::string_view text);

}  // namespace berth::sys
