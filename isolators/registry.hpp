// The isolators' registry: the one order table used by the CLI and the shim.
// prepare/isolate run in this order, cleanup in reverse.
#pragma once

#include "libcontainer/isolator/isolator.hpp"

namespace berth::isolators {

IsolatorList make_all();

std::unique_ptr<Isolator> make_namespaces();
std::unique_ptr<Isolator> make_filesystem_linux();
std::unique_ptr<Isolator> make_capabilities();
std::unique_ptr<Isolator> make_rlimits();
std::unique_ptr<Isolator> make_seccomp();

}  // namespace berth::isolators
