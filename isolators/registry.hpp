// The isolators' registry: the one order table used by the CLI and the shim.
// prepare/isolate run in this order, cleanup in reverse.
#pragma once

#include <functional>

#include "libcontainer/cgroup/layout.hpp"
#include "libcontainer/isolator/isolator.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::isolators {

// Where an isolator's warnings go (the CLI's log): what it accepts but
// cannot do as asked, said once, naming the field. Empty: dropped.
using Warn = std::function<void(const std::string&)>;

// kernel: every isolator that changes host state does it through this;
// cgroups: where the host's cgroup layout comes from (cgroup::host_layout).
IsolatorList make_all(sys::Kernel& kernel, std::function<Result<cgroup::Layout>()> cgroups, Warn warn = {});

// Where the cgroups isolator learns the host's layout: cgroup::host_layout
// on a host, a FakeCgroupTree's in tests.
using LayoutSource = std::function<Result<cgroup::Layout>()>;
std::unique_ptr<Isolator> make_cgroups(sys::Kernel& kernel, LayoutSource source, Warn warn = {});
std::unique_ptr<Isolator> make_namespaces(sys::Kernel& kernel);
std::unique_ptr<Isolator> make_filesystem_linux(sys::Kernel& kernel);
std::unique_ptr<Isolator> make_capabilities();
std::unique_ptr<Isolator> make_rlimits();
std::unique_ptr<Isolator> make_seccomp(sys::Kernel& kernel);

}  // namespace berth::isolators
