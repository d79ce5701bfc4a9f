// Path resolution inside a container rootfs, held as a directory fd. Every lookup goes
// through openat2(RESOLVE_IN_ROOT) so symlinks and ".." (also ones a racer plants) stay in
// the root; missing components are created with mkdirat on an already-resolved parent fd.
// All functions run between clone and exec: no allocation, no throw, no logging.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace berth::rootfs {

// Opens `path` (absolute or relative; both are taken relative to root_fd) with
// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | extra_resolve. O_CLOEXEC is always added.
// Retries a bounded number of times on EAGAIN (a concurrent rename or mount during a
// ".." walk). Returns a new fd the caller owns, or -errno.
int open_in_root(int root_fd, const char* path, int open_flags, unsigned extra_resolve = 0) noexcept;

enum class Create { None, Dir, File };

// Resolves `path` inside the root one component at a time, following symlinks the way the
// kernel would inside a chroot (absolute targets restart at the root, ".." stops at it),
// and creates what is missing: intermediate components as directories (0755) and the last
// one as `what` says (a directory, or an empty regular file, with `mode`). Creation uses
// the fd of the parent, itself reopened through RESOLVE_IN_ROOT, so a racer swapping a
// component for a symlink can at worst move the result elsewhere inside the root.
// A dangling symlink is followed: its target is created inside the root.
// Returns an fd opened with open_flags (O_PATH is the usual choice; O_CREAT is not
// allowed), or -errno: -ENOTDIR if Dir was asked and a non-directory is there, -EISDIR if
// File was asked and a directory is there (File accepts any non-directory, so a device
// node can serve as a bind-mount target), -ELOOP after 40 symlinks, -ENAMETOOLONG when the
// path or a spliced symlink target exceeds PATH_MAX. With Create::None nothing is created
// and the type is not checked.
int open_or_create_in_root(int root_fd, const char* path, Create what, mode_t mode, int open_flags) noexcept;

// For proc and sysfs destinations, which later steps (masked paths, read-only paths, LSM
// and sysctl writes) address by their literal name: the LAST component must be a real
// directory, not a symlink, or those writes would land wherever the symlink points
// (runc CVE-2019-19921, CVE-2023-27561). Intermediate components may be symlinks: they
// are resolved with RESOLVE_IN_ROOT, so they stay inside the root, and a config naming
// "/a/proc" with /a -> /b really asks for /b/proc; refusing them would reject valid
// rootfs layouts without closing any hole.
// Returns an O_PATH fd of the directory, -ELOOP if the last component is a symlink,
// -ENOTDIR if it is not a directory, -ENOENT if missing (create it first with
// open_or_create_in_root(..., Create::Dir, ...) and call this again), or another -errno.
int check_is_dir_nofollow(int root_fd, const char* path) noexcept;

// Writes the path the kernel reports for fd (readlink of /proc/self/fd/N) into buf,
// NUL-terminated. For error messages only: the text may be stale by the time it is read.
// Returns its length, -ENAMETOOLONG if buf was too small (buf then holds a truncated,
// NUL-terminated prefix), or -errno.
int fd_path(int fd, char* buf, size_t len) noexcept;

}  // namespace berth::rootfs
