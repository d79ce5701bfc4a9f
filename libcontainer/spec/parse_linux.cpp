// config.json "linux": namespaces, id mappings, timeOffsets, devices,
// resources.devices, sysctl, propagation, masked/readonly paths; plus the
// rules that tie namespaces to other fields. Resource controllers and other
// spec features berth does not implement are refused by name.
#include <algorithm>
#include <cstring>

#include "libcontainer/spec/parse_internal.hpp"

namespace berth::spec::detail {

namespace {

constexpr uint64_t kLastMappableId = 4294967294;

bool ns_type_from_name(std::string_view name, NsType& out) {
  constexpr NsType kAll[] = {NsType::Pid, NsType::Network, NsType::Mount,  NsType::Ipc,
                             NsType::Uts, NsType::User,    NsType::Cgroup, NsType::Time};
  for (NsType t : kAll) {
    if (name == ns_type_name(t)) {
      out = t;
      return true;
    }
  }
  return false;
}

void parse_namespaces(Walker& w, Value l, std::vector<Namespace>& out) {
  out.clear();
  w.each_object(l, "namespaces", [&](Value v) {
    Namespace ns;
    bool known = false;
    std::string type;
    if (w.require(v, "type") && w.str(v, "type", type)) {
      auto s = w.enter("type");
      known = ns_type_from_name(type, ns.type);
      if (!known) w.fail("unknown namespace type " + quoted(type));
      for (const auto& prev : out) {
        if (known && prev.type == ns.type) {
          w.fail("duplicate namespace type " + quoted(type));
          known = false;
          break;
        }
      }
    }
    if (w.str(v, "path", ns.path) && !ns.path.empty() && !is_absolute(ns.path)) {
      auto s = w.enter("path");
      w.fail("must be an absolute path, got " + quoted(ns.path));
    }
    if (known) out.push_back(std::move(ns));
  });
}

void parse_time_offsets(Walker& w, Value l, std::map<std::string, TimeOffset>& out) {
  Value v = member(l, "timeOffsets");
  if (!v.present()) return;
  auto s = w.enter("timeOffsets");
  if (!w.as_object(v)) return;
  out.clear();
  for (size_t i = 0; i < v.size(); i++) {
    std::string_view clock = v.key_at(i);
    auto sc = w.enter(clock);
    if (clock != "monotonic" && clock != "boottime") {
      w.fail("unknown clock " + quoted(clock) + " (expected \"monotonic\" or \"boottime\")");
      continue;
    }
    Value o = v.value_at(i);
    if (!w.as_object(o)) continue;
    TimeOffset off;
    w.i64(o, "secs", off.secs);
    if (w.u32(o, "nanosecs", off.nanosecs) && off.nanosecs >= 1000000000u) {
      auto sn = w.enter("nanosecs");
      w.fail("must be less than 1000000000, got " + std::to_string(off.nanosecs));
    }
    out[std::string(clock)] = off;
  }
}

void parse_device(Walker& w, Value v, std::vector<Device>& out) {
  Device d;
  std::string type;
  bool typed = false;
  if (w.require(v, "type") && w.str(v, "type", type)) {
    auto s = w.enter("type");
    typed = type.size() == 1 && std::strchr("cbup", type[0]) != nullptr;
    if (typed)
      d.type = type[0];
    else
      w.fail("expected one of \"c\", \"b\", \"u\", \"p\", got " + quoted(type));
  }
  if (w.require(v, "path") && w.str(v, "path", d.path) && !is_absolute(d.path)) {
    auto s = w.enter("path");
    w.fail("must be an absolute path, got " + quoted(d.path));
  }
  // A FIFO has no device number; the others must say which device they are.
  if (typed && d.type != 'p') {
    w.require(v, "major");
    w.require(v, "minor");
  }
  w.i64(v, "major", d.major);
  w.i64(v, "minor", d.minor);
  uint32_t mode;
  if (w.u32(v, "fileMode", mode)) {
    if (mode > 07777) {
      auto s = w.enter("fileMode");
      w.fail("must hold only permission bits (at most 07777), got " + std::to_string(mode));
    }
    d.file_mode = mode;
  }
  uint32_t id;
  if (w.u32(v, "uid", id)) d.uid = id;
  if (w.u32(v, "gid", id)) d.gid = id;
  out.push_back(std::move(d));
}

void parse_device_rule(Walker& w, Value v, std::vector<DeviceRule>& out) {
  DeviceRule r;
  if (w.require(v, "allow")) w.boolean(v, "allow", r.allow);
  if (w.str(v, "type", r.type) && r.type != "a" && r.type != "c" && r.type != "b") {
    auto s = w.enter("type");
    w.fail("expected one of \"a\", \"c\", \"b\", got " + quoted(r.type));
  }
  const std::pair<const char*, std::optional<int64_t>*> nums[] = {{"major", &r.major}, {"minor", &r.minor}};
  for (auto& [name, field] : nums) {
    int64_t n;
    if (!w.i64(v, name, n)) continue;
    // -1 is the wildcard some generators write instead of omitting the field.
    if (n < -1) {
      auto s = w.enter(name);
      w.fail("must be -1 (any) or a device number, got " + std::to_string(n));
    } else if (n >= 0) {
      *field = n;
    }
  }
  // access: required and not empty, as runc 1.1.5 ("device access at N
  // field cannot be empty", absent or ""); r, w and m in any order, repeats
  // allowed, as runc and crun. Another letter is refused (crun's kernel
  // write fails on it; runc drops it unsaid).
  if (w.require(v, "access") && w.str(v, "access", r.access) &&
      (r.access.empty() || r.access.find_first_not_of("rwm") != std::string::npos)) {
    auto s = w.enter("access");
    w.fail("expected a combination of \"r\", \"w\", \"m\", got " + quoted(r.access));
  }
  out.push_back(std::move(r));
}

bool valid_page_size(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && isdigit(static_cast<unsigned char>(s[i]))) i++;
  if (i == 0) return false;
  std::string unit = s.substr(i);
  return unit == "KB" || unit == "MB" || unit == "GB" || unit == "TB" || unit == "PB";
}

BlockIODevice parse_blkio_device(Walker& w, Value d, bool weight) {
  BlockIODevice dev;
  bool ok = w.require(d, "major") & w.require(d, "minor");
  w.i64(d, "major", dev.major);
  w.i64(d, "minor", dev.minor);
  (void)ok;
  if (weight) {
    uint32_t x;
    if (w.u32(d, "weight", x)) dev.weight = uint16_t(x);
    if (w.u32(d, "leafWeight", x)) dev.leaf_weight = uint16_t(x);
  } else if (w.require(d, "rate")) {
    w.u64(d, "rate", dev.rate);
  }
  return dev;
}

BlockIOResources parse_block_io(Walker& w, Value b) {
  BlockIOResources r;
  auto weight = [&](const char* name, std::optional<uint16_t>& out) {
    uint32_t x;
    if (!w.u32(b, name, x)) return;
    if (x == 0) return;  // runc: 0 is "not set"
    if (x < 10 || x > 1000) {
      auto s = w.enter(name);
      w.fail("must be between 10 and 1000, got " + std::to_string(x));
    }
    out = uint16_t(x);
  };
  weight("weight", r.weight);
  weight("leafWeight", r.leaf_weight);
  w.each_object(b, "weightDevice", [&](Value d) { r.weight_device.push_back(parse_blkio_device(w, d, true)); });
  const std::pair<const char*, std::vector<BlockIODevice>*> throttles[] = {
      {"throttleReadBpsDevice", &r.throttle_read_bps},
      {"throttleWriteBpsDevice", &r.throttle_write_bps},
      {"throttleReadIOPSDevice", &r.throttle_read_iops},
      {"throttleWriteIOPSDevice", &r.throttle_write_iops}};
  for (auto& [name, list] : throttles)
    w.each_object(b, name, [&, list = list](Value d) { list->push_back(parse_blkio_device(w, d, false)); });
  return r;
}

}  // namespace

