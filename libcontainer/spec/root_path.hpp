// root.path against the bundle: resolved once, to the canonical directory
// that create binds, pivots into and records in the state (nothing reads
// config.root.path after this).
#pragma once

#include <string>

#include "libcontainer/error/error.hpp"

namespace berth::spec {

// bundle must be absolute and canonical (realpath). An absolute root_path is
// taken as is, anywhere on the host (podman and containerd pass such paths);
// a relative one is taken from the bundle and must resolve inside it (the
// bundle itself included): "../x", or a symlink in the bundle that leads out
// of it, is refused. Both are canonicalised with realpath(3) and must name a
// directory. Errors are Code::Config (Code::NotFound for a missing path) at
// /root/path.
Result<std::string> resolve_root_path(const std::string& bundle, const std::string& root_path);

}  // namespace berth::spec
