// Mechanism for linux.resources.devices: v1 rule lines for devices.allow /
// devices.deny, and on v2 a BPF_PROG_TYPE_CGROUP_DEVICE program that
// gives the same answers, attached to the cgroup through the Kernel.
//
// Semantics: the v1 kernel's (security/device_cgroup.c), on v2 too, so a
// config answers alike on both (runc emulates v1 on v2 for the same
// reason). The rules, in order, leave a default and exceptions (v1_state
// below); a request is allowed by an allow exception that holds all its
// access bits, denied by a deny exception that holds any of them, and
// otherwise gets the default.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/spec/config.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::cgroup::devices {

// The device nodes every container gets (and mknod of any), allowed after
// the config's rules, as runc and crun do.
std::vector<spec::DeviceRule> default_rules();

// "c 1:3 rwm", "a *:* rwm".
std::string v1_line(const spec::DeviceRule& r);
// Each rule to devices.allow or devices.deny, in order.
Status write_v1(sys::Kernel& k, int dirfd, const std::vector<spec::DeviceRule>& rules);

// ---- v1: what the devices controller holds, and how to change it live ----
//
// A v1 devices cgroup holds a default (allow or deny) and exceptions of the
// other kind, each keyed by type and numbers (a wildcard is a key of its
// own) with the access bits it holds. A line written to devices.allow or
// devices.deny changes it as security/device_cgroup.c does: any line of type
// "a" resets it to the file's default with no exceptions, whatever follows
// the "a"; a line of the default's kind takes its bits away from the
// exception with exactly its key (not from those its wildcard covers); a
// line of the other kind adds its bits to that exception. program() and
// allows() evaluate this state, so v2 answers as v1 does.
struct V1Key {
  char type;             // 'c' or 'b'
  int64_t major, minor;  // -1: any
  auto operator<=>(const V1Key&) const = default;
};
struct V1State {
  bool default_allow = true;             // a new cgroup's (below a parent that allows all)
  std::map<V1Key, uint32_t> exceptions;  // BPF_DEVCG_ACC_* bits, never 0
  bool operator==(const V1State&) const = default;
};
// What writing r does to s.
void v1_apply(V1State& s, const spec::DeviceRule& r);
// What writing rules, in order, to a new cgroup leaves.
V1State v1_state(const std::vector<spec::DeviceRule>& rules);
// The lines that take a cgroup to `to` from any state `from` may describe:
// one state, or the several an update cut off midway could have left (the
// cgroup then holds, for each key, at least the bits all of them share and
// at most those any of them has). When every state in `from` has to's
// default the lines only add and take away bits, every line that widens
// (devices.allow) before every line that narrows (devices.deny), so a
// device both old and new allow is never denied meanwhile; nothing to
// write when from is {to}. When a default differs (or from is empty: the
// state is unknown) the first line resets the cgroup ("a") and to's
// exceptions follow; until they are written it allows every device, or
// none: a short window no order of v1 writes avoids.
std::vector<spec::DeviceRule> v1_changes(const std::vector<V1State>& from, const V1State& to);

// The BPF_PROG_TYPE_CGROUP_DEVICE program for v1_state(rules).
std::vector<bpf_insn> program(const std::vector<spec::DeviceRule>& rules);
// What program() answers, evaluated in C++ (the tests compare the two).
bool allows(const std::vector<spec::DeviceRule>& rules, char type, uint32_t major, uint32_t minor,
            const std::string& access);

}  // namespace berth::cgroup::devices
