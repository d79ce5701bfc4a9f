// The process attributes the init applies just before exec: process.scheduler
// (sched_setattr), process.ioPriority (ioprio_set), linux.memoryPolicy
// (set_mempolicy) and linux.personality. Names are mapped to the kernel's
// numbers here and every rule the kernel would otherwise answer with a bare
// EINVAL is checked with the field's path. Whether the NUMA nodes exist is a
// question for the host, answered by the launcher.
#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <sys/personality.h>

#include <linux/sched.h>

#include "libcontainer/spec/known_names.hpp"
#include "libcontainer/spec/parse_internal.hpp"

namespace berth::spec {

namespace {

template <typename T>
struct Named {
  const char* name;
  T value;
};

// SCHED_ISO is in the spec's list but not in Linux: it is refused by name.
constexpr Named<uint32_t> kPolicies[] = {
    {"SCHED_OTHER", SCHED_OTHER}, {"SCHED_FIFO", SCHED_FIFO}, {"SCHED_RR", SCHED_RR},
    {"SCHED_BATCH", SCHED_BATCH}, {"SCHED_IDLE", SCHED_IDLE}, {"SCHED_DEADLINE", SCHED_DEADLINE},
};
constexpr Named<uint64_t> kSchedFlags[] = {
    {"SCHED_FLAG_RESET_ON_FORK", SCHED_FLAG_RESET_ON_FORK},   {"SCHED_FLAG_RECLAIM", SCHED_FLAG_RECLAIM},
    {"SCHED_FLAG_DL_OVERRUN", SCHED_FLAG_DL_OVERRUN},         {"SCHED_FLAG_KEEP_POLICY", SCHED_FLAG_KEEP_POLICY},
    {"SCHED_FLAG_KEEP_PARAMS", SCHED_FLAG_KEEP_PARAMS},       {"SCHED_FLAG_UTIL_CLAMP_MIN", SCHED_FLAG_UTIL_CLAMP_MIN},
    {"SCHED_FLAG_UTIL_CLAMP_MAX", SCHED_FLAG_UTIL_CLAMP_MAX},
};
constexpr Named<int> kIoClasses[] = {{"IOPRIO_CLASS_RT", IOPRIO_CLASS_RT},
                                     {"IOPRIO_CLASS_BE", IOPRIO_CLASS_BE},
                                     {"IOPRIO_CLASS_IDLE", IOPRIO_CLASS_IDLE}};
// MPOL_WEIGHTED_INTERLEAVE is Linux 6.9; Debian 12's headers predate it.
constexpr int kMpolWeightedInterleave = 6;
constexpr Named<int> kMpolModes[] = {
    {"MPOL_DEFAULT", MPOL_DEFAULT},       {"MPOL_BIND", MPOL_BIND},
    {"MPOL_INTERLEAVE", MPOL_INTERLEAVE}, {"MPOL_WEIGHTED_INTERLEAVE", kMpolWeightedInterleave},
    {"MPOL_PREFERRED", MPOL_PREFERRED},   {"MPOL_PREFERRED_MANY", MPOL_PREFERRED_MANY},
    {"MPOL_LOCAL", MPOL_LOCAL},
};
constexpr Named<unsigned> kMpolFlags[] = {
    {"MPOL_F_NUMA_BALANCING", MPOL_F_NUMA_BALANCING},
    {"MPOL_F_RELATIVE_NODES", MPOL_F_RELATIVE_NODES},
    {"MPOL_F_STATIC_NODES", MPOL_F_STATIC_NODES},
};

template <typename T, size_t N>
const T* find_name(const Named<T> (&table)[N], std::string_view name) {
  for (const auto& e : table)
    if (name == e.name) return &e.value;
  return nullptr;
}

template <typename T, size_t N>
std::vector<std::string> names_of(const Named<T> (&table)[N]) {
  std::vector<std::string> out;
  for (const auto& e : table) out.emplace_back(e.name);
  return out;
}

}  // namespace

std::vector<std::string> memory_policy_modes() { return names_of(kMpolModes); }
std::vector<std::string> memory_policy_flags() { return names_of(kMpolFlags); }
std::vector<std::string> scheduler_policies() { return names_of(kPolicies); }
std::vector<std::string> scheduler_flags() { return names_of(kSchedFlags); }

// "0-3,7" -> bits 0..3 and 7. Returns "" or what is wrong.
std::string parse_node_list(std::string_view s, std::vector<uint64_t>& mask) {
  mask.assign(kMaxNumaNodes / 64, 0);
  size_t i = 0;
  auto number = [&](unsigned& out) {
    size_t start = i;
    out = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - start < 7) out = out * 10 + unsigned(s[i++] - '0');
    return i > start && (i == s.size() || s[i] < '0' || s[i] > '9');
  };
  while (i < s.size()) {
    unsigned lo, hi;
    if (!number(lo)) return "expected a node number at offset " + std::to_string(i);
    hi = lo;
    if (i < s.size() && s[i] == '-') {
      i++;
      if (!number(hi)) return "expected a node number at offset " + std::to_string(i);
      if (hi < lo) return "range " + std::to_string(lo) + "-" + std::to_string(hi) + " is reversed";
    }
    if (hi >= kMaxNumaNodes) return "node " + std::to_string(hi) + " is beyond " + std::to_string(kMaxNumaNodes - 1);
    for (unsigned n = lo; n <= hi; n++) mask[n / 64] |= uint64_t(1) << (n % 64);
    if (i < s.size() && s[i++] != ',') return "expected ',' or '-' at offset " + std::to_string(i - 1);
    if (i == s.size() && s.back() == ',') return "trailing ','";
  }
  return "";
}

