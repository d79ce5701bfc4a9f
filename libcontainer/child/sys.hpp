// child::sys: the only libc the code between clone and exec may call (STYLE.md §5).
// Every entry is async-signal-safe in practice: no malloc, no lock, no stdio FILE, no
// locale, no pthread cancellation, errno set only on failure. tests/lint/child_symbols.sh
// checks the child objects' undefined symbols against libcontainer/child/allowlist.txt.
//
// Why it is safe after clone in a multi-threaded parent: the child is a copy of one thread,
// so a lock another thread held (malloc's arenas, stdio, the locale and gettext locks, the
// atfork list) stays held forever in it, and glibc's list of threads still names threads
// that do not exist here. So each entry is one of:
//   - `using ::f`: glibc's own f, where it adds nothing to the syscall (or is a pure string
//     function) and is declared nothrow (__THROW). A wrapper would add nothing.
//   - a wrapper over ::syscall for
//       * cancellation points (close, read, write, open*, pread, wait, poll, sendmsg,
//         recvmsg, fcntl): glibc does not declare them nothrow because pthread_cancel
//         unwinds through them, so every noexcept caller would carry an EH table and a
//         reference to the C++ runtime's __gxx_personality_v0; the raw syscall has neither;
//       * setres[ug]id and setgroups: glibc's wrappers signal every thread it believes
//         exists (the setxid broadcast), and after a raw clone3 those are the parent's;
//       * calls glibc 2.36 has no wrapper for (openat2, pivot_root, execveat, clone3,
//         capget/capset, keyctl, seccomp, pidfd_open, sched_setattr, ioprio_set,
//         set_mempolicy) and personality (not declared nothrow).
//   - our own code: concat() replaces snprintf (glibc's printf may malloc for wide
//     arguments or long widths, and reads the locale), error_text() replaces strerror
//     (which translates through gettext: a lock and malloc).
// Every wrapper is noexcept: the lint fails on __gxx_personality_v0, so an entry that
// called a libc function not declared nothrow would show up there.
#pragma once

#include <fcntl.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <linux/sched.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>

