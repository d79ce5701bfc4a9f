// Compiles an OCI seccomp profile into classic BPF with libseccomp, in the
// parent. Two passes: resolve every name to a number (collecting all config
// errors, with their JSON paths), then build and export the libseccomp filter.
#include "isolators/linux/seccomp/compile.hpp"

#include <seccomp.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <linux/seccomp.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <memory>
#include <optional>
#include <string_view>

#include "libcontainer/fd/unique_fd.hpp"

namespace berth::seccomp {
namespace {

struct ActionName {
  std::string_view name;
  uint32_t action;
  bool takes_errno;  // the low 16 bits carry errnoRet (ERRNO) or the tracer's data (TRACE)
};

// SCMP_ACT_KILL is the historical name of KILL_THREAD (runc and libseccomp agree).
constexpr std::array<ActionName, 9> kActions{{
    {"SCMP_ACT_KILL", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_THREAD", SCMP_ACT_KILL_THREAD, false},
    {"SCMP_ACT_KILL_PROCESS", SCMP_ACT_KILL_PROCESS, false},
    {"SCMP_ACT_TRAP", SCMP_ACT_TRAP, false},
    {"SCMP_ACT_ERRNO", SCMP_ACT_ERRNO(0), true},
    {"SCMP_ACT_TRACE", SCMP_ACT_TRACE(0), true},
    {"SCMP_ACT_ALLOW", SCMP_ACT_ALLOW, false},
    {"SCMP_ACT_LOG", SCMP_ACT_LOG, false},
    {"SCMP_ACT_NOTIFY", SCMP_ACT_NOTIFY, false},
}};

struct OpName {
  std::string_view name;
  scmp_compare op;
};

constexpr std::array<OpName, 7> kOps{{
    {"SCMP_CMP_NE", SCMP_CMP_NE},
    {"SCMP_CMP_LT", SCMP_CMP_LT},
    {"SCMP_CMP_LE", SCMP_CMP_LE},
    {"SCMP_CMP_EQ", SCMP_CMP_EQ},
    {"SCMP_CMP_GE", SCMP_CMP_GE},
    {"SCMP_CMP_GT", SCMP_CMP_GT},
    {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
}};

struct ArchName {
  std::string_view name;
  uint32_t arch;
};

// Only what libseccomp 2.5.4 can generate code for; LOONGARCH64, M68K and SH
// arrive with 2.6 and are refused rather than silently ignored.
constexpr std::array<ArchName, 19> kArchs{{
    {"SCMP_ARCH_X86", SCMP_ARCH_X86},
    {"SCMP_ARCH_X86_64", SCMP_ARCH_X86_64},
    {"SCMP_ARCH_X32", SCMP_ARCH_X32},
    {"SCMP_ARCH_ARM", SCMP_ARCH_ARM},
    {"SCMP_ARCH_AARCH64", SCMP_ARCH_AARCH64},
    {"SCMP_ARCH_MIPS", SCMP_ARCH_MIPS},
    {"SCMP_ARCH_MIPS64", SCMP_ARCH_MIPS64},
    {"SCMP_ARCH_MIPS64N32", SCMP_ARCH_MIPS64N32},
    {"SCMP_ARCH_MIPSEL", SCMP_ARCH_MIPSEL},
    {"SCMP_ARCH_MIPSEL64", SCMP_ARCH_MIPSEL64},
    {"SCMP_ARCH_MIPSEL64N32", SCMP_ARCH_MIPSEL64N32},
    {"SCMP_ARCH_PPC", SCMP_ARCH_PPC},
    {"SCMP_ARCH_PPC64", SCMP_ARCH_PPC64},
    {"SCMP_ARCH_PPC64LE", SCMP_ARCH_PPC64LE},
    {"SCMP_ARCH_S390", SCMP_ARCH_S390},
    {"SCMP_ARCH_S390X", SCMP_ARCH_S390X},
    {"SCMP_ARCH_PARISC", SCMP_ARCH_PARISC},
    {"SCMP_ARCH_PARISC64", SCMP_ARCH_PARISC64},
    {"SCMP_ARCH_RISCV64", SCMP_ARCH_RISCV64},
}};

struct FlagName {
  std::string_view name;
  unsigned int bit;
};

// TSYNC is not in the runtime-spec but profiles carry it; runc ignores it.
// We pass it on: harmless in a single-threaded init.
constexpr std::array<FlagName, 4> kFlags{{
    {"SECCOMP_FILTER_FLAG_TSYNC", SECCOMP_FILTER_FLAG_TSYNC},
    {"SECCOMP_FILTER_FLAG_LOG", SECCOMP_FILTER_FLAG_LOG},
    {"SECCOMP_FILTER_FLAG_SPEC_ALLOW", SECCOMP_FILTER_FLAG_SPEC_ALLOW},
    {"SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV},
}};

template <typename Table>
auto find_name(const Table& table, std::string_view name) -> const typename Table::value_type* {
  for (const auto& e : table)
    if (e.name == name) return &e;
  return nullptr;
}

template <typename Table>
std::vector<std::string> sorted_names(const Table& table) {
  std::vector<std::string> out;
  for (const auto& e : table) out.emplace_back(e.name);
  std::sort(out.begin(), out.end());
  return out;
}

const std::string kRoot = "/linux/seccomp";

// The profile with every name turned into a number.
struct ResolvedRule {
  uint32_t action = 0;
  std::vector<scmp_arg_cmp> conds;
  bool or_conds = false;  // runc: a repeated arg index makes every arg its own rule
};

struct Resolved {
  uint32_t default_action = 0;
  std::vector<uint32_t> archs;
  unsigned int flags = 0;
  bool needs_listener = false;
  std::vector<ResolvedRule> rules;  // index-aligned with profile.syscalls
};

// Collects config errors so that one compile reports all of them.
struct Errors {
  std::vector<Error> list;
  void add(std::string path, std::string what) { list.push_back(config_error(std::move(path), std::move(what))); }
  Error combined() && {
    Error first = std::move(list.front());
    for (size_t i = 1; i < list.size(); ++i) first.add_note(list[i].message());
    return first;
  }
};

std::optional<uint32_t> resolve_action(const std::string& name, std::optional<uint32_t> errno_ret,
                                       const std::string& path, const std::string& errno_path, Errors& errs) {
  const ActionName* a = find_name(kActions, name);
  if (!a) {
    errs.add(path, "unknown seccomp action \"" + name + "\"");
    return std::nullopt;
  }
  if (!a->takes_errno) return a->action;  // errnoRet is ignored elsewhere, as runc does
  uint32_t data = errno_ret.value_or(EPERM);
  if (data > 0xffff) {
    errs.add(errno_path, "errnoRet " + std::to_string(data) + " does not fit in 16 bits");
    return std::nullopt;
  }
  return a->action | data;
}

void resolve_args(const spec::SeccompSyscall& call, const std::string& path, ResolvedRule& rule, Errors& errs) {
  std::array<int, 6> per_index{};
  for (size_t j = 0; j < call.args.size(); ++j) {
    const spec::SeccompArg& arg = call.args[j];
    std::string arg_path = path + "/args/" + std::to_string(j);
    const OpName* op = find_name(kOps, arg.op);
    if (!op) errs.add(arg_path + "/op", "unknown seccomp operator \"" + arg.op + "\"");
    if (arg.index >= per_index.size()) {
      errs.add(arg_path + "/index", "syscall argument index " + std::to_string(arg.index) + " is not in 0..5");
      continue;
    }
    if (++per_index[arg.index] > 1) rule.or_conds = true;
    // For MASKED_EQ libseccomp reads datum_a as the mask and datum_b as the value,
    // which is the spec's value/valueTwo order.
    if (op) rule.conds.push_back(scmp_arg_cmp{arg.index, op->op, arg.value, arg.value_two});
  }
}

void resolve_syscalls(const spec::Seccomp& p, Resolved& r, Errors& errs) {
  for (size_t i = 0; i < p.syscalls.size(); ++i) {
    const spec::SeccompSyscall& call = p.syscalls[i];
    std::string path = kRoot + "/syscalls/" + std::to_string(i);
    ResolvedRule& rule = r.rules.emplace_back();
    if (auto a = resolve_action(call.action, call.errno_ret, path + "/action", path + "/errnoRet", errs))
      rule.action = *a;
    if (call.action == "SCMP_ACT_NOTIFY") {
      r.needs_listener = true;
      // The init reports the listener fd to the parent with write(2) after
      // loading the filter; a notifying write would deadlock that handshake.
      for (size_t k = 0; k < call.names.size(); ++k)
        if (call.names[k] == "write")
          errs.add(path + "/names/" + std::to_string(k), "SCMP_ACT_NOTIFY cannot be used for write");
    }
    for (size_t k = 0; k < call.names.size(); ++k)
      if (call.names[k].empty()) errs.add(path + "/names/" + std::to_string(k), "empty syscall name");
    resolve_args(call, path, rule, errs);
  }
}

Result<Resolved> resolve(const spec::Seccomp& p) {
  Resolved r;
  Errors errs;
  if (p.default_action == "SCMP_ACT_NOTIFY") {
    // Every syscall of the init, including the handshake, would wait for an
    // agent that has not received the listener yet.
    errs.add(kRoot + "/defaultAction", "SCMP_ACT_NOTIFY cannot be the default action");
  } else if (auto a = resolve_action(p.default_action, p.default_errno_ret, kRoot + "/defaultAction",
                                     kRoot + "/defaultErrnoRet", errs)) {
    r.default_action = *a;
  }
  for (size_t i = 0; i < p.architectures.size(); ++i) {
    if (const ArchName* a = find_name(kArchs, p.architectures[i]))
      r.archs.push_back(a->arch);
    else
      errs.add(kRoot + "/architectures/" + std::to_string(i),
               "unknown seccomp architecture \"" + p.architectures[i] + "\"");
  }
  for (size_t i = 0; i < p.flags.size(); ++i) {
    if (const FlagName* f = find_name(kFlags, p.flags[i]))
      r.flags |= f->bit;
    else
      errs.add(kRoot + "/flags/" + std::to_string(i), "unknown seccomp flag \"" + p.flags[i] + "\"");
  }
  resolve_syscalls(p, r, errs);
  if (!errs.list.empty()) return std::move(errs).combined();
  return r;
}

// The bits seccomp(2) gets, minus NEW_LISTENER which the loader owns.
unsigned int load_flags(const Resolved& r) {
  unsigned int flags = r.flags;
  if (r.needs_listener && (flags & SECCOMP_FILTER_FLAG_TSYNC)) flags |= SECCOMP_FILTER_FLAG_TSYNC_ESRCH;
  // The kernel refuses WAIT_KILLABLE_RECV without NEW_LISTENER (EINVAL); with
  // no notifying rule the flag has nothing to act on.
  if (!r.needs_listener) flags &= ~static_cast<unsigned int>(SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV);
  return flags;
}

struct CtxRelease {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Ctx = std::unique_ptr<void, CtxRelease>;

Error scmp_error(int rc, std::string what, std::string path) {
  Error e = sys_error(-rc, std::move(what));
  e.with_path(std::move(path));
  return e;
}

Result<Ctx> new_filter(const Resolved& r, size_t name_count) {
  Ctx ctx(seccomp_init(r.default_action));
  if (!ctx) return config_error(kRoot + "/defaultAction", "libseccomp refused the default action");
  // The init sets no_new_privs itself when the config asks; otherwise it loads
  // the filter with CAP_SYS_ADMIN, so the program must not imply it.
  if (int rc = seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0); rc < 0)
    return scmp_error(rc, "clear the no_new_privs attribute", kRoot);
  // A binary tree pays off on long profiles; libseccomp <= 2.5.4 miscompiles
  // it with no rules, hence the threshold (runc uses the same). Failure only
  // means an older libseccomp.
  if (name_count > 32) (void)seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_OPTIMIZE, 2);
  for (size_t i = 0; i < r.archs.size(); ++i) {
    int rc = seccomp_arch_add(ctx.get(), r.archs[i]);
    if (rc < 0 && rc != -EEXIST)  // the native arch is already present
      return scmp_error(rc, "add seccomp architecture", kRoot + "/architectures/" + std::to_string(i));
  }
  return ctx;
}

Status add_rule(void* ctx, const ResolvedRule& rule, int nr, const std::string& name, const std::string& path) {
  auto fail = [&](int rc) { return scmp_error(rc, "add seccomp rule for syscall " + name, path); };
  if (!rule.or_conds) {
    int rc = seccomp_rule_add_array(ctx, rule.action, nr, static_cast<unsigned int>(rule.conds.size()),
                                    rule.conds.empty() ? nullptr : rule.conds.data());
    if (rc < 0) return fail(rc);
    return {};
  }
  for (const scmp_arg_cmp& c : rule.conds)
    if (int rc = seccomp_rule_add_array(ctx, rule.action, nr, 1, &c); rc < 0) return fail(rc);
  return {};
}

Status add_rules(void* ctx, const spec::Seccomp& p, const Resolved& r) {
  for (size_t i = 0; i < p.syscalls.size(); ++i) {
    const ResolvedRule& rule = r.rules[i];
    // libseccomp refuses a rule that repeats the default action; it changes nothing.
    if (rule.action == r.default_action) continue;
    std::string path = kRoot + "/syscalls/" + std::to_string(i);
    for (const std::string& name : p.syscalls[i].names) {
      int nr = seccomp_syscall_resolve_name(name.c_str());
      // Profiles list syscalls newer than this libseccomp; runc skips them too.
      if (nr == __NR_SCMP_ERROR) continue;
      BERTH_CHECK(add_rule(ctx, rule, nr, name, path));
    }
  }
  return {};
}

// libseccomp 2.5 can only export to an fd; a memfd keeps it off the filesystem.
Result<std::vector<struct sock_filter>> export_program(void* ctx) {
  UniqueFd fd(memfd_create("berth-seccomp-bpf", MFD_CLOEXEC));
  if (!fd) return sys_error(errno, "memfd_create for the seccomp program");
  if (int rc = seccomp_export_bpf(ctx, fd.get()); rc < 0) return scmp_error(rc, "export seccomp BPF", kRoot);
  struct stat st {};
  if (fstat(fd.get(), &st) < 0) return sys_error(errno, "fstat the seccomp program memfd");
  size_t size = static_cast<size_t>(st.st_size);
  if (size == 0 || size % sizeof(struct sock_filter) != 0)
    return Error(Code::Internal, "libseccomp exported " + std::to_string(size) + " bytes, not whole instructions");
  std::vector<struct sock_filter> prog(size / sizeof(struct sock_filter));
  char* out = reinterpret_cast<char*>(prog.data());
  size_t done = 0;
  while (done < size) {
    ssize_t n = pread(fd.get(), out + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error(errno, "read back the seccomp program");
    if (n == 0) return Error(Code::Internal, "seccomp program memfd shrank while reading");
    done += static_cast<size_t>(n);
  }
  return prog;
}

size_t name_count(const spec::Seccomp& p) {
  size_t n = 0;
  for (const auto& s : p.syscalls) n += s.names.size();
  return n;
}

// FNV-1a; every variable-length field is length-prefixed so that field
// boundaries cannot alias ("ab","c" vs "a","bc").
struct Hasher {
  uint64_t h = 0xcbf29ce484222325ULL;
  void bytes(const void* data, size_t n) {
    const auto* b = static_cast<const unsigned char*>(data);
    for (size_t i = 0; i < n; ++i) {
      h ^= b[i];
      h *= 0x100000001b3ULL;
    }
  }
  void u64(uint64_t v) {
    unsigned char b[8];
    for (int i = 0; i < 8; ++i) b[i] = static_cast<unsigned char>(v >> (8 * i));
    bytes(b, sizeof b);
  }
  void str(const std::string& s) {
    u64(s.size());
    bytes(s.data(), s.size());
  }
  void opt(const std::optional<uint32_t>& v) {
    u64(v.has_value());
    u64(v.value_or(0));
  }
};

// The highest native syscall number the profile names, or -1.
int max_named_syscall(const spec::Seccomp& p) {
  int max = -1;
  for (const auto& s : p.syscalls)
    for (const auto& name : s.names) max = std::max(max, seccomp_syscall_resolve_name(name.c_str()));
  return max;
}

// A syscall newer than every one the profile names gets ENOSYS, not the
// default errno: a profile written before a syscall existed cannot mean to
// forbid it, and libcs fall back only on ENOSYS (glibc's clone3 -> clone).
// runc patches its filter the same way. The prologue only reads the arch and
// the number and jumps forward, so the program after it is unchanged (cBPF
// jumps are relative). x32 numbers (bit 30) keep libseccomp's handling.
void prepend_enosys_prologue(std::vector<struct sock_filter>& prog, uint32_t max_nr) {
  const uint32_t arch = seccomp_arch_native();
  const struct sock_filter pro[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 4),                   // seccomp_data.arch
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, arch, 0, 4),         // other arch: to the program
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, 0),                   // seccomp_data.nr
      BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 0x40000000, 2, 0),  // x32: to the program
      BPF_JUMP(BPF_JMP | BPF_JGT | BPF_K, max_nr, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | ENOSYS),
  };
  prog.insert(prog.begin(), std::begin(pro), std::end(pro));
}

bool default_denies(uint32_t action) { return action != SCMP_ACT_ALLOW && action != SCMP_ACT_LOG; }

}  // namespace

