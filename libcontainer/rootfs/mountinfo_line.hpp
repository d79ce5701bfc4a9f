// One line of /proc/<pid>/mountinfo, parsed without allocation for the init
// (the --no-pivot cleanup reads its own mount table between clone and exec).
// Fields: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS ... - FSTYPE SOURCE SUPER".
#pragma once

#include <cstddef>
#include <cstdint>

namespace berth::rootfs {

// Decodes the kernel's octal escapes of a mountinfo path field (\040 space,
// \011 tab, \012 newline, \134 backslash) from in[0..n) into out (NUL-
// terminated). Returns the length, or -1 if it does not fit in cap.
long decode_mountinfo_path(const char* in, size_t n, char* out, size_t cap) noexcept;

// Parses the mount id (field 1) and the decoded mount point (field 5) of one
// line (without its '\n'). Returns 0, or -1 for a malformed line or a mount
// point longer than cap - 1.
int parse_mountinfo_line(const char* line, size_t n, uint64_t* id, char* mountpoint, size_t cap) noexcept;

}  // namespace berth::rootfs
