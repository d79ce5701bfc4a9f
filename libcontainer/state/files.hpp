// File helpers of the state directory, free of JSON so the shim stays small.
#pragma once

#include <sys/types.h>

#include <string>

#include "libcontainer/error/error.hpp"

namespace berth::state {

// RFC 3339 with nanoseconds, UTC ("2026-11-25T01:08:15.123456789Z").
std::string now_rfc3339();

// Writes data to path atomically: a temp file (path.tmp) put in path's place
// (renamed over it, or exchanged with it), so a reader sees the old or the
// new content, never a part. Sync::File fsyncs the temp file before the
// rename, so that this holds after a crash of the host too (a loaded state
// record); Sync::None is for what no reboot needs (a pid file), since an
// fsync on a disk-backed --root costs up to milliseconds: the old file is
// unlinked. Sync::Spare is Sync::None for a file rewritten several times in
// a row (create's saves of the state record): the old version stays as
// path.tmp and the next write overwrites it in place, so no data block is
// freed on the way (a file system mounted with discard, as here, discards a
// freed block at once: 0.05 to 0.3 ms each); path.tmp goes with the
// directory.
enum class Sync { None, File, Spare };
Status write_file_atomic(const std::string& path, std::string_view data, mode_t mode = 0600, Sync sync = Sync::None);
Result<std::string> read_file(const std::string& path);
// Everything readable from fd until EOF (a file, a pipe), retrying EINTR.
Result<std::string> read_all(int fd);

}  // namespace berth::state
