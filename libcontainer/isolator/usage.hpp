// What a container uses now, as `berth events --stats` and `berth stats`
// report it: runc's stats (libcontainer's types.Stats, as runc 1.1's
// `events` prints it), filled by the isolators' usage() in the registry's
// order, each writing its part (the cgroups isolator: cpu, cpuset, memory,
// pids, blkio, hugetlb). A part no isolator writes stays empty or 0.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace berth::json {
class Writer;
}

namespace berth {

struct MemoryEntry {
  uint64_t limit = 0, usage = 0, max = 0, failcnt = 0;
};
struct BlkioEntry {
  uint64_t major = 0, minor = 0;
  std::string op;
  uint64_t value = 0;
};
struct HugetlbEntry {
  uint64_t usage = 0, max = 0, failcnt = 0;
};

struct Usage {
  // The cgroup version the cgroups isolator read ("v1" or "v2"); empty
  // when the container has no cgroups.
  std::string cgroup;
  struct {
    uint64_t total = 0, kernel = 0, user = 0;  // nanoseconds
    std::vector<uint64_t> percpu, percpu_kernel, percpu_user;
  } cpu;
  struct {
    uint64_t periods = 0, throttled_periods = 0, throttled_time = 0;  // ns
  } throttling;
  struct {
    std::vector<uint16_t> cpus, mems;
    uint64_t cpu_exclusive = 0, mem_hardwall = 0, mem_exclusive = 0, memory_migrate = 0, memory_spread_page = 0,
             memory_spread_slab = 0, memory_pressure = 0, sched_load_balance = 0;
    int64_t sched_relax_domain_level = 0;
  } cpuset;
  struct {
    uint64_t cache = 0;
    MemoryEntry usage, swap, kernel, kernel_tcp;  // swap: memory+swap, as v1 reports it
    std::map<std::string, uint64_t> raw;          // memory.stat
    bool use_hierarchy = false;
    uint64_t oom_kill = 0;  // 0 where the kernel does not count them
  } memory;
  struct {
    uint64_t current = 0, limit = 0;  // limit 0: none
  } pids;
  struct {
    std::vector<BlkioEntry> service_bytes, serviced, queued, service_time, wait_time, merged, time, sectors;
  } blkio;
  std::map<std::string, HugetlbEntry> hugetlb;  // by page size: "2MB"
};

// runc's `data` object of a stats event (types.Stats, with its omitempty
// rules), written as one value.
void write_usage_json(json::Writer& w, const Usage& u);
// The whole event line without the newline: {"type":TYPE,"id":ID[,"data":...]}.
std::string event_json(std::string_view type, const std::string& id, const Usage* data);

}  // namespace berth
