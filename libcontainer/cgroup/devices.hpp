// Mechanism for linux.resources.devices: v1 rule lines for devices.allow /
// devices.deny, and on v2 a BPF_PROG_TYPE_CGROUP_DEVICE program that
// gives the same answers, attached to the cgroup through the Kernel.
//
// Semantics (the v1 kernel's, which the OCI spec follows): rules apply in
// order; a rule for every device ("a", any major and minor, "rwm") resets
// the default to allow or deny; every later rule is an exception, the last
// matching one wins. An allow exception matches a request whose access
// bits it all covers; a deny exception one it overlaps.
#pragma once

#include <linux/bpf.h>

#include <cstdint>
#include <string>
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

std::vector<bpf_insn> program(const std::vector<spec::DeviceRule>& rules);
// What program() answers, evaluated in C++ (the tests compare the two).
bool allows(const std::vector<spec::DeviceRule>& rules, char type, uint32_t major, uint32_t minor,
            const std::string& access);

}  // namespace berth::cgroup::devices