Result<SeccompProgram> compile_seccomp(const spec::Seccomp& profile) {
  Resolved r = BERTH_TRY(resolve(profile));
  Ctx ctx = BERTH_TRY(new_filter(r, name_count(profile)));
  BERTH_CHECK(add_rules(ctx.get(), profile, r));
  SeccompProgram prog;
  prog.filter = BERTH_TRY(export_program(ctx.get()));
  int max_nr = max_named_syscall(profile);
  if (default_denies(r.default_action) && max_nr >= 0) prepend_enosys_prologue(prog.filter, uint32_t(max_nr));
  // The kernel refuses longer programs with EINVAL; say so while the profile
  // is still at hand.
  if (prog.filter.size() > BPF_MAXINSNS)
    return Error(Code::Config,
                 "seccomp program has " + std::to_string(prog.filter.size()) + " instructions, the kernel allows " +
                     std::to_string(BPF_MAXINSNS),
                 0, kRoot);
  prog.flags = load_flags(r);
  prog.needs_listener = r.needs_listener;
  return prog;
}

uint64_t seccomp_profile_hash(const spec::Seccomp& p) {
  Hasher h;
  const scmp_version* v = seccomp_version();
  h.u64(v ? (uint64_t{v->major} << 32 | uint64_t{v->minor} << 16 | v->micro) : 0);
  h.str(p.default_action);
  h.opt(p.default_errno_ret);
  h.u64(p.architectures.size());
  for (const auto& a : p.architectures) h.str(a);
  h.u64(p.flags.size());
  for (const auto& f : p.flags) h.str(f);
  h.u64(p.syscalls.size());
  for (const auto& s : p.syscalls) {
    h.u64(s.names.size());
    for (const auto& n : s.names) h.str(n);
    h.str(s.action);
    h.opt(s.errno_ret);
    h.u64(s.args.size());
    for (const auto& a : s.args) {
      h.u64(a.index);
      h.u64(a.value);
      h.u64(a.value_two);
      h.str(a.op);
    }
  }
  return h.h;
}

const std::vector<std::string>& known_actions() {
  static const std::vector<std::string> names = sorted_names(kActions);
  return names;
}

const std::vector<std::string>& known_operators() {
  static const std::vector<std::string> names = sorted_names(kOps);
  return names;
}

const std::vector<std::string>& known_architectures() {
  static const std::vector<std::string> names = sorted_names(kArchs);
  return names;
}

const std::vector<std::string>& known_flags() {
  static const std::vector<std::string> names = sorted_names(kFlags);
  return names;
}

}  // namespace berth::seccomp
