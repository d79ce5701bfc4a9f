// runc's JSON of a container's usage; see usage.hpp.
#include "libcontainer/isolator/usage.hpp"

#include "libcontainer/json/writer.hpp"

namespace berth {

namespace {

void uint_array(json::Writer& w, std::string_view key, const std::vector<uint64_t>& v) {
  if (v.empty()) return;  // omitempty
  w.key(key).begin_array();
  for (uint64_t x : v) w.uint64(x);
  w.end_array();
}

void memory_entry(json::Writer& w, std::string_view key, const MemoryEntry& e) {
  w.key(key).begin_object().field_uint("limit", e.limit);
  if (e.usage) w.field_uint("usage", e.usage);
  if (e.max) w.field_uint("max", e.max);
  w.field_uint("failcnt", e.failcnt).end_object();
}

void blkio_table(json::Writer& w, std::string_view key, const std::vector<BlkioEntry>& t) {
  if (t.empty()) return;
  w.key(key).begin_array();
  for (const auto& e : t) {
    w.begin_object();
    if (e.major) w.field_uint("major", e.major);
    if (e.minor) w.field_uint("minor", e.minor);
    if (!e.op.empty()) w.field("op", e.op);
    if (e.value) w.field_uint("value", e.value);
    w.end_object();
  }
  w.end_array();
}

}  // namespace

void write_usage_json(json::Writer& w, const Usage& s) {
  w.begin_object();
  w.key("cpu").begin_object().key("usage").begin_object();
  if (s.cpu.total) w.field_uint("total", s.cpu.total);
  uint_array(w, "percpu", s.cpu.percpu);
  uint_array(w, "percpu_kernel", s.cpu.percpu_kernel);
  uint_array(w, "percpu_user", s.cpu.percpu_user);
  w.field_uint("kernel", s.cpu.kernel).field_uint("user", s.cpu.user).end_object();
  w.key("throttling").begin_object();
  if (s.throttling.periods) w.field_uint("periods", s.throttling.periods);
  if (s.throttling.throttled_periods) w.field_uint("throttledPeriods", s.throttling.throttled_periods);
  if (s.throttling.throttled_time) w.field_uint("throttledTime", s.throttling.throttled_time);
  w.end_object().end_object();

  const auto& c = s.cpuset;
  w.key("cpuset").begin_object();
  auto u16 = [&](std::string_view key, const std::vector<uint16_t>& v) {
    if (v.empty()) return;
    w.key(key).begin_array();
    for (uint16_t x : v) w.uint64(x);
    w.end_array();
  };
  u16("cpus", c.cpus);
  w.field_uint("cpu_exclusive", c.cpu_exclusive);
  u16("mems", c.mems);
  w.field_uint("mem_hardwall", c.mem_hardwall)
      .field_uint("mem_exclusive", c.mem_exclusive)
      .field_uint("memory_migrate", c.memory_migrate)
      .field_uint("memory_spread_page", c.memory_spread_page)
      .field_uint("memory_spread_slab", c.memory_spread_slab)
      .field_uint("memory_pressure", c.memory_pressure)
      .field_uint("sched_load_balance", c.sched_load_balance)
      .field_int("sched_relax_domain_level", c.sched_relax_domain_level)
      .end_object();

  const auto& m = s.memory;
  w.key("memory").begin_object();
  if (m.cache) w.field_uint("cache", m.cache);
  memory_entry(w, "usage", m.usage);
  memory_entry(w, "swap", m.swap);
  memory_entry(w, "kernel", m.kernel);
  memory_entry(w, "kernelTCP", m.kernel_tcp);
  if (!m.raw.empty()) {
    w.key("raw").begin_object();
    for (const auto& [k, v] : m.raw) w.field_uint(k, v);  // std::map: sorted, as Go prints a map
    w.end_object();
  }
  w.end_object();

  w.key("pids").begin_object();
  if (s.pids.current) w.field_uint("current", s.pids.current);
  if (s.pids.limit) w.field_uint("limit", s.pids.limit);
  w.end_object();

  const auto& b = s.blkio;
  w.key("blkio").begin_object();
  blkio_table(w, "ioServiceBytesRecursive", b.service_bytes);
  blkio_table(w, "ioServicedRecursive", b.serviced);
  blkio_table(w, "ioQueueRecursive", b.queued);
  blkio_table(w, "ioServiceTimeRecursive", b.service_time);
  blkio_table(w, "ioWaitTimeRecursive", b.wait_time);
  blkio_table(w, "ioMergedRecursive", b.merged);
  blkio_table(w, "ioTimeRecursive", b.time);
  blkio_table(w, "sectorsRecursive", b.sectors);
  w.end_object();

  w.key("hugetlb").begin_object();
  for (const auto& [size, h] : s.hugetlb) {
    w.key(size).begin_object();
    if (h.usage) w.field_uint("usage", h.usage);
    if (h.max) w.field_uint("max", h.max);
    w.field_uint("failcnt", h.failcnt).end_object();
  }
  w.end_object();
  // No Intel RDT here, and runc reports no interfaces: its struct and its nil slice.
  w.key("intel_rdt").begin_object().end_object();
  w.key("network_interfaces").null();
  w.end_object();
}

std::string event_json(std::string_view type, const std::string& id, const Usage* data) {
  json::Writer w(json::Writer::Options{"", true});  // Go's encoder: compact, HTML escaped
  w.begin_object().field("type", type).field("id", id);
  if (data) {
    w.key("data");
    write_usage_json(w, *data);
  }
  w.end_object();
  return w.take();
}

}  // namespace berth
