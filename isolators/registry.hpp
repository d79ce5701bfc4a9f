// The isolators' registry: the one order table used by the CLI and the shim.
// prepare/isolate run in this order, cleanup in reverse.
#pragma once

#include "libcontainer/isolator/isolator.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::isolators {

// kernel: every isolator that changes host state does it through this.
IsolatorList make_all(sys::Kernel& kernel);

std::unique_ptr<Isolator> make_namespaces();
std::unique_ptr<Isolator> make_filesystem_linux(sys::Kernel& kernel);
std::unique_ptr<Isolator> make_capabilities();
std::unique_ptr<Isolator> make_rlimits();
std::unique_ptr<Isolator> make_seccomp(sys::Kernel& kernel);

}  // namespace berth::isolators