namespace berth::child::sys {

// ---- glibc entries that are a plain syscall (declared nothrow, no lock, no malloc) ----
using ::access;  // faccessat(AT_FDCWD, ..., 0)
using ::chdir;
using ::chroot;
using ::dup2;
using ::execv;  // execve with environ; environ is only read
using ::execve;
using ::faccessat;  // faccessat2; on ENOSYS an fstatat emulation, still allocation-free
using ::fchdir;
using ::fchmodat;  // called with flags 0 only: the plain syscall
using ::fchownat;
using ::fsconfig;
using ::fsmount;
using ::fsopen;  // the new mount API (glibc 2.36 wrappers, plain syscalls)
using ::fstat;
using ::fstatat;
using ::fstatfs;
using ::getrlimit;  // prlimit64
using ::kill;
using ::mkdirat;  // tmpcopyup's directories
using ::mknodat;
using ::mmap;
using ::mount;
using ::mount_setattr;
using ::move_mount;
using ::open_tree;
using ::pipe2;
using ::readlinkat;
using ::setdomainname;
using ::sethostname;
using ::setns;
using ::setrlimit;  // prlimit64
using ::setsid;
using ::sigemptyset;  // fills a local sigset_t
using ::sigprocmask;  // rt_sigprocmask; glibc only keeps its two internal signals usable
using ::socket;       // the loopback's SIOCSIFFLAGS
using ::socketpair;
using ::statx;  // the mount id of a path (STATX_MNT_ID)
using ::symlinkat;
using ::umask;
using ::umount2;
using ::unlinkat;
using ::unshare;

// ---- pure string functions (no state, no locale) ----
using ::memcpy;
using ::memmem;
using ::memset;
using ::strchr;
using ::strcmp;
using ::strlen;
using ::strrchr;

// ---- raw syscalls: cancellation points, setxid calls, calls glibc does not wrap ----
inline int open(const char* path, int flags, mode_t mode = 0) noexcept {
  return int(::syscall(SYS_openat, AT_FDCWD, path, flags, mode));
}
inline int openat(int dirfd, const char* path, int flags, mode_t mode = 0) noexcept {
  return int(::syscall(SYS_openat, dirfd, path, flags, mode));
}
inline int openat2(int dirfd, const char* path, const open_how* how) noexcept {
  return int(::syscall(SYS_openat2, dirfd, path, how, sizeof *how));
}
inline int close(int fd) noexcept { return int(::syscall(SYS_close, fd)); }
// Marks every fd in [first, last] close-on-exec.
inline int close_range_cloexec(unsigned first, unsigned last) noexcept {
  return int(::syscall(SYS_close_range, first, last, 4U /* CLOSE_RANGE_CLOEXEC */));
}
inline ssize_t read(int fd, void* buf, size_t n) noexcept { return ::syscall(SYS_read, fd, buf, n); }
inline long getdents64(int fd, void* buf, size_t n) noexcept { return ::syscall(SYS_getdents64, fd, buf, n); }
// From the current offset of in to that of out, any two files (tmpcopyup).
inline ssize_t sendfile(int out, int in, size_t n) noexcept { return ::syscall(SYS_sendfile, out, in, nullptr, n); }
inline int utimensat(int dirfd, const char* path, const timespec times[2], int flags) noexcept {
  return int(::syscall(SYS_utimensat, dirfd, path, times, flags));
}
inline int fchmod(int fd, mode_t mode) noexcept { return int(::syscall(SYS_fchmod, fd, mode)); }
// The kernel's struct sigaction (rt_sigaction), for SIG_IGN and SIG_DFL only:
// no handler runs in the init, so no restorer is needed.
struct KernelSigaction {
  void (*handler)(int);
  unsigned long flags;
  void (*restorer)();
  uint64_t mask;
};
inline int set_signal_disposition(int sig, void (*disposition)(int), KernelSigaction* old) noexcept {
  KernelSigaction a{disposition, 0, nullptr, 0};
  return int(::syscall(SYS_rt_sigaction, sig, &a, old, sizeof a.mask));
}
inline ssize_t write(int fd, const void* buf, size_t n) noexcept { return ::syscall(SYS_write, fd, buf, n); }
inline ssize_t pread(int fd, void* buf, size_t n, off_t off) noexcept {
  return ::syscall(SYS_pread64, fd, buf, n, off);
}
inline int fcntl(int fd, int cmd, long arg = 0) noexcept { return int(::syscall(SYS_fcntl, fd, cmd, arg)); }
inline ssize_t send(int fd, const void* buf, size_t n, int flags) noexcept {
  return ::syscall(SYS_sendto, fd, buf, n, flags, nullptr, 0);
}
inline ssize_t sendmsg(int fd, const msghdr* m, int flags) noexcept { return ::syscall(SYS_sendmsg, fd, m, flags); }
inline ssize_t recvmsg(int fd, msghdr* m, int flags) noexcept { return ::syscall(SYS_recvmsg, fd, m, flags); }
// poll with a timeout in milliseconds (-1: none), through ppoll (every architecture has it).
inline int poll(pollfd* fds, nfds_t n, int timeout_ms) noexcept {
  timespec ts{timeout_ms / 1000, long(timeout_ms % 1000) * 1000000L};
  return int(::syscall(SYS_ppoll, fds, n, timeout_ms < 0 ? nullptr : &ts, nullptr, 0));
}
inline pid_t waitpid(pid_t pid, int* status, int options) noexcept {
  return pid_t(::syscall(SYS_wait4, pid, status, options, nullptr));
}
// glibc's getcwd falls back to an opendir walk (malloc) on ENAMETOOLONG. The raw call
// returns a length, or "(unreachable)..." for a cwd outside the root: that is reported
// here as ENOENT, as glibc does.
inline int getcwd(char* buf, size_t n) noexcept {
  long r = ::syscall(SYS_getcwd, buf, n);
  if (r > 0 && buf[0] != '/') return errno = ENOENT, -1;
  return r < 0 ? -1 : 0;
}
inline int setresuid(uid_t r, uid_t e, uid_t s) noexcept { return int(::syscall(SYS_setresuid, r, e, s)); }
inline int setresgid(gid_t r, gid_t e, gid_t s) noexcept { return int(::syscall(SYS_setresgid, r, e, s)); }
inline int setgroups(size_t n, const gid_t* groups) noexcept { return int(::syscall(SYS_setgroups, n, groups)); }
inline int prctl(int op, unsigned long a2 = 0, unsigned long a3 = 0, unsigned long a4 = 0,
                 unsigned long a5 = 0) noexcept {
  return int(::syscall(SYS_prctl, op, a2, a3, a4, a5));
}
// arg: a pointer or a number (widened to the kernel's unsigned long, not passed as a
// bare int through syscall's varargs).
template <class Arg>
inline int ioctl(int fd, unsigned long req, Arg arg) noexcept {
  if constexpr (std::is_integral_v<Arg>)
    return int(::syscall(SYS_ioctl, fd, req, static_cast<unsigned long>(arg)));
  else
    return int(::syscall(SYS_ioctl, fd, req, arg));
}
inline int pivot_root(const char* new_root, const char* put_old) noexcept {
  return int(::syscall(SYS_pivot_root, new_root, put_old));
}
inline int execveat(int fd, const char* path, char* const* argv, char* const* envp, int flags) noexcept {
  return int(::syscall(SYS_execveat, fd, path, argv, envp, flags));
}
// Returns twice, as fork: 0 in the child.
inline long clone3(clone_args* a) noexcept { return ::syscall(SYS_clone3, a, sizeof *a); }
inline int pidfd_open(pid_t pid) noexcept { return int(::syscall(SYS_pidfd_open, pid, 0)); }
inline int capget(__user_cap_header_struct* h, __user_cap_data_struct* d) noexcept {
  return int(::syscall(SYS_capget, h, d));
}
inline int capset(__user_cap_header_struct* h, const __user_cap_data_struct* d) noexcept {
  return int(::syscall(SYS_capset, h, d));
}
inline long keyctl(int op, unsigned long a2, unsigned long a3 = 0) noexcept {
  return ::syscall(SYS_keyctl, op, a2, a3, 0, 0);
}
// seccomp(SECCOMP_SET_MODE_FILTER, ...): returns the notify fd with NEW_LISTENER.
inline long seccomp(unsigned op, unsigned flags, void* args) noexcept {
  return ::syscall(SYS_seccomp, op, flags, args);
}
// sched_setattr(2)'s argument (linux/sched/types.h, which clashes with glibc's
// sched_param); SCHED_ATTR_SIZE_VER1, util clamps included.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime, sched_deadline, sched_period;
  uint32_t sched_util_min, sched_util_max;
};
static_assert(sizeof(SchedAttr) == 56);
inline int sched_setattr(const SchedAttr* a) noexcept { return int(::syscall(SYS_sched_setattr, 0, a, 0)); }
// ioprio_set(IOPRIO_WHO_PROCESS = 1, self, value)
inline int ioprio_set_self(int value) noexcept { return int(::syscall(SYS_ioprio_set, 1, 0, value)); }
// The raw call: glibc's personality() is not declared nothrow.
inline int personality(unsigned long persona) noexcept { return int(::syscall(SYS_personality, persona)); }
// maxnode counts one past the last bit, as the kernel's get_nodes() reads it.
inline long set_mempolicy(int mode, const uint64_t* nodes, unsigned long maxnode) noexcept {
  return ::syscall(SYS_set_mempolicy, mode, nodes, maxnode);
}
// fork without glibc's atfork handlers and malloc locks (_Fork, glibc 2.34: AS-safe).
inline pid_t fork() noexcept { return ::_Fork(); }
// glibc's _exit is not declared nothrow; exit_group is all it does.
[[noreturn]] inline void _exit(int code) noexcept {
  for (;;) ::syscall(SYS_exit_group, code);
}