// The linux.resources object itself (also the document `update -r` reads).
void parse_resources_object(Walker& w, Value v, Resources& out) {
  if (!w.as_object(v)) return;
  out = Resources{};
  w.each_object(v, "devices", [&](Value d) { parse_device_rule(w, d, out.devices); });
  if (Value m = member(v, "memory"); m.present() && !m.is_null()) {
    auto sm = w.enter("memory");
    if (w.as_object(m)) {
      MemoryResources r;
      const std::pair<const char*, std::optional<int64_t>*> i64s[] = {{"limit", &r.limit},
                                                                      {"reservation", &r.reservation},
                                                                      {"swap", &r.swap},
                                                                      {"kernel", &r.kernel},
                                                                      {"kernelTCP", &r.kernel_tcp}};
      for (auto& [name, field] : i64s)
        if (int64_t n; w.i64(m, name, n)) *field = n;
      if (uint64_t n; w.u64(m, "swappiness", n)) {
        if (n > 100) {
          auto s = w.enter("swappiness");
          w.fail("must be at most 100, got " + std::to_string(n));
        }
        r.swappiness = n;
      }
      const std::pair<const char*, std::optional<bool>*> bools[] = {{"disableOOMKiller", &r.disable_oom_killer},
                                                                    {"useHierarchy", &r.use_hierarchy},
                                                                    {"checkBeforeUpdate", &r.check_before_update}};
      for (auto& [name, field] : bools)
        if (bool b; w.boolean(m, name, b)) *field = b;
      out.memory = r;
    }
  }
  if (Value c = member(v, "cpu"); c.present() && !c.is_null()) {
    auto sc = w.enter("cpu");
    if (w.as_object(c)) {
      CpuResources r;
      const std::pair<const char*, std::optional<uint64_t>*> u64s[] = {
          {"shares", &r.shares}, {"period", &r.period}, {"realtimePeriod", &r.realtime_period}, {"burst", &r.burst}};
      for (auto& [name, field] : u64s)
        if (uint64_t n; w.u64(c, name, n)) *field = n;
      const std::pair<const char*, std::optional<int64_t>*> i64s[] = {
          {"quota", &r.quota}, {"realtimeRuntime", &r.realtime_runtime}, {"idle", &r.idle}};
      for (auto& [name, field] : i64s)
        if (int64_t n; w.i64(c, name, n)) *field = n;
      w.str(c, "cpus", r.cpus);
      w.str(c, "mems", r.mems);
      out.cpu = r;
    }
  }
  if (Value p = member(v, "pids"); p.present()) {
    auto sp = w.enter("pids");
    int64_t limit;
    if (w.as_object(p) && w.require(p, "limit") && w.i64(p, "limit", limit)) out.pids_limit = limit;
  }
  if (Value b = member(v, "blockIO"); b.present() && !b.is_null()) {
    auto sb = w.enter("blockIO");
    if (w.as_object(b)) out.block_io = parse_block_io(w, b);
  }
  w.each_object(v, "hugepageLimits", [&](Value h) {
    HugepageLimit l;
    if (w.require(h, "pageSize") && w.str(h, "pageSize", l.page_size) && !valid_page_size(l.page_size)) {
      auto s = w.enter("pageSize");
      w.fail("expected a size such as \"2MB\" or \"1GB\", got " + quoted(l.page_size));
    }
    if (w.require(h, "limit")) w.u64(h, "limit", l.limit);
    out.hugepage_limits.push_back(std::move(l));
  });
  if (Value n = member(v, "network"); n.present() && !n.is_null()) {
    auto sn = w.enter("network");
    if (w.as_object(n)) {
      NetworkResources net;
      if (uint32_t id; w.u32(n, "classID", id)) net.class_id = id;
      w.each_object(n, "priorities", [&](Value p) {
        std::string name;
        uint32_t prio = 0;
        bool ok = w.require(p, "name") & w.require(p, "priority");
        ok = w.str(p, "name", name) & w.u32(p, "priority", prio) & ok;
        if (ok) net.priorities.emplace_back(name, prio);
      });
      out.network = net;
    }
  }
  if (Value r = member(v, "rdma"); r.present() && !r.is_null()) {
    auto sr = w.enter("rdma");
    if (w.as_object(r)) {
      for (size_t i = 0; i < r.size(); i++) {
        Value d = r.value_at(i);
        std::string name(r.key_at(i));
        auto sd = w.enter(name);
        if (!w.as_object(d)) continue;
        RdmaLimit lim;
        if (uint32_t x; w.u32(d, "hcaHandles", x)) lim.hca_handles = x;
        if (uint32_t x; w.u32(d, "hcaObjects", x)) lim.hca_objects = x;
        out.rdma[name] = lim;
      }
    }
  }
  if (w.string_map(v, "unified", out.unified)) {
    auto su = w.enter("unified");
    for (const auto& [k, val] : out.unified) {
      // A control file of the container's own cgroup, by name: no path.
      if (k.empty() || k.find('/') != std::string::npos || k == "." || k == ".." || k.find('.') == std::string::npos) {
        auto sk = w.enter(k);
        w.fail("expected a cgroup v2 control file name such as \"memory.high\", got " + quoted(k));
      }
    }
  }
}

