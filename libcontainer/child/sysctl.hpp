// linux.sysctl: the init writes each key through its private procfs, after
// the pivot and in the container's own (new or joined) namespaces.
#pragma once

#include <cstddef>

#include "libcontainer/child/plan.hpp"

namespace berth::child {

// The path below procfs of a key in either sysctl.d(5) form, into out (cap
// bytes, truncated, NUL-terminated): "net.ipv4.conf.eth0/1.rp_filter" (dots
// between components, '/' for a dot inside one) or "net/ipv4/conf/eth0.1/
// rp_filter" (the first separator is '/': as is) -> "sys/net/ipv4/...".
void sysctl_path(const char* key, char* out, size_t cap);

// Writes every plan.sysctls value under procfd (write_proc_file); a failure
// is sent as a ChildError naming the key (json path /linux/sysctl/KEY).
void write_sysctls(const ChildPlan& p, int procfd);

}  // namespace berth::child
