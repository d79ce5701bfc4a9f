// config.json "process": user, args/env/cwd, capabilities (names mapped to
// numbers with libcap), rlimits (names mapped to RLIMIT_*), oomScoreAdj and
// the LSM labels; scheduler and ioPriority in parse_process_attrs.cpp.
#include <sys/capability.h>
#include <sys/resource.h>

#include "libcontainer/spec/parse.hpp"
#include "libcontainer/spec/parse_internal.hpp"

namespace berth::spec {

// Only the canonical "CAP_NAME" spelling: cap_from_name alone would also take
// "cap_chown" and bare numbers, which runc and the spec do not.
int capability_number(const std::string& name) {
  if (name.size() <= 4 || name.compare(0, 4, "CAP_") != 0) return -1;
  for (char c : name)
    if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) return -1;
  cap_value_t v;
  if (cap_from_name(name.c_str(), &v) != 0) return -1;
  return static_cast<int>(v);
}

}  // namespace berth::spec

namespace berth::spec::detail {

namespace {

struct RlimitName {
  const char* name;
  int resource;
};

constexpr RlimitName kRlimits[] = {
    {"RLIMIT_AS", RLIMIT_AS},           {"RLIMIT_CORE", RLIMIT_CORE},         {"RLIMIT_CPU", RLIMIT_CPU},
    {"RLIMIT_DATA", RLIMIT_DATA},       {"RLIMIT_FSIZE", RLIMIT_FSIZE},       {"RLIMIT_LOCKS", RLIMIT_LOCKS},
    {"RLIMIT_MEMLOCK", RLIMIT_MEMLOCK}, {"RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE}, {"RLIMIT_NICE", RLIMIT_NICE},
    {"RLIMIT_NOFILE", RLIMIT_NOFILE},   {"RLIMIT_NPROC", RLIMIT_NPROC},       {"RLIMIT_RSS", RLIMIT_RSS},
    {"RLIMIT_RTPRIO", RLIMIT_RTPRIO},   {"RLIMIT_RTTIME", RLIMIT_RTTIME},     {"RLIMIT_SIGPENDING", RLIMIT_SIGPENDING},
    {"RLIMIT_STACK", RLIMIT_STACK},
};

int rlimit_resource(std::string_view name) {
  for (const auto& r : kRlimits)
    if (name == r.name) return r.resource;
  return -1;
}

void parse_user(Walker& w, Value p, User& u) {
  Value v = member(p, "user");
  if (!v.present()) return;
  auto s = w.enter("user");
  if (!w.as_object(v)) return;
  w.id(v, "uid", u.uid);
  w.id(v, "gid", u.gid);
  uint32_t umask = 0;
  if (w.u32(v, "umask", umask)) {
    if (umask > 0777) {
      auto su = w.enter("umask");
      w.fail("must be at most 0777, got " + std::to_string(umask));
    } else {
      u.umask = umask;
    }
  }
  u.additional_gids.clear();
  w.each(v, "additionalGids", [&](Value g) {
    uint32_t gid;
    if (w.as_id(g, gid)) u.additional_gids.push_back(gid);
  });
}

void parse_capabilities(Walker& w, Value p, std::optional<Capabilities>& out) {
  Value v = member(p, "capabilities");
  if (!v.present()) return;
  auto s = w.enter("capabilities");
  if (!w.as_object(v)) return;
  Capabilities& caps = out.emplace();
  const std::pair<const char*, std::optional<std::vector<int>>*> sets[] = {
      {"bounding", &caps.bounding},   {"effective", &caps.effective}, {"inheritable", &caps.inheritable},
      {"permitted", &caps.permitted}, {"ambient", &caps.ambient},
  };
  for (const auto& [name, set] : sets) {
    std::vector<int> nums;
    bool present = w.each(v, name, [&w, &nums](Value c) {
      std::string cap;
      if (!w.as_str(c, cap)) return;
      int n = capability_number(cap);
      if (n < 0)
        w.fail("unknown capability " + quoted(cap));
      else
        nums.push_back(n);
    });
    if (present) *set = std::move(nums);
  }
}

void parse_rlimit(Walker& w, Value v, std::vector<Rlimit>& out) {
  Rlimit r;
  r.resource = -1;
  if (w.require(v, "type") && w.str(v, "type", r.type)) {
    auto s = w.enter("type");
    r.resource = rlimit_resource(r.type);
    if (r.resource < 0) w.fail("unknown rlimit " + quoted(r.type));
    for (const auto& prev : out) {
      if (prev.type != r.type) continue;
      w.fail("duplicate rlimit " + quoted(r.type));
      r.resource = -1;
      break;
    }
  }
  bool limits = w.require(v, "hard") & w.require(v, "soft");
  limits = w.u64(v, "hard", r.hard) & w.u64(v, "soft", r.soft) & limits;
  if (limits && r.soft > r.hard) {
    auto s = w.enter("soft");
    w.fail("soft limit " + std::to_string(r.soft) + " exceeds hard limit " + std::to_string(r.hard));
  }
  if (r.resource >= 0) out.push_back(std::move(r));
}

void parse_env(Walker& w, Value p, std::vector<std::string>& env) {
  if (!w.strings(p, "env", env)) return;
  auto s = w.enter("env");
  for (size_t i = 0; i < env.size(); i++) {
    size_t eq = env[i].find('=');
    if (eq == std::string::npos || eq == 0) {
      auto si = w.enter(i);
      w.fail("expected NAME=VALUE, got " + quoted(env[i]));
    }
  }
}

}  // namespace

void parse_process(Walker& w, Value p, Process& out) {
  w.boolean(p, "terminal", out.terminal);
  if (Value cs = member(p, "consoleSize"); cs.present()) {
    auto s = w.enter("consoleSize");
    if (w.as_object(cs)) {
      ConsoleSize& size = out.console_size.emplace();
      w.u32(cs, "height", size.height);
      w.u32(cs, "width", size.width);
    }
  }
  parse_user(w, p, out.user);
  if (w.require(p, "args") && w.strings(p, "args", out.args) && out.args.empty()) {
    auto s = w.enter("args");
    w.fail("must contain at least one entry");
  }
  parse_env(w, p, out.env);
  if (w.require(p, "cwd") && w.str(p, "cwd", out.cwd) && !is_absolute(out.cwd)) {
    auto s = w.enter("cwd");
    w.fail("must be an absolute path, got " + quoted(out.cwd));
  }
  parse_capabilities(w, p, out.capabilities);
  out.rlimits.clear();
  w.each_object(p, "rlimits", [&](Value r) { parse_rlimit(w, r, out.rlimits); });
  w.boolean(p, "noNewPrivileges", out.no_new_privileges);
  w.str(p, "apparmorProfile", out.apparmor_profile);
  w.str(p, "selinuxLabel", out.selinux_label);
  int adj = 0;
  if (w.i32(p, "oomScoreAdj", adj)) {
    if (adj < -1000 || adj > 1000) {
      auto s = w.enter("oomScoreAdj");
      w.fail("must be between -1000 and 1000, got " + std::to_string(adj));
    } else {
      out.oom_score_adj = adj;
    }
  }
  parse_scheduler(w, p, out.scheduler);
  parse_io_priority(w, p, out.io_priority);
  w.refuse_unsupported(p, "execCPUAffinity", "CPU affinity is not implemented");
}

}  // namespace berth::spec::detail
