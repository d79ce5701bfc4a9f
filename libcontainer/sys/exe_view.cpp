// See exe_view.hpp. No library call and no errno: system calls are made with
// the syscall instruction.
#include "libcontainer/sys/exe_view.hpp"

#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>

namespace berth::sys {
namespace {

long raw_syscall(long nr, long a = 0, long b = 0, long c = 0, long d = 0, long e = 0) {
  long ret;
  register long r10 asm("r10") = d;
  register long r8 asm("r8") = e;
  asm volatile("syscall" : "=a"(ret) : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8) : "rcx", "r11", "memory");
  return ret;
}

constexpr char kSelfExe[] = "/proc/self/exe";

}  // namespace

bool called_in_dir(char* out, long cap, const char* real, const char* given) {
  long dir_end = -1, n = 0;
  for (; real[n]; n++)
    if (real[n] == '/') dir_end = n;
  const char* name = given;
  for (const char* p = given; p && *p; p++)
    if (*p == '/') name = p + 1;
  if (dir_end < 0 || !name || !*name) return false;
  long len = 0;
  for (long i = 0; i <= dir_end; i++) {
    if (len + 1 >= cap) return false;
    out[len++] = real[i];
  }
  for (const char* p = name; *p; p++) {
    if (len + 1 >= cap) return false;
    out[len++] = *p;
  }
  out[len] = 0;
  return true;
}

bool exe_on_readonly_mount() {
  struct statfs fs;
  return raw_syscall(SYS_statfs, long(kSelfExe), long(&fs)) == 0 && (fs.f_flags & ST_RDONLY);
}

long exec_from_readonly_view(char** argv, char** envp) {
  // The new image finds berth-shim beside the real binary through argv[0]:
  // its own /proc/self/exe names the view ("/"). The name stays the one
  // berth was called by (berth-runc is a link to it).
  char real[4096], called[4096];
  long n = raw_syscall(SYS_readlink, long(kSelfExe), long(real), sizeof real - 1);
  if (n < 0) return n;
  if (n == 0 || real[0] != '/') return -ENOENT;
  real[n] = 0;
  long fd = raw_syscall(SYS_open_tree, AT_FDCWD, long(kSelfExe), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
  if (fd < 0) return fd;
  mount_attr attr;
  attr.attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV;
  attr.attr_clr = 0;
  attr.propagation = 0;
  attr.userns_fd = 0;
  long r = raw_syscall(SYS_mount_setattr, fd, long(""), AT_EMPTY_PATH, long(&attr), sizeof attr);
  // Open across the exec: it keeps the view's anonymous mount namespace
  // alive until the new image has made the view noexec.
  if (r == 0) r = raw_syscall(SYS_fcntl, fd, F_SETFD, 0);
  if (r == 0) {
    char* given = argv[0];
    argv[0] = called_in_dir(called, sizeof called, real, given) ? called : real;
    r = raw_syscall(SYS_execveat, fd, long(""), long(argv), long(envp), AT_EMPTY_PATH);
    argv[0] = given;
  }
  raw_syscall(SYS_close, fd);
  return r;
}

}  // namespace berth::sys
