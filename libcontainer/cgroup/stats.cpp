// Cgroup usage; see stats.hpp.
#include "libcontainer/cgroup/stats.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "libcontainer/cgroup/files.hpp"

namespace berth::cgroup {

// ---- parsers ------------------------------------------------------------------

namespace parse {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

// Splits on any of the separators, dropping empty fields.
std::vector<std::string_view> fields(std::string_view s, std::string_view seps = " \t\n") {
  std::vector<std::string_view> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && seps.find(s[i]) != std::string_view::npos) i++;
    size_t j = i;
    while (j < s.size() && seps.find(s[j]) == std::string_view::npos) j++;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<std::string_view> lines(std::string_view s) {
  std::vector<std::string_view> out;
  while (!s.empty()) {
    size_t n = s.find('\n');
    out.push_back(s.substr(0, n));
    if (n == std::string_view::npos) break;
    s.remove_prefix(n + 1);
  }
  return out;
}

std::optional<uint64_t> number(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return std::nullopt;
    uint64_t d = uint64_t(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

}  // namespace

std::optional<uint64_t> uint_value(std::string_view text) {
  text = trim(text);
  if (text == "max") return std::numeric_limits<uint64_t>::max();
  return number(text);
}

std::map<std::string, uint64_t> key_values(std::string_view text) {
  std::map<std::string, uint64_t> out;
  for (auto line : lines(text)) {
    auto f = fields(line);
    if (f.size() != 2) continue;
    if (auto v = uint_value(f[1])) out[std::string(f[0])] = *v;
  }
  return out;
}

std::vector<uint64_t> uint_list(std::string_view text) {
  std::vector<uint64_t> out;
  for (auto f : fields(text))
    if (auto v = number(f)) out.push_back(*v);
  return out;
}

std::vector<uint16_t> cpu_list(std::string_view text) {
  std::vector<uint16_t> out;
  for (auto part : fields(trim(text), ",")) {
    size_t dash = part.find('-');
    auto lo = number(part.substr(0, dash));
    auto hi = dash == std::string_view::npos ? lo : number(part.substr(dash + 1));
    if (!lo || !hi || *hi < *lo || *hi > 65535) continue;
    for (uint64_t c = *lo; c <= *hi; c++) out.push_back(uint16_t(c));
  }
  return out;
}

void usage_all(std::string_view text, std::vector<uint64_t>& kernel, std::vector<uint64_t>& user) {
  auto ls = lines(text);
  for (size_t i = 1; i < ls.size(); i++) {  // line 0: "cpu user system"
    auto f = fields(ls[i]);
    if (f.size() != 3) continue;
    auto u = number(f[1]), s = number(f[2]);
    if (!u || !s) continue;
    user.push_back(*u);
    kernel.push_back(*s);
  }
}

std::vector<BlkioEntry> blkio(std::string_view text) {
  std::vector<BlkioEntry> out;
  for (auto line : lines(text)) {
    auto f = fields(line, " \t:");
    if (f.size() < 3) continue;  // "Total N", blank
    BlkioEntry e;
    auto maj = number(f[0]), min = number(f[1]);
    auto val = number(f.size() == 4 ? f[3] : f[2]);
    if (!maj || !min || !val) continue;
    e.major = *maj, e.minor = *min, e.value = *val;
    if (f.size() == 4) e.op = std::string(f[2]);
    out.push_back(std::move(e));
  }
  return out;
}

void io_stat(std::string_view text, std::vector<BlkioEntry>& bytes, std::vector<BlkioEntry>& ios) {
  for (auto line : lines(text)) {
    auto f = fields(line);
    if (f.empty()) continue;
    size_t colon = f[0].find(':');
    if (colon == std::string_view::npos) continue;
    auto maj = number(f[0].substr(0, colon)), min = number(f[0].substr(colon + 1));
    if (!maj || !min) continue;
    for (size_t i = 1; i < f.size(); i++) {
      size_t eq = f[i].find('=');
      if (eq == std::string_view::npos) continue;
      auto key = f[i].substr(0, eq);
      auto v = number(f[i].substr(eq + 1));
      if (!v) continue;
      std::vector<BlkioEntry>* table = key == "rbytes" || key == "wbytes" ? &bytes
                                       : key == "rios" || key == "wios"   ? &ios
                                                                          : nullptr;
      if (!table) continue;
      table->push_back({*maj, *min, key[0] == 'r' ? "Read" : "Write", *v});
    }
  }
}

}  // namespace parse

// ---- reading a container's cgroups ------------------------------------------------

namespace {

uint64_t read_uint(int dirfd, const std::string& file) {
  return parse::uint_value(read_value(dirfd, file)).value_or(0);
}

// v1 usage_in_bytes & co, v1's MaxUint-like limits kept as the kernel prints them.
MemoryEntry v1_memory_entry(int dirfd, const std::string& prefix) {
  MemoryEntry e;
  e.usage = read_uint(dirfd, prefix + ".usage_in_bytes");
  e.max = read_uint(dirfd, prefix + ".max_usage_in_bytes");
  e.failcnt = read_uint(dirfd, prefix + ".failcnt");
  e.limit = read_uint(dirfd, prefix + ".limit_in_bytes");
  return e;
}

void read_v1(int fd, Usage& s) {
  if (has_file(fd, "cpuacct.usage")) {
    s.cpu.total = read_uint(fd, "cpuacct.usage");
    s.cpu.percpu = parse::uint_list(read_value(fd, "cpuacct.usage_percpu"));
    parse::usage_all(read_value(fd, "cpuacct.usage_all"), s.cpu.percpu_kernel, s.cpu.percpu_user);
    auto kv = parse::key_values(read_value(fd, "cpuacct.stat"));
    long hz = sysconf(_SC_CLK_TCK);
    if (hz <= 0) hz = 100;
    s.cpu.user = kv["user"] * 1000000000ULL / uint64_t(hz);
    s.cpu.kernel = kv["system"] * 1000000000ULL / uint64_t(hz);
  }
  if (has_file(fd, "cpu.cfs_period_us")) {
    auto kv = parse::key_values(read_value(fd, "cpu.stat"));
    s.throttling.periods = kv["nr_periods"];
    s.throttling.throttled_periods = kv["nr_throttled"];
    s.throttling.throttled_time = kv["throttled_time"];
  }
  if (has_file(fd, "cpuset.cpus")) {
    auto& c = s.cpuset;
    c.cpus = parse::cpu_list(read_value(fd, "cpuset.cpus"));
    c.mems = parse::cpu_list(read_value(fd, "cpuset.mems"));
    c.cpu_exclusive = read_uint(fd, "cpuset.cpu_exclusive");
    c.mem_hardwall = read_uint(fd, "cpuset.mem_hardwall");
    c.mem_exclusive = read_uint(fd, "cpuset.mem_exclusive");
    c.memory_migrate = read_uint(fd, "cpuset.memory_migrate");
    c.memory_spread_page = read_uint(fd, "cpuset.memory_spread_page");
    c.memory_spread_slab = read_uint(fd, "cpuset.memory_spread_slab");
    c.memory_pressure = read_uint(fd, "cpuset.memory_pressure");
    c.sched_load_balance = read_uint(fd, "cpuset.sched_load_balance");
    c.sched_relax_domain_level = read_int(fd, "cpuset.sched_relax_domain_level");
  }
  if (has_file(fd, "memory.stat")) {
    auto& m = s.memory;
    m.raw = parse::key_values(read_value(fd, "memory.stat"));
    m.cache = m.raw.count("cache") ? m.raw["cache"] : 0;
    m.usage = v1_memory_entry(fd, "memory");
    // Optional in the kernel (swap accounting, kmem): absent is all 0.
    if (has_file(fd, "memory.memsw.usage_in_bytes")) m.swap = v1_memory_entry(fd, "memory.memsw");
    if (has_file(fd, "memory.kmem.usage_in_bytes")) m.kernel = v1_memory_entry(fd, "memory.kmem");
    if (has_file(fd, "memory.kmem.tcp.usage_in_bytes")) m.kernel_tcp = v1_memory_entry(fd, "memory.kmem.tcp");
    m.use_hierarchy = read_uint(fd, "memory.use_hierarchy") == 1;
    m.oom_kill = parse::key_values(read_value(fd, "memory.oom_control"))["oom_kill"];
  }
  if (has_file(fd, "pids.current")) {
    s.pids.current = read_uint(fd, "pids.current");
    uint64_t max = read_uint(fd, "pids.max");
    s.pids.limit = max == std::numeric_limits<uint64_t>::max() ? 0 : max;
  }
  if (has_file(fd, "blkio.reset_stats")) {
    // As runc: the first group whose first file has entries (bfq with its
    // debug files, bfq, cfq, throttle recursive, throttle).
    auto& b = s.blkio;
    using Table = std::vector<BlkioEntry>;
    const std::vector<std::vector<std::pair<const char*, Table*>>> groups = {
        {{"blkio.bfq.sectors_recursive", &b.sectors},
         {"blkio.bfq.io_service_time_recursive", &b.service_time},
         {"blkio.bfq.io_wait_time_recursive", &b.wait_time},
         {"blkio.bfq.io_merged_recursive", &b.merged},
         {"blkio.bfq.io_queued_recursive", &b.queued},
         {"blkio.bfq.time_recursive", &b.time},
         {"blkio.bfq.io_serviced_recursive", &b.serviced},
         {"blkio.bfq.io_service_bytes_recursive", &b.service_bytes}},
        {{"blkio.bfq.io_serviced_recursive", &b.serviced}, {"blkio.bfq.io_service_bytes_recursive", &b.service_bytes}},
        {{"blkio.sectors_recursive", &b.sectors},
         {"blkio.io_service_time_recursive", &b.service_time},
         {"blkio.io_wait_time_recursive", &b.wait_time},
         {"blkio.io_merged_recursive", &b.merged},
         {"blkio.io_queued_recursive", &b.queued},
         {"blkio.time_recursive", &b.time},
         {"blkio.io_serviced_recursive", &b.serviced},
         {"blkio.io_service_bytes_recursive", &b.service_bytes}},
        {{"blkio.throttle.io_serviced_recursive", &b.serviced},
         {"blkio.throttle.io_service_bytes_recursive", &b.service_bytes}},
        {{"blkio.throttle.io_serviced", &b.serviced}, {"blkio.throttle.io_service_bytes", &b.service_bytes}},
    };
    for (const auto& group : groups) {
      if (parse::blkio(read_value(fd, group[0].first)).empty()) continue;
      for (const auto& [file, table] : group) *table = parse::blkio(read_value(fd, file));
      break;
    }
  }
  for (const auto& size : hugepage_sizes()) {
    std::string p = "hugetlb." + size;
    if (!has_file(fd, (p + ".usage_in_bytes").c_str())) break;
    auto& h = s.hugetlb[size];
    h.usage = read_uint(fd, p + ".usage_in_bytes");
    h.max = read_uint(fd, p + ".max_usage_in_bytes");
    h.failcnt = read_uint(fd, p + ".failcnt");
  }
}

void read_v2(int fd, Usage& s) {
  s.cgroup = "v2";
  auto cpu = parse::key_values(read_value(fd, "cpu.stat"));
  s.cpu.total = cpu["usage_usec"] * 1000;
  s.cpu.user = cpu["user_usec"] * 1000;
  s.cpu.kernel = cpu["system_usec"] * 1000;
  s.throttling.periods = cpu["nr_periods"];
  s.throttling.throttled_periods = cpu["nr_throttled"];
  s.throttling.throttled_time = cpu["throttled_usec"] * 1000;
  if (has_file(fd, "memory.stat")) {
    auto& m = s.memory;
    m.raw = parse::key_values(read_value(fd, "memory.stat"));
    m.cache = m.raw.count("file") ? m.raw["file"] : 0;
    m.use_hierarchy = true;
    m.usage.usage = read_uint(fd, "memory.current");
    m.usage.limit = read_uint(fd, "memory.max");
    // v1 reports memory+swap; runc does the same on v2.
    if (has_file(fd, "memory.swap.current")) {
      m.swap.usage = read_uint(fd, "memory.swap.current");
      m.swap.limit = read_uint(fd, "memory.swap.max");
    }
    m.swap.usage += m.usage.usage;
    if (m.swap.limit != std::numeric_limits<uint64_t>::max()) m.swap.limit += m.usage.limit;
    m.oom_kill = parse::key_values(read_value(fd, "memory.events"))["oom_kill"];
  }
  if (has_file(fd, "pids.current")) {
    s.pids.current = read_uint(fd, "pids.current");
    uint64_t max = read_uint(fd, "pids.max");
    s.pids.limit = max == std::numeric_limits<uint64_t>::max() ? 0 : max;
  } else {
    s.pids.current = read_procs(fd).size();
  }
  if (has_file(fd, "io.stat")) parse::io_stat(read_value(fd, "io.stat"), s.blkio.service_bytes, s.blkio.serviced);
  for (const auto& size : hugepage_sizes()) {
    std::string p = "hugetlb." + size;
    if (!has_file(fd, (p + ".current").c_str())) break;
    auto& h = s.hugetlb[size];
    h.usage = read_uint(fd, p + ".current");
    h.failcnt = parse::key_values(read_value(fd, p + ".events"))["max"];
  }
}

}  // namespace

std::vector<std::string> hugepage_sizes() {
  std::vector<std::string> out;
  DIR* d = opendir("/sys/kernel/mm/hugepages");
  if (!d) return out;
  while (dirent* e = readdir(d)) {
    // "hugepages-2048kB" -> "2MB", as the hugetlb controller names its files.
    const char* n = e->d_name;
    if (strncmp(n, "hugepages-", 10) != 0) continue;
    uint64_t kb = strtoull(n + 10, nullptr, 10);
    const char* unit = "KB";
    if (kb >= (1u << 20) && kb % (1u << 20) == 0)
      kb >>= 20, unit = "GB";
    else if (kb >= 1024 && kb % 1024 == 0)
      kb >>= 10, unit = "MB";
    out.push_back(std::to_string(kb) + unit);
  }
  closedir(d);
  std::sort(out.begin(), out.end());
  return out;
}

void read_stats(const std::vector<int>& leaf_fds, Usage& s) {
  std::vector<int> v1, v2;
  for (int fd : leaf_fds) (has_file(fd, "cgroup.controllers") ? v2 : v1).push_back(fd);
  if (!v1.empty()) {
    s.cgroup = "v1";
    for (int fd : v1) read_v1(fd, s);
  } else if (!v2.empty()) {
    read_v2(v2.front(), s);
  }
}

}  // namespace berth::cgroup
