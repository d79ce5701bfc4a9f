// berth events / berth stats: see events.hpp.
#include "runtime/events.hpp"

#include "isolators/registry.hpp"

#include <CLI/CLI.hpp>
#include <cinttypes>
#include <cmath>
#include <cstdio>

#include "libcontainer/launcher/launcher.hpp"

namespace berth::cli {
namespace {

void print_line(const std::string& s) {
  fwrite(s.data(), 1, s.size(), stdout);
  fputc('\n', stdout);
  fflush(stdout);  // a stream read live, often through a pipe or a file
}

// A limit the kernel prints for "none": v2's max, v1's page-rounded INT64_MAX.
bool unlimited(uint64_t v) { return v >= 0x7ffffffffffff000ULL; }

std::string human_bytes(uint64_t v) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double d = double(v);
  int u = 0;
  while (d >= 1024 && u < 6) d /= 1024, u++;
  char buf[64];
  if (u == 0)
    snprintf(buf, sizeof buf, "%" PRIu64 " B", v);
  else
    snprintf(buf, sizeof buf, "%.1f %s (%" PRIu64 " bytes)", d, units[u], v);
  return buf;
}

std::string seconds(uint64_t ns) {
  char buf[64];
  snprintf(buf, sizeof buf, "%" PRIu64 ".%09" PRIu64 "s", ns / uint64_t(1000000000), ns % uint64_t(1000000000));
  return buf;
}

}  // namespace

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  auto bad = [&] { return Error(Code::Config, "--interval: invalid duration \"" + std::string(text) + "\""); };
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) neg = s[0] == '-', s.remove_prefix(1);
  if (s == "0") return std::chrono::nanoseconds(0);
  if (s.empty()) return bad();
  static const std::pair<std::string_view, double> units[] = {{"ns", 1},          {"us", 1e3},  {"\xc2\xb5s", 1e3},
                                                              {"\xce\xbcs", 1e3}, {"ms", 1e6},  {"s", 1e9},
                                                              {"m", 60e9},        {"h", 3600e9}};
  double total = 0;
  while (!s.empty()) {
    size_t i = 0;
    bool digits = false;
    while (i < s.size() && ((s[i] >= '0' && s[i] <= '9') || s[i] == '.')) digits |= s[i] != '.', i++;
    if (!digits) return bad();
    double v = strtod(std::string(s.substr(0, i)).c_str(), nullptr);
    s.remove_prefix(i);
    size_t j = 0;
    while (j < s.size() && !((s[j] >= '0' && s[j] <= '9') || s[j] == '.')) j++;
    std::string_view unit = s.substr(0, j);
    s.remove_prefix(j);
    double mul = 0;
    for (const auto& [name, m] : units)
      if (unit == name) mul = m;
    if (mul == 0) return bad();
    total += v * mul;
  }
  if (total > 9.2e18) return bad();
  return std::chrono::nanoseconds(int64_t(std::llround(neg ? -total : total)));
}

std::string stats_text(const std::string& id, const Usage& s) {
  auto limit = [](uint64_t v) { return unlimited(v) ? std::string("unlimited") : human_bytes(v); };
  std::string out;
  out += "container:   " + id + "\n";
  out += "cgroup:      " + s.cgroup + "\n";
  out += "cpu time:    " + seconds(s.cpu.total) + " (user " + seconds(s.cpu.user) + ", system " +
         seconds(s.cpu.kernel) + ")\n";
  out += "throttling:  " + std::to_string(s.throttling.throttled_periods) + " of " +
         std::to_string(s.throttling.periods) + " periods throttled, " + seconds(s.throttling.throttled_time) +
         " in total\n";
  const auto& m = s.memory;
  out += "memory:      " + human_bytes(m.usage.usage) + " used, limit " + limit(m.usage.limit);
  if (s.cgroup != "v2")
    out += ", max used " + human_bytes(m.usage.max) + ", failcnt " + std::to_string(m.usage.failcnt);
  out += "\n";
  out += "mem+swap:    " + human_bytes(m.swap.usage) + " used, limit " + limit(m.swap.limit) + "\n";
  out += "oom kills:   " + std::to_string(m.oom_kill) + "\n";
  out += "pids:        " + std::to_string(s.pids.current) + ", limit " +
         (s.pids.limit ? std::to_string(s.pids.limit) : std::string("unlimited")) + "\n";
  return out;
}

void add_events_options(CLI::App* cmd, EventsFlags& f) {
  cmd->add_option("--interval", f.interval, "set the stats collection interval (a duration: 5s, 500ms, 1m)")
      ->capture_default_str();
  cmd->add_flag("--stats", f.stats, "display the container's stats then exit");
  cmd->add_option("container-id", f.id, "the container's id")->required();
}

Result<int> cmd_events(const Globals& g, const EventsFlags& f) {
  auto interval = BERTH_TRY(parse_duration(f.interval));
  if (interval.count() <= 0) return Error(Code::Config, "duration interval must be greater than 0");
  auto isos = isolators_of(g, f.id);
  if (f.stats) {
    auto s = BERTH_TRY(launcher::stats(g.store(), f.id, isos));
    print_line(event_json("stats", f.id, &s));
    return 0;
  }
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(interval);
  BERTH_CHECK(launcher::events(g.store(), f.id, isos, ms, print_line));
  return 0;
}

Result<int> cmd_stats(const Globals& g, const std::string& id) {
  auto isos = isolators_of(g, id);
  auto s = BERTH_TRY(launcher::stats(g.store(), id, isos));
  std::string text = stats_text(id, s);
  fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace berth::cli
