// Device rules for v1 files and the v2 BPF program; see devices.hpp.
#include "libcontainer/cgroup/devices.hpp"

#include <set>

namespace berth::cgroup::devices {
namespace {

uint32_t access_bits(const std::string& a) {
  uint32_t b = 0;
  for (char c : a)
    b |= c == 'm' ? BPF_DEVCG_ACC_MKNOD : c == 'r' ? BPF_DEVCG_ACC_READ : c == 'w' ? BPF_DEVCG_ACC_WRITE : 0;
  return b;
}

std::string access_string(uint32_t bits) {
  std::string a;
  if (bits & BPF_DEVCG_ACC_READ) a += 'r';
  if (bits & BPF_DEVCG_ACC_WRITE) a += 'w';
  if (bits & BPF_DEVCG_ACC_MKNOD) a += 'm';
  return a;
}

spec::DeviceRule v1_rule(bool allow, const V1Key& k, uint32_t bits) {
  auto num = [](int64_t n) { return n < 0 ? std::nullopt : std::optional<int64_t>(n); };
  return spec::DeviceRule{allow, std::string(1, k.type), num(k.major), num(k.minor), access_string(bits)};
}

// Whether a v1 exception (type 'c' or 'b', -1 for any number) covers a
// request: an allow exception (the default denies) must hold every bit the
// request asks for, a deny exception (the default allows) any of them, as
// security/device_cgroup.c matches them.
bool covers(const V1Key& k, uint32_t bits, bool default_allow, char type, uint32_t major, uint32_t minor,
            uint32_t access) {
  if (k.type != type) return false;
  if (k.major >= 0 && uint32_t(k.major) != major) return false;
  if (k.minor >= 0 && uint32_t(k.minor) != minor) return false;
  return default_allow ? (access & bits) != 0 : (access & ~bits) == 0;
}

bpf_insn insn(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm) {
  bpf_insn i{};
  i.code = code;
  i.dst_reg = dst & 0xf;
  i.src_reg = src & 0xf;
  i.off = off;
  i.imm = imm;
  return i;
}

}  // namespace

std::vector<spec::DeviceRule> default_rules() {
  auto allow = [](const char* type, std::optional<int64_t> major, std::optional<int64_t> minor, const char* access) {
    return spec::DeviceRule{true, type, major, minor, access};
  };
  return {allow("c", std::nullopt, std::nullopt, "m"),
          allow("b", std::nullopt, std::nullopt, "m"),
          allow("c", 1, 3, "rwm"),                // null
          allow("c", 1, 5, "rwm"),                // zero
          allow("c", 1, 7, "rwm"),                // full
          allow("c", 1, 8, "rwm"),                // random
          allow("c", 1, 9, "rwm"),                // urandom
          allow("c", 5, 0, "rwm"),                // tty
          allow("c", 5, 1, "rwm"),                // console
          allow("c", 5, 2, "rwm"),                // ptmx
          allow("c", 136, std::nullopt, "rwm")};  // pts
}

std::string v1_line(const spec::DeviceRule& r) {
  auto n = [](const std::optional<int64_t>& v) { return v ? std::to_string(*v) : std::string("*"); };
  return r.type + " " + n(r.major) + ":" + n(r.minor) + " " + r.access;
}

Status write_v1(sys::Kernel& k, int dirfd, const std::vector<spec::DeviceRule>& rules) {
  for (const auto& r : rules) {
    Status s = k.write_at(dirfd, r.allow ? "devices.allow" : "devices.deny", v1_line(r));
    if (!s.ok()) return std::move(s).error().context("write the device rule \"" + v1_line(r) + "\"");
  }
  return {};
}

void v1_apply(V1State& s, const spec::DeviceRule& r) {
  if (r.type == "a") {  // the kernel reads no further than the "a"
    s.default_allow = r.allow;
    s.exceptions.clear();
    return;
  }
  V1Key key{r.type[0], r.major.value_or(-1), r.minor.value_or(-1)};
  uint32_t bits = access_bits(r.access);
  if (r.allow == s.default_allow) {
    auto it = s.exceptions.find(key);
    if (it != s.exceptions.end() && (it->second &= ~bits) == 0) s.exceptions.erase(it);
  } else if (bits) {
    s.exceptions[key] |= bits;
  }
}

V1State v1_state(const std::vector<spec::DeviceRule>& rules) {
  V1State s;
  for (const auto& r : rules) v1_apply(s, r);
  return s;
}

std::vector<spec::DeviceRule> v1_changes(const std::vector<V1State>& from, const V1State& to) {
  std::vector<spec::DeviceRule> widen, narrow;
  bool same_default = !from.empty();
  for (const auto& f : from) same_default &= f.default_allow == to.default_allow;
  if (!same_default) {
    // Allow-all <-> deny-all: the reset drops every exception, so until the
    // lines after it are written the cgroup allows everything, or nothing
    // but what they list. There is no order of v1 writes without that window.
    std::vector<spec::DeviceRule> out = {v1_rule(to.default_allow, V1Key{'a', -1, -1}, 7)};
    for (const auto& [k, bits] : to.exceptions) out.push_back(v1_rule(!to.default_allow, k, bits));
    return out;
  }
  // Per key, the bits every state in `from` holds (low) and any holds (high).
  std::map<V1Key, uint32_t> low = from[0].exceptions, high;
  for (const auto& f : from) {
    for (const auto& [k, bits] : f.exceptions) high[k] |= bits;
    for (auto& [k, bits] : low) {
      auto it = f.exceptions.find(k);
      bits &= it == f.exceptions.end() ? 0 : it->second;
    }
  }
  std::set<V1Key> keys;
  for (const auto& [k, bits] : high) keys.insert(k);
  for (const auto& [k, bits] : to.exceptions) keys.insert(k);
  auto get = [](const std::map<V1Key, uint32_t>& m, const V1Key& k) {
    auto it = m.find(k);
    return it == m.end() ? 0u : it->second;
  };
  // Exceptions allow on a deny-all cgroup and deny on an allow-all one:
  // adding bits widens the first and narrows the second.
  for (const V1Key& k : keys) {
    uint32_t want = get(to.exceptions, k), add = want & ~get(low, k), drop = get(high, k) & ~want;
    bool exceptions_allow = !to.default_allow;
    if (add) (exceptions_allow ? widen : narrow).push_back(v1_rule(exceptions_allow, k, add));
    if (drop) (exceptions_allow ? narrow : widen).push_back(v1_rule(!exceptions_allow, k, drop));
  }
  widen.insert(widen.end(), narrow.begin(), narrow.end());
  return widen;
}

bool allows(const std::vector<spec::DeviceRule>& rules, char type, uint32_t major, uint32_t minor,
            const std::string& access) {
  V1State st = v1_state(rules);
  uint32_t bits = access_bits(access);
  for (const auto& [key, held] : st.exceptions)
    if (covers(key, held, st.default_allow, type, major, minor, bits)) return !st.default_allow;
  return st.default_allow;
}

// r1: struct bpf_cgroup_dev_ctx* {u32 access_type (type | access << 16); u32 major; u32 minor}.
// r2 type, r3 access, r4 major, r5 minor; one block per exception of the
// v1 state the rules leave (so v1 and v2 answer alike), each jumping past
// itself when it does not cover the request; then the default.
std::vector<bpf_insn> program(const std::vector<spec::DeviceRule>& rules) {
  constexpr uint8_t R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6;
  std::vector<bpf_insn> p = {
      insn(BPF_LDX | BPF_MEM | BPF_W, R2, R1, 0, 0),   insn(BPF_ALU64 | BPF_MOV | BPF_X, R3, R2, 0, 0),
      insn(BPF_ALU64 | BPF_RSH | BPF_K, R3, 0, 0, 16), insn(BPF_ALU64 | BPF_AND | BPF_K, R2, 0, 0, 0xffff),
      insn(BPF_LDX | BPF_MEM | BPF_W, R4, R1, 4, 0),   insn(BPF_LDX | BPF_MEM | BPF_W, R5, R1, 8, 0),
  };
  V1State st = v1_state(rules);
  for (const auto& [key, bits] : st.exceptions) {
    std::vector<bpf_insn> block;
    std::vector<size_t> skips;  // jumps to patch to the end of the block
    auto skip_unless = [&](uint8_t op, uint8_t reg, int32_t imm) {
      skips.push_back(block.size());
      block.push_back(insn(BPF_JMP | op | BPF_K, reg, 0, 0, imm));
    };
    skip_unless(BPF_JNE, R2, key.type == 'b' ? BPF_DEVCG_DEV_BLOCK : BPF_DEVCG_DEV_CHAR);
    if (!st.default_allow && bits != 7) {  // the request must hold no bit outside the exception's
      block.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, R6, R3, 0, 0));
      block.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, R6, 0, 0, int32_t(~bits & 7)));
      skip_unless(BPF_JNE, R6, 0);
    } else if (st.default_allow) {  // the request must overlap the exception
      block.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_X, R6, R3, 0, 0));
      block.push_back(insn(BPF_ALU64 | BPF_AND | BPF_K, R6, 0, 0, int32_t(bits)));
      skip_unless(BPF_JEQ, R6, 0);
    }
    if (key.major >= 0) skip_unless(BPF_JNE, R4, int32_t(key.major));
    if (key.minor >= 0) skip_unless(BPF_JNE, R5, int32_t(key.minor));
    block.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, st.default_allow ? 0 : 1));
    block.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
    for (size_t i : skips) block[i].off = int16_t(block.size() - i - 1);
    p.insert(p.end(), block.begin(), block.end());
  }
  p.push_back(insn(BPF_ALU64 | BPF_MOV | BPF_K, R0, 0, 0, st.default_allow ? 1 : 0));
  p.push_back(insn(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
  return p;
}

}  // namespace berth::cgroup::devices