namespace {

void parse_resources(Walker& w, Value l, Resources& out) {
  Value v = member(l, "resources");
  if (!v.present()) return;
  auto s = w.enter("resources");
  parse_resources_object(w, v, out);
}

void parse_absolute_paths(Walker& w, Value l, std::string_view name, std::vector<std::string>& out) {
  if (!w.strings(l, name, out)) return;
  auto s = w.enter(name);
  for (size_t i = 0; i < out.size(); i++) {
    if (is_absolute(out[i])) continue;
    auto si = w.enter(i);
    w.fail("must be an absolute path, got " + quoted(out[i]));
  }
}

bool known_propagation(std::string_view p) {
  constexpr const char* kModes[] = {"private", "rprivate", "slave",      "rslave",
                                    "shared",  "rshared",  "unbindable", "runbindable"};
  for (const char* m : kModes)
    if (p == m) return true;
  return false;
}

}  // namespace

void parse_id_mappings(Walker& w, Value obj, std::string_view name, std::vector<IdMapping>& out) {
  out.clear();
  w.each_object(obj, name, [&](Value v) {
    IdMapping m;
    bool all = w.require(v, "containerID") & w.require(v, "hostID") & w.require(v, "size");
    all = w.id(v, "containerID", m.container_id) & w.id(v, "hostID", m.host_id) & w.u32(v, "size", m.size) & all;
    if (all && m.size == 0) {
      auto s = w.enter("size");
      w.fail("must be greater than 0");
    } else if (all) {
      // The range may reach past kMaxId (the whole-range map "0 0 4294967295"
      // is common) but not wrap or include 4294967295, (uid_t)-1; the kernel
      // refuses those with a bare EINVAL at uid_map write time.
      uint64_t last = uint64_t(std::max(m.container_id, m.host_id)) + m.size - 1;
      if (last > kLastMappableId) {
        auto s = w.enter("size");
        w.fail("the range " + std::to_string(std::max(m.container_id, m.host_id)) + "+" + std::to_string(m.size) +
               " reaches past id " + std::to_string(kLastMappableId));
      }
    }
    out.push_back(m);
  });
}

