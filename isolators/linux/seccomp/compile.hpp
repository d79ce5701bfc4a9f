// Seccomp profile compilation: spec::Seccomp -> classic BPF, done in the
// parent with libseccomp. The container init never links libseccomp; it only
// hands SeccompProgram::filter to seccomp(2). Also the name tables (actions,
// operators, architectures, flags) that `features` reports.
#pragma once

#include <linux/filter.h>

#include <cstdint>
#include <string>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth::seccomp {

// What the init needs to install the filter. Loading, in the init:
//   if (!no_new_privileges) the init must still hold CAP_SYS_ADMIN;
//   flags |= SECCOMP_FILTER_FLAG_NEW_LISTENER when needs_listener, then
//   seccomp(SECCOMP_SET_MODE_FILTER, flags, &sock_fprog{filter})
// and, with a listener, send the returned fd to listener_path.
struct SeccompProgram {
  std::vector<struct sock_filter> filter;
  // SECCOMP_FILTER_FLAG_* from the profile's "flags", ready for seccomp(2).
  // NEW_LISTENER is left to the loader; TSYNC_ESRCH is added when TSYNC meets
  // a listener because the kernel refuses TSYNC|NEW_LISTENER without it.
  unsigned int flags = 0;
  // Some rule uses SCMP_ACT_NOTIFY.
  bool needs_listener = false;
};

// Compiles a profile for the native architecture plus every listed one.
// Follows runc where the spec is silent: SCMP_ACT_ERRNO/TRACE without errnoRet
// return EPERM; syscall names libseccomp cannot resolve are skipped; rules
// whose action equals the default are dropped; when two args of one rule share
// an index, every arg of that rule becomes its own rule (OR), otherwise the
// args are ANDed. Errors carry the JSON path of the field at fault.
// Deterministic: the same profile and libseccomp build give the same program.
[[nodiscard]] Result<SeccompProgram> compile_seccomp(const spec::Seccomp& profile);

// A stable 64-bit hash of everything compile_seccomp's output depends on (the
// profile fields that shape the program and the libseccomp version), meant
// as the key of a future compiled-program cache. listenerPath and
// listenerMetadata are left out: they do not change the program.
uint64_t seccomp_profile_hash(const spec::Seccomp& profile);

// The names this implementation accepts, for `features`; sorted.
const std::vector<std::string>& known_actions();
const std::vector<std::string>& known_operators();
const std::vector<std::string>& known_architectures();
const std::vector<std::string>& known_flags();

}  // namespace berth::seccomp
