// Process capabilities: the parent builds a CapSets of bit masks from the
// config; the init applies them with child::apply_capabilities.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "libcontainer/spec/config.hpp"

namespace berth::capabilities {

// Bit n stands for capability n. Plain data, so it can live in the ChildPlan.
struct CapSets {
  uint64_t bounding = 0;
  uint64_t effective = 0;
  uint64_t permitted = 0;
  uint64_t inheritable = 0;
  uint64_t ambient = 0;
  // The kernel's highest capability (/proc/sys/kernel/cap_last_cap), read in
  // the parent: the bounding drop walks 0..last_cap.
  int last_cap = 0;
};
static_assert(std::is_standard_layout_v<CapSets> && std::is_trivially_copyable_v<CapSets>);

// Parent side. A missing "capabilities" object, or a missing set in it,
// yields an empty set, as runc does. Capabilities above last_cap (unknown to
// this kernel) are dropped from every set, again as runc does, rather than
// failing at capset/prctl time in the init.
CapSets cap_sets_from(const std::optional<spec::Capabilities>& caps, int last_cap);

// Reads /proc/sys/kernel/cap_last_cap. Returns the capability number or
// -errno (-EINVAL when the content is not a number in 0..63).
int read_last_cap() noexcept;

// Every CAP_* name libcap knows, for caps 0..last_cap, in number order; for
// `features`.
std::vector<std::string> known_capability_names(int last_cap);

}  // namespace berth::capabilities