void parse_linux(Walker& w, Value l, Linux& out) {
  parse_namespaces(w, l, out.namespaces);
  parse_id_mappings(w, l, "uidMappings", out.uid_mappings);
  parse_id_mappings(w, l, "gidMappings", out.gid_mappings);
  parse_time_offsets(w, l, out.time_offsets);
  out.devices.clear();
  w.each_object(l, "devices", [&](Value d) { parse_device(w, d, out.devices); });
  w.str(l, "cgroupsPath", out.cgroups_path);
  parse_resources(w, l, out.resources);
  if (w.string_map(l, "sysctl", out.sysctl) && out.sysctl.count("")) {
    auto s = w.enter("sysctl");
    auto sk = w.enter("");
    w.fail("sysctl keys must not be empty");
  }
  if (Value sc = member(l, "seccomp"); sc.present()) {
    auto s = w.enter("seccomp");
    if (w.as_object(sc)) parse_seccomp(w, sc, out.seccomp.emplace());
  }
  if (w.str(l, "rootfsPropagation", out.rootfs_propagation) && !known_propagation(out.rootfs_propagation)) {
    auto s = w.enter("rootfsPropagation");
    w.fail("unknown propagation " + quoted(out.rootfs_propagation) +
           " (expected private, rprivate, slave, rslave, shared, rshared, unbindable or runbindable)");
  }
  parse_absolute_paths(w, l, "maskedPaths", out.masked_paths);
  parse_absolute_paths(w, l, "readonlyPaths", out.readonly_paths);
  w.str(l, "mountLabel", out.mount_label);
  w.refuse_unsupported(l, "intelRdt", "Intel RDT is not implemented");
  parse_memory_policy(w, l, out.memory_policy);
  parse_personality(w, l, out.personality);
  w.refuse_unsupported(l, "netDevices", "moving network devices is not implemented");
}

// Follows runc's validator: mappings need a user namespace; hostname and
// domainname would otherwise change the host's.
void check_namespace_rules(Walker& w, const Config& c, Value top) {
  if (!c.has_namespace(NsType::Uts)) {
    for (const char* name : {"hostname", "domainname"}) {
      if (member(top, name).as_string().empty()) continue;
      auto s = w.enter(name);
      w.fail("requires a uts namespace in /linux/namespaces");
    }
  }
  Value l = member(top, "linux");
  if (!l.is_object()) return;
  auto s = w.enter("linux");
  const Namespace* user = c.find_namespace(NsType::User);
  for (const char* name : {"uidMappings", "gidMappings"}) {
    bool given = member(l, name).present();
    auto sm = w.enter(name);
    if (given && !user) w.fail("requires a user namespace in /linux/namespaces");
    // A new user namespace without mappings is not refused: as crun does, the
    // launcher maps container root to the runtime's own uid/gid (size 1).
  }
  if (member(l, "timeOffsets").present() && !c.has_namespace(NsType::Time)) {
    auto st = w.enter("timeOffsets");
    w.fail("requires a time namespace in /linux/namespaces");
  }
}

}  // namespace berth::spec::detail
