// berth update: see update.hpp.
#include "runtime/update.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "isolators/registry.hpp"
#include "libcontainer/spec/parse.hpp"
#include "libcontainer/state/files.hpp"

namespace berth::cli {
namespace {

// The flags runc 1.1 has, in its order; all take a value.
constexpr std::pair<const char*, const char*> kFlags[] = {
    {"blkio-weight", "per cgroup block IO weight, 10 to 1000"},
    {"cpu-period", "CPU CFS period (microseconds)"},
    {"cpu-quota", "CPU CFS quota (microseconds per period)"},
    {"cpu-share", "CPU shares (relative weight)"},
    {"cpu-rt-period", "CPU realtime period (microseconds)"},
    {"cpu-rt-runtime", "CPU realtime runtime (microseconds per period)"},
    {"cpuset-cpus", "CPUs to use"},
    {"cpuset-mems", "memory nodes to use"},
    {"kernel-memory", "kernel memory limit (obsolete: ignored with a warning where the kernel has none)"},
    {"kernel-memory-tcp", "kernel TCP memory limit (obsolete)"},
    {"memory", "memory limit, in bytes or with a k, m, g suffix"},
    {"cpu-idle", "1: SCHED_IDLE for the cgroup, 0: default"},
    {"memory-reservation", "memory soft limit"},
    {"memory-swap", "memory plus swap limit; -1 for unlimited swap"},
    {"pids-limit", "maximum number of pids"},
    {"l3-cache-schema", "Intel RDT L3 cache schema (not supported)"},
    {"mem-bw-schema", "Intel RDT memory bandwidth schema (not supported)"},
};

Result<int64_t> integer(const std::string& flag, const std::string& v) {
  char* end;
  errno = 0;
  long long n = strtoll(v.c_str(), &end, 10);
  if (v.empty() || *end || errno) return Error(Code::Config, "--" + flag + ": invalid number \"" + v + "\"");
  return int64_t(n);
}

// runc's RAMInBytes: a number with an optional b, k, m, g, t, p suffix
// (powers of 1024, an optional trailing "b"); -1 stays -1.
Result<int64_t> bytes(const std::string& flag, const std::string& v) {
  if (v == "-1") return int64_t(-1);
  char* end;
  errno = 0;
  double n = strtod(v.c_str(), &end);
  std::string unit(end);
  for (auto& c : unit) c = char(tolower(static_cast<unsigned char>(c)));
  if (!unit.empty() && unit.back() == 'b') unit.pop_back();
  int64_t mul = unit.empty()  ? 1
                : unit == "k" ? 1LL << 10
                : unit == "m" ? 1LL << 20
                : unit == "g" ? 1LL << 30
                : unit == "t" ? 1LL << 40
                : unit == "p" ? 1LL << 50
                              : 0;
  if (end == v.c_str() || errno || mul == 0 || n < 0)
    return Error(Code::Config, "--" + flag + ": invalid size \"" + v + "\"");
  return int64_t(n * double(mul));
}

}  // namespace

void add_update_options(CLI::App* cmd, UpdateFlags& f) {
  cmd->add_option("-r,--resources", f.resources,
                  "a file holding the resources to set (a linux.resources object), or - for stdin");
  for (const auto& [name, help] : kFlags)
    cmd->add_option_function<std::string>(
        std::string("--") + name, [&f, n = std::string(name)](const std::string& v) { f.values[n] = v; }, help);
  cmd->add_option("container-id", f.id, "the container's id")->required();
}

Result<spec::Resources> resources_from_flags(const std::map<std::string, std::string>& values) {
  spec::Resources r;
  auto get = [&](const char* n) -> const std::string* {
    auto it = values.find(n);
    return it == values.end() ? nullptr : &it->second;
  };
  for (const char* n : {"blkio-weight", "l3-cache-schema", "mem-bw-schema"})
    if (get(n)) return Error(Code::Unsupported, std::string("--") + n + " is not supported");
  auto& cpu = r.cpu.emplace();
  auto& mem = r.memory.emplace();
  bool any_cpu = false, any_mem = false;
  const std::pair<const char*, std::optional<uint64_t>*> cpu_u[] = {
      {"cpu-period", &cpu.period}, {"cpu-share", &cpu.shares}, {"cpu-rt-period", &cpu.realtime_period}};
  for (auto& [n, field] : cpu_u)
    if (auto* v = get(n)) {
      int64_t x = BERTH_TRY(integer(n, *v));
      if (x < 0) return Error(Code::Config, std::string("--") + n + ": must not be negative");
      *field = uint64_t(x), any_cpu = true;
    }
  const std::pair<const char*, std::optional<int64_t>*> cpu_i[] = {
      {"cpu-quota", &cpu.quota}, {"cpu-rt-runtime", &cpu.realtime_runtime}, {"cpu-idle", &cpu.idle}};
  for (auto& [n, field] : cpu_i)
    if (auto* v = get(n)) *field = BERTH_TRY(integer(n, *v)), any_cpu = true;
  if (auto* v = get("cpuset-cpus")) cpu.cpus = *v, any_cpu = true;
  if (auto* v = get("cpuset-mems")) cpu.mems = *v, any_cpu = true;
  const std::pair<const char*, std::optional<int64_t>*> mem_b[] = {{"memory", &mem.limit},
                                                                   {"memory-reservation", &mem.reservation},
                                                                   {"memory-swap", &mem.swap},
                                                                   {"kernel-memory", &mem.kernel},
                                                                   {"kernel-memory-tcp", &mem.kernel_tcp}};
  for (auto& [n, field] : mem_b)
    if (auto* v = get(n)) *field = BERTH_TRY(bytes(n, *v)), any_mem = true;
  if (auto* v = get("pids-limit")) r.pids_limit = BERTH_TRY(integer("pids-limit", *v));
  if (!any_cpu) r.cpu.reset();
  if (!any_mem) r.memory.reset();
  return r;
}

Result<int> cmd_update(const Globals& g, const UpdateFlags& f) {
  spec::Resources r;
  if (!f.resources.empty()) {
    std::string text;
    if (f.resources == "-") {
      char buf[65536];
      ssize_t n;
      while ((n = read(0, buf, sizeof buf)) > 0) text.append(buf, size_t(n));
      if (n < 0) return sys_error(errno, "read the resources from stdin");
    } else {
      text = BERTH_TRY(state::read_file(f.resources).context("read the resources"));
    }
    r = BERTH_TRY(
        spec::parse_resources(text).context("resources " + (f.resources == "-" ? "from stdin" : f.resources)));
  } else {
    r = BERTH_TRY(resources_from_flags(f.values));
  }
  // New limits for a container made without the isolator that sets them
  // (--isolation) would be dropped without a word.
  spec::Config change;
  change.linux.resources = r;
  BERTH_CHECK(isolators::check_needs(isolators::recorded_names(g.store().dir(f.id)), change,
                                     "the container was made without it", "/linux/resources"));
  auto isos = isolators_of(g, f.id);
  BERTH_CHECK(launcher::update(g.store(), f.id, r, isos));
  return 0;
}

}  // namespace berth::cli
