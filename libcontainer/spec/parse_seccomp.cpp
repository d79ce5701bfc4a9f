// config.json "linux.seccomp": actions, operators, flags and architectures
// are checked against the names libseccomp and the spec define; compiling the
// filter is the seccomp isolator's job.

#include "libcontainer/spec/parse_internal.hpp"

namespace berth::spec::detail {

namespace {

constexpr const char* kActions[] = {
    "SCMP_ACT_KILL",  "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",   "SCMP_ACT_ERRNO",
    "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW",        "SCMP_ACT_LOG",         "SCMP_ACT_NOTIFY",
};
constexpr const char* kOps[] = {
    "SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ",
};
constexpr const char* kFlags[] = {
    "SECCOMP_FILTER_FLAG_TSYNC",
    "SECCOMP_FILTER_FLAG_LOG",
    "SECCOMP_FILTER_FLAG_SPEC_ALLOW",
    "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV",
};
constexpr size_t kMaxSyscallArgs = 6;  // seccomp_data.args

template <size_t N>
bool one_of(std::string_view s, const char* const (&names)[N]) {
  for (const char* n : names)
    if (s == n) return true;
  return false;
}

// Reads an action at obj[name]; NOTIFY needs a socket to hand the fd to.
bool parse_action(Walker& w, Value obj, std::string_view name, std::string& out, const Seccomp& sc) {
  if (!w.require(obj, name) || !w.str(obj, name, out)) return false;
  auto s = w.enter(name);
  if (!one_of(out, kActions)) {
    w.fail("unknown seccomp action " + quoted(out));
    return false;
  }
  if (out == "SCMP_ACT_NOTIFY" && sc.listener_path.empty()) {
    w.fail("SCMP_ACT_NOTIFY requires /linux/seccomp/listenerPath");
    return false;
  }
  return true;
}

void parse_arg(Walker& w, Value v, std::vector<SeccompArg>& out) {
  SeccompArg a;
  if (w.require(v, "index") && w.u32(v, "index", a.index) && a.index >= kMaxSyscallArgs) {
    auto s = w.enter("index");
    w.fail("must be less than 6, got " + std::to_string(a.index));
  }
  if (w.require(v, "value")) w.u64(v, "value", a.value);
  w.u64(v, "valueTwo", a.value_two);
  if (w.require(v, "op") && w.str(v, "op", a.op) && !one_of(a.op, kOps)) {
    auto s = w.enter("op");
    w.fail("unknown seccomp operator " + quoted(a.op));
  }
  out.push_back(std::move(a));
}

void parse_syscall(Walker& w, Value v, const Seccomp& sc, std::vector<SeccompSyscall>& out) {
  SeccompSyscall call;
  if (w.require(v, "names") && w.strings(v, "names", call.names)) {
    auto s = w.enter("names");
    if (call.names.empty()) w.fail("must contain at least one syscall name");
    for (size_t i = 0; i < call.names.size(); i++) {
      if (!call.names[i].empty()) continue;
      auto si = w.enter(i);
      w.fail("must not be empty");
    }
  }
  parse_action(w, v, "action", call.action, sc);
  uint32_t ret;
  if (w.u32(v, "errnoRet", ret)) call.errno_ret = ret;
  w.each_object(v, "args", [&](Value a) { parse_arg(w, a, call.args); });
  out.push_back(std::move(call));
}

}  // namespace

void parse_seccomp(Walker& w, Value v, Seccomp& out) {
  // listenerPath first: the actions below are checked against it.
  w.str(v, "listenerPath", out.listener_path);
  w.str(v, "listenerMetadata", out.listener_metadata);
  parse_action(w, v, "defaultAction", out.default_action, out);
  uint32_t ret;
  if (w.u32(v, "defaultErrnoRet", ret)) out.default_errno_ret = ret;
  if (w.strings(v, "architectures", out.architectures)) {
    auto s = w.enter("architectures");
    for (size_t i = 0; i < out.architectures.size(); i++) {
      const std::string& a = out.architectures[i];
      if (a.size() > 10 && a.compare(0, 10, "SCMP_ARCH_") == 0) continue;
      auto si = w.enter(i);
      w.fail("expected an SCMP_ARCH_* name, got " + quoted(a));
    }
  }
  if (w.strings(v, "flags", out.flags)) {
    auto s = w.enter("flags");
    for (size_t i = 0; i < out.flags.size(); i++) {
      if (one_of(out.flags[i], kFlags)) continue;
      auto si = w.enter(i);
      w.fail("unknown seccomp flag " + quoted(out.flags[i]));
    }
  }
  out.syscalls.clear();
  w.each_object(v, "syscalls", [&](Value c) { parse_syscall(w, c, out, out.syscalls); });
}

}  // namespace berth::spec::detail
