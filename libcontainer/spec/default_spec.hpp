// The example config.json written by `berth spec`: the same bytes as
// `runc spec` (runc 1.1.5) prints, so tools and docs written for runc apply.
#pragma once

#include <string>

namespace berth::spec {

// Tab-indented JSON without a trailing newline, as runc writes it. rootless:
// a user namespace mapping root to the caller's euid/egid, no network
// namespace, /sys bind-mounted and no device cgroup rules.
std::string default_spec_json(bool rootless);

}  // namespace berth::spec
