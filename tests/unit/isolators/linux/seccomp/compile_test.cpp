// Tests for seccomp::compile_seccomp: name resolution and JSON paths of
// errors, flags, hashing, and (SECCOMP_) the behaviour of the produced program
// once loaded with seccomp(2) in a forked child.
#include <doctest/doctest.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>

#include "isolators/linux/seccomp/compile.hpp"

using namespace berth;
using berth::seccomp::compile_seccomp;

namespace {

spec::SeccompSyscall rule(std::vector<std::string> names, std::string action,
                          std::optional<uint32_t> errno_ret = std::nullopt, std::vector<spec::SeccompArg> args = {}) {
  spec::SeccompSyscall s;
  s.names = std::move(names);
  s.action = std::move(action);
  s.errno_ret = errno_ret;
  s.args = std::move(args);
  return s;
}

spec::SeccompArg arg(uint32_t index, std::string op, uint64_t value, uint64_t value_two = 0) {
  return spec::SeccompArg{index, value, value_two, std::move(op)};
}

spec::Seccomp profile(std::string default_action, std::vector<spec::SeccompSyscall> rules = {}) {
  spec::Seccomp p;
  p.default_action = std::move(default_action);
  p.syscalls = std::move(rules);
  return p;
}

bool has_ret(const seccomp::SeccompProgram& prog, uint32_t k) {
  return std::any_of(prog.filter.begin(), prog.filter.end(),
                     [&](const sock_filter& f) { return f.code == (BPF_RET | BPF_K) && f.k == k; });
}

// A profile shaped like the Docker/runc default: default EPERM, three x86
// archs, a long allow list (with names this libseccomp may not know), and
// arg-filtered rules including MASKED_EQ and OR'ed same-index args.
spec::Seccomp default_like_profile() {
  spec::Seccomp p = profile("SCMP_ACT_ERRNO");
  p.default_errno_ret = EPERM;
  p.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"};
  p.syscalls.push_back(rule({"accept",
                             "accept4",
                             "access",
                             "alarm",
                             "bind",
                             "brk",
                             "capget",
                             "capset",
                             "chdir",
                             "chmod",
                             "chown",
                             "clock_getres",
                             "clock_gettime",
                             "clock_nanosleep",
                             "close",
                             "close_range",
                             "connect",
                             "copy_file_range",
                             "dup",
                             "dup2",
                             "dup3",
                             "epoll_create1",
                             "epoll_ctl",
                             "epoll_pwait",
                             "epoll_wait",
                             "eventfd2",
                             "execve",
                             "execveat",
                             "exit",
                             "exit_group",
                             "faccessat",
                             "faccessat2",
                             "fadvise64",
                             "fallocate",
                             "fchdir",
                             "fchmod",
                             "fchmodat",
                             "fchown",
                             "fchownat",
                             "fcntl",
                             "fdatasync",
                             "flock",
                             "fork",
                             "fstat",
                             "fstatfs",
                             "fsync",
                             "ftruncate",
                             "futex",
                             "getcwd",
                             "getdents64",
                             "getegid",
                             "geteuid",
                             "getgid",
                             "getgroups",
                             "getpgid",
                             "getpgrp",
                             "getpid",
                             "getppid",
                             "getpriority",
                             "getrandom",
                             "getrlimit",
                             "getrusage",
                             "getsid",
                             "getsockname",
                             "getsockopt",
                             "gettid",
                             "gettimeofday",
                             "getuid",
                             "ioctl",
                             "kill",
                             "lseek",
                             "lstat",
                             "madvise",
                             "memfd_create",
                             "mkdir",
                             "mkdirat",
                             "mmap",
                             "mprotect",
                             "munmap",
                             "nanosleep",
                             "newfstatat",
                             "open",
                             "openat",
                             "openat2",
                             "pipe",
                             "pipe2",
                             "poll",
                             "ppoll",
                             "prctl",
                             "pread64",
                             "prlimit64",
                             "pwrite64",
                             "read",
                             "readlink",
                             "readlinkat",
                             "readv",
                             "recvfrom",
                             "recvmsg",
                             "rename",
                             "renameat2",
                             "rmdir",
                             "rseq",
                             "rt_sigaction",
                             "rt_sigprocmask",
                             "rt_sigreturn",
                             "sched_getaffinity",
                             "sched_yield",
                             "select",
                             "sendmsg",
                             "sendto",
                             "set_robust_list",
                             "set_tid_address",
                             "setgid",
                             "setgroups",
                             "setsockopt",
                             "setuid",
                             "sigaltstack",
                             "socketpair",
                             "stat",
                             "statfs",
                             "statx",
                             "symlink",
                             "tgkill",
                             "umask",
                             "uname",
                             "unlink",
                             "unlinkat",
                             "wait4",
                             "write",
                             "writev",
                             "futex_waitv",
                             "landlock_create_ruleset",
                             "map_shadow_stack",
                             "fchmodat2",
                             "berth_future_syscall_2031"},
                            "SCMP_ACT_ALLOW"));
  p.syscalls.push_back(
      rule({"personality"}, "SCMP_ACT_ALLOW", std::nullopt,
           {arg(0, "SCMP_CMP_EQ", 0x0), arg(0, "SCMP_CMP_EQ", 0x8), arg(0, "SCMP_CMP_EQ", 0xffffffff)}));
  p.syscalls.push_back(rule({"clone"}, "SCMP_ACT_ALLOW", std::nullopt, {arg(0, "SCMP_CMP_MASKED_EQ", 0x7e020000, 0)}));
  p.syscalls.push_back(rule({"clone3"}, "SCMP_ACT_ERRNO", ENOSYS));
  p.syscalls.push_back(rule({"socket"}, "SCMP_ACT_ALLOW", std::nullopt, {arg(0, "SCMP_CMP_NE", 40)}));
  return p;
}

// Loads `prog` in a forked child (after no_new_privs, so no CAP_SYS_ADMIN is
// needed), runs `body` there and returns its wait status; body's return value
// becomes the exit code.
int run_filtered(const seccomp::SeccompProgram& prog, const std::function<int()>& body, unsigned int extra_flags = 0) {
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit no_core {
      0, 0
    };
    setrlimit(RLIMIT_CORE, &no_core);  // SIGSYS would otherwise dump core
    sock_fprog fprog{static_cast<unsigned short>(prog.filter.size()), const_cast<sock_filter*>(prog.filter.data())};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) _exit(200);
    if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, prog.flags | extra_flags, &fprog) < 0) _exit(201);
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

