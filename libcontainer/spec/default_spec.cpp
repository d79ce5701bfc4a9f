// Builds the `berth spec` template with json::Writer in runc's field order.
// The values are the runtime-spec example's; only rootless mode depends on
// the caller (its euid/egid).
#include "libcontainer/spec/default_spec.hpp"

#include <unistd.h>

#include "libcontainer/json/writer.hpp"

namespace berth::spec {

namespace {

using json::Writer;

const std::vector<std::string> kCaps = {"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"};

void write_process(Writer& w, const SpecOptions& o) {
  w.key("process").begin_object();
  w.field_bool("terminal", o.terminal);
  w.key("user").begin_object().field_uint("uid", o.uid).field_uint("gid", o.gid);
  if (!o.additional_gids.empty()) {
    w.key("additionalGids").begin_array();
    for (uint32_t g : o.additional_gids) w.uint64(g);
    w.end_array();
  }
  w.end_object();
  w.field_strings("args", o.args);
  w.field_strings("env", o.env);
  w.field("cwd", o.cwd);
  w.key("capabilities").begin_object();
  for (const char* set : {"bounding", "effective", "permitted", "ambient"}) w.field_strings(set, kCaps);
  w.end_object();
  w.key("rlimits").begin_array();
  w.begin_object().field("type", "RLIMIT_NOFILE").field_uint("hard", 1024).field_uint("soft", 1024).end_object();
  w.end_array();
  w.field_bool("noNewPrivileges", true);
  w.end_object();
}

void write_mount(Writer& w, const char* dst, const char* type, const char* src,
                 const std::vector<std::string>& options) {
  w.begin_object().field("destination", dst).field("type", type).field("source", src);
  if (!options.empty()) w.field_strings("options", options);
  w.end_object();
}

void write_mounts(Writer& w, bool rootless, const std::vector<SpecOptions::Mount>& extra) {
  w.key("mounts").begin_array();
  write_mount(w, "/proc", "proc", "proc", {});
  write_mount(w, "/dev", "tmpfs", "tmpfs", {"nosuid", "strictatime", "mode=755", "size=65536k"});
  // gid=5 names the host's tty group, which a rootless user cannot map.
  std::vector<std::string> pts = {"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"};
  if (!rootless) pts.push_back("gid=5");
  write_mount(w, "/dev/pts", "devpts", "devpts", pts);
  write_mount(w, "/dev/shm", "tmpfs", "shm", {"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"});
  write_mount(w, "/dev/mqueue", "mqueue", "mqueue", {"nosuid", "noexec", "nodev"});
  // A user namespace that does not own the network namespace may not mount
  // sysfs, so rootless binds the host's.
  if (rootless)
    write_mount(w, "/sys", "none", "/sys", {"rbind", "nosuid", "noexec", "nodev", "ro"});
  else
    write_mount(w, "/sys", "sysfs", "sysfs", {"nosuid", "noexec", "nodev", "ro"});
  write_mount(w, "/sys/fs/cgroup", "cgroup", "cgroup", {"nosuid", "noexec", "nodev", "relatime", "ro"});
  for (const auto& m : extra) write_mount(w, m.destination.c_str(), m.type.c_str(), m.source.c_str(), m.options);
  w.end_array();
}

void write_id_mapping(Writer& w, const char* key, uint64_t host_id) {
  w.key(key).begin_array();
  w.begin_object().field_uint("containerID", 0).field_uint("hostID", host_id).field_uint("size", 1).end_object();
  w.end_array();
}

void write_linux(Writer& w, bool rootless) {
  w.key("linux").begin_object();
  if (rootless) {
    write_id_mapping(w, "uidMappings", ::geteuid());
    write_id_mapping(w, "gidMappings", ::getegid());
  } else {
    w.key("resources").begin_object().key("devices").begin_array();
    w.begin_object().field_bool("allow", false).field("access", "rwm").end_object();
    w.end_array().end_object();
  }
  w.key("namespaces").begin_array();
  std::vector<const char*> ns = {"pid", "network", "ipc", "uts", "mount"};
  if (rootless) {
    ns.erase(ns.begin() + 1);
    ns.push_back("user");
  }
  for (const char* t : ns) w.begin_object().field("type", t).end_object();
  w.end_array();
  w.field_strings("maskedPaths",
                  {"/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                   "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"});
  w.field_strings("readonlyPaths", {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"});
  w.end_object();
}

}  // namespace

std::string spec_json(const SpecOptions& o) {
  Writer w(Writer::Options{"\t", true});
  w.begin_object();
  w.field("ociVersion", "1.0.2-dev");
  write_process(w, o);
  w.key("root").begin_object().field("path", "rootfs").field_bool("readonly", o.readonly_root).end_object();
  w.field("hostname", o.hostname);
  write_mounts(w, o.rootless, o.extra_mounts);
  if (!o.annotations.empty()) {
    w.key("annotations").begin_object();
    for (const auto& [k, v] : o.annotations) w.field(k, v);
    w.end_object();
  }
  write_linux(w, o.rootless);
  w.end_object();
  return w.take();
}

std::string default_spec_json(bool rootless) {
  SpecOptions o;
  o.rootless = rootless;
  return spec_json(o);
}

}  // namespace berth::spec
