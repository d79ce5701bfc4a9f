// Mechanism: a container's resource usage read from its cgroup files into
// the isolators' Usage (libcontainer/isolator/usage.hpp: runc's stats).
//
// Which files: on a host with any v1 controller (v1 or hybrid) the v1 ones,
// each found by the files its leaf holds, as runc's v1 manager does (so a
// hybrid host's cgroup2 leaf, hugetlb only here, adds nothing, as in runc);
// on a pure v2 host the cgroup2 leaf's. A missing file leaves its fields 0.
// The parsers are pure functions of a file's text, for the unit tests.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libcontainer/isolator/usage.hpp"

namespace berth::cgroup {

// Every cgroup of the container (its leaves' open dirs) read into u's
// cgroup parts; u.cgroup says which version was read.
void read_stats(const std::vector<int>& leaf_fds, Usage& u);

// Parsers of control-file text.
namespace parse {
// "max" is UINT64_MAX (as runc); nullopt when not a number.
std::optional<uint64_t> uint_value(std::string_view text);
// "key value" lines (memory.stat, cpu.stat, cpuacct.stat, memory.events,
// memory.oom_control); lines that do not parse are skipped.
std::map<std::string, uint64_t> key_values(std::string_view text);
// Whitespace-separated numbers (cpuacct.usage_percpu).
std::vector<uint64_t> uint_list(std::string_view text);
// "0-3,5" -> {0,1,2,3,5} (cpuset.cpus / mems).
std::vector<uint16_t> cpu_list(std::string_view text);
// cpuacct.usage_all ("cpu user system" header, one line per cpu).
void usage_all(std::string_view text, std::vector<uint64_t>& kernel, std::vector<uint64_t>& user);
// v1 blkio files: "MAJ:MIN [OP] VALUE" lines ("Total N" skipped).
std::vector<BlkioEntry> blkio(std::string_view text);
// v2 io.stat: "MAJ:MIN rbytes=.. wbytes=.. rios=.. wios=.." into runc's
// v1-shaped tables (Read/Write).
void io_stat(std::string_view text, std::vector<BlkioEntry>& bytes, std::vector<BlkioEntry>& ios);
}  // namespace parse

// Hugepage sizes as cgroup file names use them ("2MB", "1GB"), from
// /sys/kernel/mm/hugepages.
std::vector<std::string> hugepage_sizes();

}  // namespace berth::cgroup