namespace detail {

namespace {

// Reads obj[name] as a name from table; records an unknown one.
template <typename T, size_t N>
const T* named(Walker& w, Value obj, const char* name, const Named<T> (&table)[N], std::string& text) {
  if (!w.require(obj, name) || !w.str(obj, name, text)) return nullptr;
  const T* v = find_name(table, text);
  if (!v) {
    auto s = w.enter(name);
    w.fail("unknown value " + quoted(text));
  }
  return v;
}

template <typename T, size_t N>
T flag_list(Walker& w, Value obj, const Named<T> (&table)[N]) {
  T bits = 0;
  w.each(obj, "flags", [&](Value f) {
    std::string name;
    if (!w.as_str(f, name)) return;
    const T* v = find_name(table, name);
    if (!v)
      w.fail("unknown flag " + quoted(name));
    else if (bits & *v)
      w.fail("duplicate flag " + quoted(name));
    else
      bits |= *v;
  });
  return bits;
}

void check_deadline(Walker& w, Value v, const Scheduler& s) {
  constexpr uint64_t kMin = 1024, kMax = uint64_t(1) << 63;  // sched(7)
  const std::pair<const char*, uint64_t> params[] = {
      {"runtime", s.runtime}, {"deadline", s.deadline}, {"period", s.period}};
  for (const auto& [name, value] : params) {
    if (value == 0 && std::string_view(name) == "period") continue;  // 0: the deadline
    if (value == 0) {
      if (member(v, name).present()) {
        auto sn = w.enter(name);
        w.fail("must be greater than 0 for SCHED_DEADLINE");
      } else {
        w.require(v, name);
      }
    } else if (value < kMin || value >= kMax) {
      auto sn = w.enter(name);
      w.fail("must be at least 1024 ns and below 2^63 for SCHED_DEADLINE, got " + std::to_string(value));
    }
  }
  if (s.runtime && s.deadline && s.runtime > s.deadline) {
    auto sn = w.enter("runtime");
    w.fail("must not exceed deadline (" + std::to_string(s.deadline) + ")");
  }
  if (s.deadline && s.period && s.deadline > s.period) {
    auto sn = w.enter("deadline");
    w.fail("must not exceed period (" + std::to_string(s.period) + ")");
  }
}

}  // namespace

void parse_scheduler(Walker& w, Value p, std::optional<Scheduler>& out) {
  Value v = member(p, "scheduler");
  if (!v.present()) return;
  auto s = w.enter("scheduler");
  if (!w.as_object(v)) return;
  Scheduler sc;
  bool known = false;
  if (w.require(v, "policy") && w.str(v, "policy", sc.policy_name)) {
    auto sp = w.enter("policy");
    if (sc.policy_name == "SCHED_ISO")
      w.fail("SCHED_ISO is not implemented by Linux");
    else if (const uint32_t* pol = find_name(kPolicies, sc.policy_name))
      sc.policy = *pol, known = true;
    else
      w.fail("unknown policy " + quoted(sc.policy_name));
  }
  if (w.i32(v, "nice", sc.nice) && (sc.nice < -20 || sc.nice > 19)) {
    auto sn = w.enter("nice");
    w.fail("must be between -20 and 19, got " + std::to_string(sc.nice));
  }
  bool realtime = sc.policy == SCHED_FIFO || sc.policy == SCHED_RR;
  if (w.i32(v, "priority", sc.priority) && known) {
    auto sn = w.enter("priority");
    if (realtime && (sc.priority < 1 || sc.priority > 99))
      w.fail("must be between 1 and 99 for " + sc.policy_name + ", got " + std::to_string(sc.priority));
    else if (!realtime && sc.priority != 0)
      w.fail("must be 0 for " + sc.policy_name + " (only SCHED_FIFO and SCHED_RR have a static priority)");
  } else if (known && realtime) {
    w.require(v, "priority");
  }
  sc.flags = flag_list(w, v, kSchedFlags);
  w.u64(v, "runtime", sc.runtime);
  w.u64(v, "deadline", sc.deadline);
  w.u64(v, "period", sc.period);
  if (known && sc.policy == SCHED_DEADLINE) {
    check_deadline(w, v, sc);
  } else if (known) {
    for (const char* name : {"runtime", "deadline", "period"}) {
      uint64_t x = 0;
      if (!member(v, name).present() || !w.u64(v, name, x) || x == 0) continue;
      auto sn = w.enter(name);
      w.fail("only SCHED_DEADLINE takes a " + std::string(name));
    }
  }
  if (known) out = sc;
}

void parse_io_priority(Walker& w, Value p, std::optional<IoPriority>& out) {
  Value v = member(p, "ioPriority");
  if (!v.present()) return;
  auto s = w.enter("ioPriority");
  if (!w.as_object(v)) return;
  IoPriority io;
  std::string name;
  const int* cls = named(w, v, "class", kIoClasses, name);
  bool prio = w.require(v, "priority") && w.i32(v, "priority", io.priority);
  if (prio && (io.priority < 0 || io.priority > 7)) {
    auto sp = w.enter("priority");
    w.fail("must be between 0 (highest) and 7 (lowest), got " + std::to_string(io.priority));
    prio = false;
  }
  if (cls && prio) {
    io.io_class = *cls;
    out = io;
  }
}

void parse_memory_policy(Walker& w, Value l, std::optional<MemoryPolicy>& out) {
  Value v = member(l, "memoryPolicy");
  if (!v.present()) return;
  auto s = w.enter("memoryPolicy");
  if (!w.as_object(v)) return;
  MemoryPolicy mp;
  std::string mode_name;
  const int* mode = named(w, v, "mode", kMpolModes, mode_name);
  mp.flags = flag_list(w, v, kMpolFlags);
  if (w.str(v, "nodes", mp.nodes)) {
    auto sn = w.enter("nodes");
    std::string bad = parse_node_list(mp.nodes, mp.node_mask);
    if (!bad.empty()) w.fail("bad node list " + quoted(mp.nodes) + ": " + bad + " (expected e.g. \"0-3,7\")");
  }
  if (!mode) return;
  mp.mode = *mode;
  // set_mempolicy(2): which modes take nodes, and which flags combine.
  bool no_nodes = mp.mode == MPOL_DEFAULT || mp.mode == MPOL_LOCAL;
  bool needs_nodes = !no_nodes && mp.mode != MPOL_PREFERRED;  // PREFERRED without nodes = local
  if (no_nodes && mp.has_nodes()) {
    auto sn = w.enter("nodes");
    w.fail(mode_name + " takes no nodes");
  } else if (needs_nodes && !mp.has_nodes()) {
    auto sn = w.enter("nodes");
    w.fail(mode_name + " needs at least one node");
  }
  if ((mp.flags & MPOL_F_STATIC_NODES) && (mp.flags & MPOL_F_RELATIVE_NODES)) {
    auto sf = w.enter("flags");
    w.fail("MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES exclude each other");
  }
  if (no_nodes && mp.flags) {
    auto sf = w.enter("flags");
    w.fail(mode_name + " takes no flags");
  }
  if ((mp.flags & MPOL_F_NUMA_BALANCING) && mp.mode != MPOL_BIND && mp.mode != MPOL_PREFERRED_MANY) {
    auto sf = w.enter("flags");
    w.fail("MPOL_F_NUMA_BALANCING needs MPOL_BIND or MPOL_PREFERRED_MANY");
  }
  out = std::move(mp);
}

// Only the two domains the spec lists; flags: the spec defines none, so any
// is refused rather than ignored (crun 1.8.1 ignores them).
void parse_personality(Walker& w, Value l, std::optional<Personality>& out) {
  Value v = member(l, "personality");
  if (!v.present()) return;
  auto s = w.enter("personality");
  if (!w.as_object(v)) return;
  std::string domain;
  constexpr Named<unsigned long> kDomains[] = {{"LINUX", PER_LINUX}, {"LINUX32", PER_LINUX32}};
  const unsigned long* d = named(w, v, "domain", kDomains, domain);
  std::vector<std::string> flags;
  if (w.strings(v, "flags", flags) && !flags.empty()) {
    auto sf = w.enter("flags");
    auto si = w.enter(size_t(0));
    w.fail("unknown flag " + quoted(flags[0]) + " (the runtime spec defines no personality flags)");
  }
  if (d) out = Personality{*d};
}

}  // namespace detail

}  // namespace berth::spec
