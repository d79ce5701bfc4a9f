// The runtime binary, out of the container's reach (runc CVE-2019-5736 and its
// kin). A process that enters a container (create's clone, later exec's) must
// not have the host's berth binary, writable, as its /proc/PID/exe: any "#!"
// chain ending in /proc/self/exe, or a racer holding /proc/PID/exe, would get a
// handle on it. berth runs such commands from a read-only view of itself instead,
// so no walk of interpreter chains is needed and every path to the exe is covered.
#pragma once

#include <string>

#include "libcontainer/error/error.hpp"

namespace berth::sys {

// How this process's exe is protected: a read-only mount (a detached read-only
// bind of the binary, or an installation on a read-only file system), a memfd
// sealed against writes, or not at all.
enum class ExeGuard { ReadOnlyMount, SealedMemfd, None };
ExeGuard self_exe_guard();

// Makes sure /proc/self/exe cannot be opened for writing by anyone who reaches
// it. When it is already so (self_exe_guard() != None) returns at once; else
// re-executes the same argv through a read-only detached bind mount of the
// binary (open_tree + mount_setattr: no copy, nothing in any mount table), or,
// where the new mount API is refused, through a sealed memfd copy, and does not
// return. argv[0] of the new image is the binary's real path, which
// self_exe_path() gives back afterwards. Call before any other work: the new
// image starts from main again.
Result<void> reexec_from_sealed_exe(char** argv, char** envp);

// In the image reexec_from_sealed_exe started: makes the view noexec as well
// (nothing in a container can execute it again: a "#!" chain ending in
// /proc/self/exe fails with EACCES) and closes the view's fd it inherited.
// Best effort: the view is read-only whatever happens here.
void forbid_exec_of_view();

// The path of the berth binary on the host (for berth-shim beside it), also
// when running from the view above: argv0 is main's argv[0].
std::string self_exe_path(const char* argv0);

}  // namespace berth::sys
