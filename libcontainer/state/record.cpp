// The container's record (state.json, version 1); see store.hpp.
//
// Durability: each write fsyncs the temp file before the rename, so a record
// is whole after a crash of the host, never empty or cut (a reader would
// call it corrupt and `delete` would refuse it). The directory is not
// fsync'ed: a reboot ends every process, cgroup and mount a record names,
// so an old record, or none (phase "creating" or no record at all, which
// `delete --force` removes), is as good as the lost new one. Only the
// shim's exit record must survive (its rename is fsync'ed too).
#include "libcontainer/state/record.hpp"

#include <unistd.h>

#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"
#include "libcontainer/state/files.hpp"

namespace berth::state {
namespace {

void write_hooks(json::Writer& w, const char* key, const std::vector<spec::Hook>& hooks) {
  if (hooks.empty()) return;
  w.key(key).begin_array();
  for (const auto& h : hooks) {
    w.begin_object().field("path", h.path);
    if (!h.args.empty()) w.field_strings("args", h.args);
    if (h.env) w.field_strings("env", *h.env);  // absent and empty differ (config.hpp)
    if (h.timeout) w.field_int("timeout", *h.timeout);
    w.end_object();
  }
  w.end_array();
}

std::vector<std::string> strings_of(json::Value v) {
  std::vector<std::string> out;
  for (size_t i = 0; i < v.size(); i++) out.emplace_back(v.at(i).as_string());
  return out;
}

std::vector<spec::Hook> read_hooks(json::Value v) {
  std::vector<spec::Hook> out;
  for (size_t i = 0; i < v.size(); i++) {
    json::Value h = v.at(i);
    spec::Hook hook;
    hook.path = std::string(h.get("path").as_string());
    hook.args = strings_of(h.get("args"));
    if (h.get("env").present()) hook.env = strings_of(h.get("env"));
    int64_t t;
    if (h.get("timeout").to_int64(t)) hook.timeout = int(t);
    out.push_back(std::move(hook));
  }
  return out;
}

std::string str(json::Value r, const char* key) { return std::string(r.get(key).as_string()); }

// The fields of version 1, from a record already checked to be one.
ContainerState read_v1(json::Value r) {
  ContainerState s;
  s.phase = r.get("phase").as_string() == "created" ? Phase::Created : Phase::Creating;
  s.oci_version = str(r, "ociVersion");
  s.id = str(r, "id");
  int64_t i;
  uint64_t u;
  if (r.get("pid").to_int64(i)) s.pid = pid_t(i);
  if (r.get("initStartTime").to_uint64(u)) s.init_start_time = u;
  if (r.get("shimPid").to_int64(i)) s.shim_pid = pid_t(i);
  if (r.get("shimStartTime").to_uint64(u)) s.shim_start_time = u;
  s.bundle = str(r, "bundle");
  s.rootfs = str(r, "rootfs");
  s.created = str(r, "created");
  s.owner = str(r, "owner");
  json::Value a = r.get("annotations");
  for (size_t k = 0; k < a.size(); k++)
    s.annotations[std::string(a.key_at(k))] = std::string(a.value_at(k).as_string());
  s.poststart = read_hooks(r.get("poststart"));
  s.poststop = read_hooks(r.get("poststop"));
  s.no_new_keyring = r.get("noNewKeyring").as_bool();
  s.log_path = str(r, "logPath");
  if (r.get("isolation").is_array()) s.isolation = strings_of(r.get("isolation"));
  json::Value iso = r.get("isolators");
  for (size_t k = 0; k < iso.size(); k++) {
    std::string name(iso.key_at(k));
    s.sections[name] = json::to_text(iso.value_at(k));
    s.section_values[name] = iso.value_at(k);
  }
  return s;
}

// The state directory of a berth from before the record: not read (see
// store.hpp), but named, so that its owner knows what to clean by hand.
Error older_berth() {
  return Error(Code::Unsupported,
               "a state directory of an older berth (state.json without berthStateVersion, or pids, beside "
               "cgroups, watch, devices): this berth reads only version " +
                   std::to_string(kRecordVersion) +
                   " records; stop its shim and init, remove its cgroups and the directory by hand");
}

}  // namespace

void write_annotations(json::Writer& w, const std::map<std::string, std::string>& a) {
  if (a.empty()) return;
  w.key("annotations").begin_object();
  for (const auto& [k, v] : a) w.field(k, v);
  w.end_object();
}

std::string format_record(const ContainerState& s) {
  json::Writer w;
  w.begin_object()
      .field_int("berthStateVersion", kRecordVersion)
      .field("phase", s.phase == Phase::Created ? "created" : "creating")
      .field("ociVersion", s.oci_version)
      .field("id", s.id)
      .field_int("pid", s.pid)
      .field_uint("initStartTime", s.init_start_time)
      .field_int("shimPid", s.shim_pid)
      .field_uint("shimStartTime", s.shim_start_time)
      .field("bundle", s.bundle)
      .field("rootfs", s.rootfs)
      .field("created", s.created)
      .field("owner", s.owner);
  write_annotations(w, s.annotations);
  write_hooks(w, "poststart", s.poststart);
  write_hooks(w, "poststop", s.poststop);
  if (s.no_new_keyring) w.field_bool("noNewKeyring", true);
  if (!s.log_path.empty()) w.field("logPath", s.log_path);
  if (s.isolation) w.field_strings("isolation", *s.isolation);
  if (!s.sections.empty()) {
    w.key("isolators").begin_object();
    for (const auto& [name, json] : s.sections) w.key(name).raw(json);
    w.end_object();
  }
  w.end_object();
  return w.take();
}

Result<ContainerState> parse_record(std::string_view text) {
  auto doc = json::Document::parse(text);
  if (!doc) return Error(Code::Internal, "corrupt state record: " + doc.error().message());
  json::Value r = doc->root();
  if (!r.is_object()) return Error(Code::Internal, std::string("corrupt state record: an ") + r.kind_name());
  json::Value v = r.get("berthStateVersion");
  if (!v.present()) return older_berth();
  int64_t version;
  if (!v.to_int64(version) || version != kRecordVersion)
    return Error(Code::Unsupported, "unknown state record version " + json::to_text(v) + " (this berth reads " +
                                        std::to_string(kRecordVersion) + ")");
  json::Value phase = r.get("phase");
  if (phase.as_string() != "creating" && phase.as_string() != "created")
    return Error(Code::Internal, "corrupt state record: phase is not \"creating\" or \"created\"");
  ContainerState s = read_v1(r);
  s.parsed = std::make_shared<const json::Document>(std::move(*doc));
  return s;
}

Result<ContainerState> read_record(const std::string& dir) {
  std::string id = dir.substr(dir.rfind('/') + 1);
  auto text = read_file(dir + "/" + kRecordFile);
  // A create of the berth before the record, cut off, left a pids file only.
  if (!text && text.error().sys_errno() == ENOENT && access((dir + "/pids").c_str(), F_OK) == 0)
    return older_berth().context("state of " + id);
  if (!text) return std::move(text).error().context("state of " + id);
  auto s = parse_record(*text);
  if (!s) return std::move(s).error().context("state of " + id);
  return s;
}

Status write_record(sys::Kernel& kernel, const std::string& dir, const ContainerState& s, Sync sync) {
  std::string path = dir + "/" + kRecordFile, text = format_record(s);
  return (sync == Sync::File    ? kernel.write_file_synced(path, text, 0600)
          : sync == Sync::Spare ? kernel.rewrite_file(path, text, 0600)
                                : kernel.write_file(path, text, 0600))
      .context("save the state record");
}

Result<Record> Record::load(sys::Kernel& kernel, std::string dir) {
  auto st = BERTH_TRY(read_record(dir));
  Record r(kernel, std::move(dir));
  r.st = std::move(st);
  return r;
}

const std::string& Record::section(const std::string& name) const {
  static const std::string kNone;
  auto it = st.sections.find(name);
  return it == st.sections.end() ? kNone : it->second;
}

}  // namespace berth::state
