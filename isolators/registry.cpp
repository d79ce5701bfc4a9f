// The order table of isolators.
#include "isolators/registry.hpp"

namespace berth::isolators {

IsolatorList make_all() {
  IsolatorList l;
  l.push_back(make_namespaces());
  l.push_back(make_filesystem_linux());
  l.push_back(make_rlimits());
  l.push_back(make_capabilities());
  l.push_back(make_seccomp());
  return l;
}

}  // namespace berth::isolators
