// Which linux.sysctl keys a container may set: runc 1.1.5's rule (its
// configs/validate sysctl check), checked before any side effect. A key is
// allowed only where the container has a namespace of its own for it, so a
// write never reaches the runtime's (the host's) value.
#pragma once

#include <string>
#include <string_view>

#include "libcontainer/error/error.hpp"

namespace berth::isolators::sysctl {

// For each namespace a sysctl can belong to: true when the container's is not
// the runtime's own (a new one, or a joined path naming another namespace).
struct OwnNamespaces {
  bool ipc = false, net = false, uts = false;
};

// The init maps a key to its /proc/sys path in a fixed buffer.
inline constexpr size_t kMaxKeyLen = 200;

// sysctl.d(5): a key whose first separator is '/' uses '/' between components
// and '.' inside them ("net/ipv4/conf/eth0.1/rp_filter"); returns the dotted
// form ("net.ipv4.conf.eth0/1.rp_filter"), which is what the rules and the
// init's /proc/sys path mapping take. A dotted key is returned as is.
std::string dotted(std::string_view key);

// The rule for one key (as written in config.json); the error's json_path is
// /linux/sysctl/<key> (RFC 6901 escaped).
//   kernel.msg*, kernel.sem, kernel.shm*, fs.mqueue.*  need an ipc namespace
//   net.*                                              need a network namespace
//   kernel.domainname                                  needs a uts namespace
//   kernel.hostname   refused: it conflicts with the OCI "hostname" field
//   anything else     refused: not namespaced
// and a key whose path would have an empty, "." or ".." part is refused.
Status check(std::string_view key, const OwnNamespaces& own);

}  // namespace berth::isolators::sysctl
