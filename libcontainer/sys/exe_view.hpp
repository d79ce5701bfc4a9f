// The read-only view of the berth binary that create and run execute from
// (sealed_exe.hpp says why). Freestanding code: it also runs from the ELF
// entry point, before libc is initialised (runtime/early_start.cpp), so it
// makes raw system calls, touches no errno and no pointer that a static PIE
// relocates (Makefile: FREESTANDING; tests/lint/early_symbols.sh).
#pragma once

namespace berth::sys {

// Whether /proc/self/exe is on a read-only mount (the view below, or an
// installation on a read-only file system).
bool exe_on_readonly_mount();

// Into out (cap bytes): the directory of `real` (a path) with the last
// component of `given` (argv[0], the name berth was called by). false when
// either has none or it does not fit.
bool called_in_dir(char* out, long cap, const char* real, const char* given);

// Re-executes argv through a read-only detached bind mount of the binary
// (open_tree + mount_setattr: no copy, nothing in any mount table; the
// view's fd stays open across the exec for forbid_exec_of_view), with
// argv[0] the binary's real directory and the name it was called by. Returns only on failure, with -errno
// (-ENOSYS, -EPERM or -EINVAL where the new mount API is refused); argv is
// then as it was.
long exec_from_readonly_view(char** argv, char** envp);

}  // namespace berth::sys
