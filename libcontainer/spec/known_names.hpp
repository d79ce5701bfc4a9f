// Names the config parser knows for the process attributes it maps to kernel
// numbers (parse_process_attrs.cpp), for `berth features` and the tests.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace berth::spec {

std::vector<std::string> memory_policy_modes();  // "MPOL_DEFAULT", ...
std::vector<std::string> memory_policy_flags();  // "MPOL_F_NUMA_BALANCING", ...
std::vector<std::string> scheduler_policies();   // "SCHED_OTHER", ... (not SCHED_ISO)
std::vector<std::string> scheduler_flags();      // "SCHED_FLAG_RESET_ON_FORK", ...

// A NUMA node list ("0-3,7") as a bitmask of kMaxNumaNodes bits in 64-bit
// words. Returns "" when valid, otherwise what is wrong with it.
std::string parse_node_list(std::string_view list, std::vector<uint64_t>& mask);

}  // namespace berth::spec
