// The state directory; see store.hpp.
#include "libcontainer/state/store.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "libcontainer/cgroup/container_cgroups.hpp"
#include "libcontainer/child/init_name.hpp"
#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"

namespace berth::state {

Status validate_id(const std::string& id) {
  if (id.empty()) return Error(Code::Config, "container id cannot be empty");
  if (id == "." || id == "..") return Error(Code::Config, "invalid container id format: " + id);
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '+' ||
              c == '-' || c == '.';
    if (!ok) return Error(Code::Config, "invalid container id format: " + id);
  }
  if (id.size() > 1024) return Error(Code::Config, "container id is too long");
  return {};
}

const char* status_name(RunState s) {
  switch (s) {
    case RunState::Creating: return "creating";
    case RunState::Created: return "created";
    case RunState::Running: return "running";
    case RunState::Stopped: return "stopped";
    case RunState::Paused: return "paused";
  }
  return "unknown";
}

Result<UniqueFd> Store::claim(const std::string& id) const {
  Status r = kernel_.make_dir(root_, 0711);
  if (!r.ok() && r.error().sys_errno() == ENOENT) {
    // As runc: a --root whose parents are missing is made with them.
    for (size_t slash = root_.find('/', 1); slash != std::string::npos; slash = root_.find('/', slash + 1)) {
      Status p = kernel_.make_dir(root_.substr(0, slash), 0755);
      if (!p.ok() && p.error().sys_errno() != EEXIST) return std::move(p).error().context("create the state root");
    }
    r = kernel_.make_dir(root_, 0711);
  }
  if (!r.ok() && r.error().sys_errno() != EEXIST) return std::move(r).error().context("create the state root");
  std::string d = dir(id);
  Status c = kernel_.make_dir(d, 0711);
  if (!c.ok()) {
    if (c.error().sys_errno() == EEXIST) return Error(Code::Exists, "container with id exists: " + id);
    return std::move(c).error().context("create the state directory");
  }
  auto fd = kernel_.open_locked_dir(d);
  if (!fd.ok()) (void)kernel_.remove_tree(d);  // the claim is ours: give it back
  return fd;
}

Result<UniqueFd> Store::lock(const std::string& id) const {
  BERTH_CHECK(validate_id(id));
  std::string d = dir(id);
  auto fd = kernel_.open_locked_dir(d);
  if (!fd.ok() && fd.error().sys_errno() == ENOENT) return Error(Code::NotFound, "container does not exist");
  return fd;
}

Result<ContainerState> Store::read(const std::string& id) const {
  BERTH_CHECK(validate_id(id));
  std::string d = dir(id);
  auto s = read_record(d);
  if (!s && s.error().sys_errno() == ENOENT) {
    struct stat st;
    if (stat(d.c_str(), &st) != 0) return Error(Code::NotFound, "container does not exist");
  } else if (!s) {
    return s;
  }
  if (!s || s->phase != Phase::Created) return Error(Code::Busy, "container " + id + " is being created");
  return s;
}

std::vector<std::string> Store::list_ids() const {
  std::vector<std::string> ids;
  DIR* d = opendir(root_.c_str());
  if (!d) return ids;
  while (dirent* e = readdir(d)) {
    if (e->d_name[0] == '.') continue;
    if (e->d_type == DT_DIR || e->d_type == DT_UNKNOWN) ids.emplace_back(e->d_name);
  }
  closedir(d);
  std::sort(ids.begin(), ids.end());
  return ids;
}

Status Store::remove(const std::string& id) const { return kernel_.remove_tree(dir(id)); }

std::optional<ExitRecord> read_exit_record(const std::string& dir) {
  auto text = read_file(dir + "/exit.json");
  if (!text) return std::nullopt;
  auto doc = json::Document::parse(*text);
  if (!doc) return std::nullopt;
  ExitRecord r;
  int64_t i;
  if (doc->root().get("exitCode").to_int64(i)) r.exit_code = int(i);
  if (doc->root().get("signal").to_int64(i)) r.signal = int(i);
  r.exited_at = std::string(doc->root().get("exitedAt").as_string());
  json::Value l = doc->root().get("limitations");
  for (size_t k = 0; k < l.size(); k++)
    if (l.value_at(k).to_int64(i)) r.limitations[std::string(l.key_at(k))] = i;
  return r;
}

RunState current_status(const Store& store, const ContainerState& s) {
  std::string d = store.dir(s.id);
  struct stat st;
  if (stat((d + "/exit.json").c_str(), &st) == 0) return RunState::Stopped;
  std::string comm;
  if (s.pid <= 0 || store.kernel().start_time(s.pid, &comm) != s.init_start_time) return RunState::Stopped;
  // Frozen by `pause` (created or running), as runc reports it.
  if (cgroup::ContainerCgroups::paused(s)) return RunState::Paused;
  // The fifo stays where a `start` was killed after letting the init pass:
  // only an init still at the gate bears its name (berth before this named
  // it so too).
  if (stat((d + "/exec.fifo").c_str(), &st) == 0 && (comm == child::kInitName || comm == "berth"))
    return RunState::Created;
  return RunState::Running;
}

void write_oci_state(json::Writer& w, const ContainerState& s, RunState st) {
  w.begin_object()
      .field("ociVersion", s.oci_version)
      .field("id", s.id)
      .field_int("pid", st == RunState::Stopped ? 0 : s.pid)
      .field("status", status_name(st))
      .field("bundle", s.bundle)
      .field("rootfs", s.rootfs)
      .field("created", s.created)
      .field("owner", s.owner);
  write_annotations(w, s.annotations);
  if (s.limitations.count("oom") && st == RunState::Stopped) w.field_bool("oomKilled", true);
  if (st == RunState::Stopped) write_limitations(w, s.limitations);
  if (s.shim_gone) w.field_bool("shimGone", true);
  for (const auto& [key, json] : s.shown) w.key(key).raw(json);
  w.end_object();
}

void write_limitations(json::Writer& w, const std::map<std::string, int64_t>& limitations) {
  if (limitations.empty()) return;
  w.key("limitations").begin_object();
  for (const auto& [name, count] : limitations) w.field_int(name, count);
  w.end_object();
}

std::string oci_state_json(const ContainerState& s, RunState st, bool pretty) {
  json::Writer w(json::Writer::Options{pretty ? "  " : "", false});
  write_oci_state(w, s, st);
  return w.take();
}

}  // namespace berth::state