// errno of a raw syscall that returned -1, 0 on success.
int err_of(long rc) { return rc == -1 ? errno : 0; }

int exit_code(int status) { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }

}  // namespace

TEST_CASE("seccomp compile: default-like profile compiles with flags and no listener") {
  spec::Seccomp p = default_like_profile();
  p.flags = {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"};
  auto r = compile_seccomp(p);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  CHECK(r->filter.size() > 10);
  CHECK(r->filter.size() <= BPF_MAXINSNS);
  CHECK(r->flags == (SECCOMP_FILTER_FLAG_SPEC_ALLOW | SECCOMP_FILTER_FLAG_LOG));
  CHECK_FALSE(r->needs_listener);
  CHECK(has_ret(*r, SECCOMP_RET_ERRNO | EPERM));
  CHECK(has_ret(*r, SECCOMP_RET_ERRNO | ENOSYS));
}

TEST_CASE("seccomp compile: ERRNO without errnoRet returns EPERM") {
  auto r = compile_seccomp(profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO")}));
  REQUIRE(r.ok());
  CHECK(has_ret(*r, SECCOMP_RET_ERRNO | EPERM));
}

TEST_CASE("seccomp compile: TRACE carries errnoRet as its data, EPERM by default") {
  auto r = compile_seccomp(
      profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_TRACE", 7), rule({"mkdir"}, "SCMP_ACT_TRACE")}));
  REQUIRE(r.ok());
  CHECK(has_ret(*r, SECCOMP_RET_TRACE | 7));
  CHECK(has_ret(*r, SECCOMP_RET_TRACE | EPERM));
}

TEST_CASE("seccomp compile: defaultErrnoRet sets the default return") {
  spec::Seccomp p = profile("SCMP_ACT_ERRNO", {rule({"exit_group"}, "SCMP_ACT_ALLOW")});
  p.default_errno_ret = 95;
  auto r = compile_seccomp(p);
  REQUIRE(r.ok());
  CHECK(has_ret(*r, SECCOMP_RET_ERRNO | 95));
}

TEST_CASE("seccomp compile: every action name compiles") {
  for (const std::string& a : seccomp::known_actions()) {
    if (a == "SCMP_ACT_NOTIFY") continue;  // refused as a default, covered below
    CAPTURE(a);
    auto r = compile_seccomp(profile(a == "SCMP_ACT_ALLOW" ? "SCMP_ACT_LOG" : "SCMP_ACT_ALLOW", {rule({"getcwd"}, a)}));
    CHECK_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  }
}

TEST_CASE("seccomp compile: NOTIFY sets needs_listener and emits USER_NOTIF") {
  spec::Seccomp p = profile("SCMP_ACT_ALLOW", {rule({"mkdir", "mkdirat"}, "SCMP_ACT_NOTIFY")});
  p.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
  auto r = compile_seccomp(p);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  CHECK(r->needs_listener);
  CHECK(has_ret(*r, SECCOMP_RET_USER_NOTIF));
  CHECK(r->flags ==
        (SECCOMP_FILTER_FLAG_TSYNC | SECCOMP_FILTER_FLAG_TSYNC_ESRCH | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV));
}

TEST_CASE("seccomp compile: WAIT_KILLABLE_RECV is dropped without a listener") {
  spec::Seccomp p = profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO")});
  p.flags = {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC"};
  auto r = compile_seccomp(p);
  REQUIRE(r.ok());
  CHECK(r->flags == SECCOMP_FILTER_FLAG_TSYNC);
}

TEST_CASE("seccomp compile: unknown syscall names are skipped") {
  auto r = compile_seccomp(profile("SCMP_ACT_ALLOW", {rule({"berth_no_such_call"}, "SCMP_ACT_ERRNO", 38)}));
  REQUIRE(r.ok());
  CHECK_FALSE(has_ret(*r, SECCOMP_RET_ERRNO | 38));
}

TEST_CASE("seccomp compile: a rule repeating the default action is dropped") {
  auto r = compile_seccomp(profile("SCMP_ACT_ERRNO", {rule({"getcwd"}, "SCMP_ACT_ERRNO", EPERM)}));
  CHECK(r.ok());
}

TEST_CASE("seccomp compile: unknown action is an error at its JSON path") {
  spec::Seccomp p = profile("SCMP_ACT_ALLOW");
  for (int i = 0; i < 3; ++i) p.syscalls.push_back(rule({"getcwd"}, "SCMP_ACT_ERRNO"));
  p.syscalls.push_back(rule({"mkdir"}, "SCMP_ACT_EXPLODE"));
  auto r = compile_seccomp(p);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code() == Code::Config);
  CHECK(r.error().json_path() == "/linux/seccomp/syscalls/3/action");
  CHECK(r.error().message().find("SCMP_ACT_EXPLODE") != std::string::npos);
}

TEST_CASE("seccomp compile: bad names report their paths, all of them") {
  spec::Seccomp p = profile("SCMP_ACT_NOPE",
                            {rule({"getcwd"}, "SCMP_ACT_ERRNO", std::nullopt,
                                  {arg(0, "SCMP_CMP_EQ", 1), arg(7, "SCMP_CMP_EQ", 1), arg(1, "SCMP_CMP_LIKE", 1)})});
  p.architectures = {"SCMP_ARCH_X86_64", "SCMP_ARCH_PDP11"};
  p.flags = {"SECCOMP_FILTER_FLAG_FAST"};
  auto r = compile_seccomp(p);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().json_path() == "/linux/seccomp/defaultAction");
  std::string all = r.error().message();
  CHECK(all.find("/linux/seccomp/architectures/1") != std::string::npos);
  CHECK(all.find("/linux/seccomp/flags/0") != std::string::npos);
  CHECK(all.find("/linux/seccomp/syscalls/0/args/1/index") != std::string::npos);
  CHECK(all.find("/linux/seccomp/syscalls/0/args/2/op") != std::string::npos);
}

TEST_CASE("seccomp compile: NOTIFY as default or on write is refused") {
  auto d = compile_seccomp(profile("SCMP_ACT_NOTIFY"));
  REQUIRE_FALSE(d.ok());
  CHECK(d.error().json_path() == "/linux/seccomp/defaultAction");
  auto w = compile_seccomp(profile("SCMP_ACT_ALLOW", {rule({"read", "write"}, "SCMP_ACT_NOTIFY")}));
  REQUIRE_FALSE(w.ok());
  CHECK(w.error().json_path() == "/linux/seccomp/syscalls/0/names/1");
}

TEST_CASE("seccomp compile: errnoRet above 16 bits is refused") {
  auto r = compile_seccomp(profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO", 70000)}));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().json_path() == "/linux/seccomp/syscalls/0/errnoRet");
}

TEST_CASE("seccomp hash: stable, sensitive to the program, blind to the listener") {
  spec::Seccomp a = default_like_profile();
  spec::Seccomp b = default_like_profile();
  CHECK(seccomp::seccomp_profile_hash(a) == seccomp::seccomp_profile_hash(b));
  b.listener_path = "/run/agent.sock";
  b.listener_metadata = "x";
  CHECK(seccomp::seccomp_profile_hash(a) == seccomp::seccomp_profile_hash(b));
  b.syscalls.back().args[0].value = 41;
  CHECK(seccomp::seccomp_profile_hash(a) != seccomp::seccomp_profile_hash(b));
  spec::Seccomp c = default_like_profile();
  c.default_errno_ret.reset();
  CHECK(seccomp::seccomp_profile_hash(a) != seccomp::seccomp_profile_hash(c));
}

TEST_CASE("seccomp names: lists are sorted and cover the spec") {
  const auto& acts = seccomp::known_actions();
  CHECK(std::is_sorted(acts.begin(), acts.end()));
  CHECK(acts.size() == 9);
  CHECK(seccomp::known_operators().size() == 7);
  const auto& archs = seccomp::known_architectures();
  CHECK(std::find(archs.begin(), archs.end(), "SCMP_ARCH_X86_64") != archs.end());
  CHECK(std::find(archs.begin(), archs.end(), "SCMP_ARCH_AARCH64") != archs.end());
  const auto& flags = seccomp::known_flags();
  CHECK(std::find(flags.begin(), flags.end(), "SECCOMP_FILTER_FLAG_SPEC_ALLOW") != flags.end());
}

TEST_CASE("SECCOMP_seccomp load: ERRNO rule returns its errnoRet, others pass") {
  auto r = compile_seccomp(profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO", 38)}));
  REQUIRE(r.ok());
  int st = run_filtered(*r, [] {
    char buf[256];
    if (err_of(syscall(SYS_getcwd, buf, sizeof buf)) != 38) return 1;
    if (err_of(syscall(SYS_getppid)) != 0) return 2;
    return 0;
  });
  CHECK(exit_code(st) == 0);
}

TEST_CASE("SECCOMP_seccomp load: arg rules match only their values") {
  auto r = compile_seccomp(profile(
      "SCMP_ACT_ALLOW",
      {rule({"getpgid"}, "SCMP_ACT_ERRNO", 38, {arg(0, "SCMP_CMP_EQ", 999999)}),
       rule({"getsid"}, "SCMP_ACT_ERRNO", 38, {arg(0, "SCMP_CMP_MASKED_EQ", 0xff00, 0x1200)}),
       // same index twice: runc adds them as separate rules, i.e. OR
       rule({"getpriority"}, "SCMP_ACT_ERRNO", 38, {arg(1, "SCMP_CMP_EQ", 111111), arg(1, "SCMP_CMP_EQ", 222222)}),
       // different indexes: AND
       rule({"kill"}, "SCMP_ACT_ERRNO", 38, {arg(0, "SCMP_CMP_EQ", 333333), arg(1, "SCMP_CMP_EQ", 0)})}));
  REQUIRE(r.ok());
  int st = run_filtered(*r, [] {
    if (err_of(syscall(SYS_getpgid, 999999)) != 38) return 1;
    if (err_of(syscall(SYS_getpgid, 0)) != 0) return 2;
    if (err_of(syscall(SYS_getsid, 0x1234)) != 38) return 3;
    if (err_of(syscall(SYS_getsid, 0x3434)) != ESRCH) return 4;
    if (err_of(syscall(SYS_getpriority, PRIO_PROCESS, 111111)) != 38) return 5;
    if (err_of(syscall(SYS_getpriority, PRIO_PROCESS, 222222)) != 38) return 6;
    if (err_of(syscall(SYS_getpriority, PRIO_PROCESS, 333333)) != ESRCH) return 7;
    if (err_of(syscall(SYS_kill, 333333, 0)) != 38) return 8;
    if (err_of(syscall(SYS_kill, 333333, SIGCONT)) != ESRCH) return 9;
    return 0;
  });
  CHECK(exit_code(st) == 0);
}

TEST_CASE("SECCOMP_seccomp load: default ERRNO denies what is not allowed") {
  // Beyond exit, what a sanitizer runtime calls on its way out of the child.
  spec::Seccomp p = profile(
      "SCMP_ACT_ERRNO",
      {rule({"exit_group", "exit", "sigaltstack", "gettid", "write", "mmap", "munmap", "madvise", "rt_sigprocmask"},
            "SCMP_ACT_ALLOW")});
  p.default_errno_ret = 38;
  auto r = compile_seccomp(p);
  REQUIRE(r.ok());
  int st = run_filtered(*r, [] { return err_of(syscall(SYS_getppid)); });
  CHECK(exit_code(st) == 38);
}

TEST_CASE("SECCOMP_seccomp load: default-like profile allows its list and denies the rest") {
  spec::Seccomp p = default_like_profile();
  p.flags = {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_LOG"};
  auto r = compile_seccomp(p);
  REQUIRE(r.ok());
  int st = run_filtered(*r, [] {
    if (err_of(syscall(SYS_getppid)) != 0) return 1;
    if (err_of(syscall(SYS_acct, nullptr)) != EPERM) return 2;
    if (err_of(syscall(SYS_clone3, nullptr, 0)) != ENOSYS) return 3;
    if (err_of(syscall(SYS_personality, 0xffffffff)) != 0) return 4;
    if (err_of(syscall(SYS_personality, 0x0020000)) != EPERM) return 5;
    return 0;
  });
  CHECK(exit_code(st) == 0);
}

TEST_CASE("SECCOMP_seccomp load: KILL_PROCESS kills with SIGSYS") {
  auto r = compile_seccomp(profile("SCMP_ACT_ALLOW", {rule({"getppid"}, "SCMP_ACT_KILL_PROCESS")}));
  REQUIRE(r.ok());
  int st = run_filtered(*r, [] {
    syscall(SYS_getppid);
    return 0;
  });
  REQUIRE(WIFSIGNALED(st));
  CHECK(WTERMSIG(st) == SIGSYS);
}

TEST_CASE("SECCOMP_seccomp load: NOTIFY program and flags are accepted with a listener") {
  spec::Seccomp p = profile("SCMP_ACT_ALLOW", {rule({"mkdirat"}, "SCMP_ACT_NOTIFY")});
  p.flags = {"SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"};
  auto r = compile_seccomp(p);
  REQUIRE(r.ok());
  REQUIRE(r->needs_listener);
  // Exit code 201 would mean seccomp(2) refused the program or the flag mix.
  int st = run_filtered(
      *r, [] { return 0; }, SECCOMP_FILTER_FLAG_NEW_LISTENER);
  CHECK(exit_code(st) == 0);
}

TEST_CASE("SECCOMP_seccomp load: a syscall newer than the profile gets ENOSYS, older ones the default") {
  // exit_group (231) is the newest syscall this profile names.
  spec::Seccomp p = profile(
      "SCMP_ACT_ERRNO",
      {rule({"exit_group", "exit", "sigaltstack", "gettid", "write", "mmap", "munmap", "madvise", "rt_sigprocmask"},
            "SCMP_ACT_ALLOW")});
  p.default_errno_ret = EPERM;
  auto r = compile_seccomp(p);
  REQUIRE(r.ok());
  int st = run_filtered(*r, [] {
    char b[4];
    if (err_of(syscall(SYS_getrandom, b, sizeof b, 0)) != ENOSYS) return 1;  // 318 > 231
    if (err_of(syscall(SYS_getpid)) != EPERM) return 2;                      // 39 < 231: the default
    return 0;
  });
  CHECK(exit_code(st) == 0);
}

TEST_CASE("seccomp compile: no ENOSYS prologue when the default allows") {
  auto allow = compile_seccomp(profile("SCMP_ACT_ALLOW", {rule({"getcwd"}, "SCMP_ACT_ERRNO", EACCES)}));
  REQUIRE(allow.ok());
  CHECK_FALSE(has_ret(*allow, SECCOMP_RET_ERRNO | ENOSYS));
  auto deny = compile_seccomp(profile("SCMP_ACT_ERRNO", {rule({"getcwd"}, "SCMP_ACT_ALLOW")}));
  REQUIRE(deny.ok());
  CHECK(has_ret(*deny, SECCOMP_RET_ERRNO | ENOSYS));
}
