// Mechanism: a container's resource usage read from its cgroup files, into
// a plain struct whose fields are runc's (libcontainer's cgroups.Stats as
// runc 1.1's `events --stats` prints them), and that struct written as
// runc's JSON. Also the OOM notifier: v1 memory.oom_control registered
// through cgroup.event_control with an eventfd, v2 memory.events watched
// with inotify (an event per rise of its oom_kill count).
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

#include "libcontainer/cgroup/journal.hpp"
#include "libcontainer/error/error.hpp"
#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::json {
class Writer;
}

namespace berth::cgroup {

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

struct Stats {
  bool v2 = false;  // read from a cgroup2 leaf
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
    uint64_t oom_kill = 0;  // v2 memory.events, v1 memory.oom_control (0 where absent)
  } memory;
  struct {
    uint64_t current = 0, limit = 0;  // limit 0: none ("max")
  } pids;
  struct {
    std::vector<BlkioEntry> service_bytes, serviced, queued, service_time, wait_time, merged, time, sectors;
  } blkio;
  std::map<std::string, HugetlbEntry> hugetlb;  // by page size: "2MB"
};

// Every cgroup of the container (its leaves' open dirs) read into one Stats.
Stats read_stats(const std::vector<int>& leaf_fds);

// runc's `data` object of a stats event (types.Stats, with its omitempty
// rules), written as one value.
void write_stats_json(json::Writer& w, const Stats& s);
// The whole event line without the newline: {"type":TYPE,"id":ID[,"data":...]}.
std::string event_json(std::string_view type, const std::string& id, const Stats* data);

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

// OOM notification for one container. fd() is pollable (POLLIN); after it
// is readable, take() says how many OOM events happened since the last
// call (0 for a spurious wake), and gone() whether the memory cgroup was
// removed.
class OomWatch {
 public:
  // Code::Unsupported when the container has no memory cgroup.
  static Result<OomWatch> open(sys::Kernel& k, const std::vector<JournalEntry>& leaves);
  int fd() const { return fd_.get(); }
  uint64_t take();
  bool gone() const { return gone_; }

 private:
  UniqueFd fd_;       // v1: the eventfd; v2: the inotify fd
  UniqueFd dir_;      // the memory cgroup
  UniqueFd control_;  // v1: memory.oom_control, kept open for the registration
  bool v2_ = false;
  bool gone_ = false;
  uint64_t seen_ = 0;  // v2: oom_kill count already reported
};

}  // namespace berth::cgroup
