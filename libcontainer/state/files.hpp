// File helpers of the state directory, free of JSON so the shim stays small.
#pragma once

#include <sys/types.h>

#include <string>

#include "libcontainer/error/error.hpp"

namespace berth::state {

// RFC 3339 with nanoseconds, UTC ("2026-11-25T01:08:15.123456789Z").
std::string now_rfc3339();

// Writes data to path atomically: a temp file renamed over path, so a reader
// sees the old or the new content, never a part. No fsync: the state
// directory lives as long as the containers do (a reboot ends both, as with
// runc's /run), and an fsync on a disk-backed --root costs milliseconds on
// the create and exit paths.
Status write_file_atomic(const std::string& path, const std::string& data, mode_t mode = 0600);
Result<std::string> read_file(const std::string& path);
// Everything readable from fd until EOF (a file, a pipe), retrying EINTR.
Result<std::string> read_all(int fd);

}  // namespace berth::state
