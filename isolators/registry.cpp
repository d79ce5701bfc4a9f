// The order table of isolators.
#include "isolators/registry.hpp"

namespace berth::isolators {

IsolatorList make_all(sys::Kernel& kernel, LayoutSource cgroups, Warn warn) {
  IsolatorList l;
  // First: its cleanup runs last, once everything else has let go.
  l.push_back(make_cgroups(kernel, std::move(cgroups), std::move(warn)));
  l.push_back(make_namespaces(kernel));
  l.push_back(make_filesystem_linux(kernel));
  l.push_back(make_rlimits());
  l.push_back(make_capabilities());
  l.push_back(make_seccomp(kernel));
  return l;
}

}  // namespace berth::isolators