// ---- our own ----
// strerror's text without gettext (strerrordesc_np reads a static table).
inline const char* error_text(int e) noexcept {
  const char* s = ::strerrordesc_np(e);
  return s ? s : "Unknown error";
}

// A piece of text that is not NUL-terminated (printf's "%.*s").
struct Chars {
  const char* p;
  size_t n;
};

namespace detail {
struct Out {
  char* buf;
  size_t cap;
  size_t len;
  void chars(const char* s, size_t n) noexcept {
    for (size_t i = 0; i < n && len + 1 < cap; i++) buf[len++] = s[i];
  }
  void str(const char* s) noexcept {
    if (s) chars(s, strlen(s));
  }
  template <class T>
  void num(T v) noexcept {
    char t[24];
    size_t i = sizeof t;
    using U = std::make_unsigned_t<T>;
    bool neg = false;
    U u = U(v);
    if constexpr (std::is_signed_v<T>) {
      neg = v < 0;
      if (neg) u = U(0) - u;
    }
    do t[--i] = char('0' + u % 10);
    while ((u /= 10) != 0);
    if (neg) t[--i] = '-';
    chars(t + i, sizeof t - i);
  }
  template <class T>
  void put(const T& v) noexcept {
    if constexpr (std::is_same_v<T, Chars>)
      chars(v.p, v.n);
    else if constexpr (std::is_same_v<T, char>)
      chars(&v, 1);
    else if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
      num(v);
    else
      str(v);  // const char*, char*, char[N]
  }
};
}  // namespace detail

// snprintf for strings (const char*, Chars), chars and integers (decimal), the only
// conversions the child needs: writes the parts one after another into buf, truncating,
// always NUL-terminated when cap > 0. A null string writes nothing. Returns the length.
template <class... Parts>
inline size_t concat(char* buf, size_t cap, const Parts&... parts) noexcept {
  detail::Out o{buf, cap, 0};
  (o.put(parts), ...);
  if (cap) buf[o.len] = 0;
  return o.len;
}

}  // namespace berth::child::sys
