// parse_config/load_config and the top level of config.json: ociVersion,
// root, hostname, mounts, hooks and annotations. process, linux and seccomp
// have their own files.
#include "libcontainer/spec/parse.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/spec/parse_internal.hpp"

namespace berth::spec {

using namespace detail;

namespace {

// A config is a few KiB; this only stops a wrong path (a device, a huge
// file) from being read into memory whole.
constexpr off_t kMaxConfigBytes = 64 << 20;

void parse_root(Walker& w, Value top, Root& out) {
  if (!w.require(top, "root")) return;
  Value v = member(top, "root");
  auto s = w.enter("root");
  if (!w.as_object(v)) return;
  if (w.require(v, "path") && w.str(v, "path", out.path) && out.path.empty()) {
    auto sp = w.enter("path");
    w.fail("must not be empty");
  }
  w.boolean(v, "readonly", out.readonly);
}

// uidMappings/gidMappings of an idmapped mount come as a pair.
void parse_mount(Walker& w, Value v, Mount& m) {
  if (w.require(v, "destination") && w.str(v, "destination", m.destination)) {
    auto s = w.enter("destination");
    // A relative destination is relative to "/" (runtime-spec, deprecated;
    // runc accepts it), and ".." is cleaned lexically and stops at "/", as
    // runc's SecureJoin does: later checks that compare destinations
    // ("/dev" bound from the host, proc/sys targets) see the path that is
    // mounted on, and "/tmp/../dev" or "dev/" cannot pass for another one.
    if (m.destination.empty())
      w.fail("must not be empty");
    else
      m.destination = clean_absolute(m.destination);
  }
  w.str(v, "type", m.type);
  w.str(v, "source", m.source);
  w.strings(v, "options", m.options);
  parse_id_mappings(w, v, "uidMappings", m.uid_mappings);
  parse_id_mappings(w, v, "gidMappings", m.gid_mappings);
  bool has_uid = member(v, "uidMappings").present(), has_gid = member(v, "gidMappings").present();
  if (has_uid != has_gid) {
    auto s = w.enter(has_uid ? "gidMappings" : "uidMappings");
    w.fail(has_uid ? "required when uidMappings is given" : "required when gidMappings is given");
  }
}

void parse_hook(Walker& w, Value v, Hook& h) {
  if (w.require(v, "path") && w.str(v, "path", h.path) && !is_absolute(h.path)) {
    auto s = w.enter("path");
    w.fail("must be an absolute path, got " + quoted(h.path));
  }
  w.strings(v, "args", h.args);
  if (Value e = member(v, "env"); e.present() && !e.is_null()) w.strings(v, "env", h.env.emplace());
  int timeout = 0;
  if (w.i32(v, "timeout", timeout)) {
    if (timeout <= 0) {
      auto s = w.enter("timeout");
      w.fail("must be greater than 0, got " + std::to_string(timeout));
    } else {
      h.timeout = timeout;
    }
  }
}

void parse_hooks(Walker& w, Value top, Hooks& out) {
  Value v = member(top, "hooks");
  if (!v.present()) return;
  auto s = w.enter("hooks");
  if (!w.as_object(v)) return;
  const std::pair<const char*, std::vector<Hook>*> lists[] = {
      {"prestart", &out.prestart},
      {"createRuntime", &out.create_runtime},
      {"createContainer", &out.create_container},
      {"startContainer", &out.start_container},
      {"poststart", &out.poststart},
      {"poststop", &out.poststop},
  };
  for (const auto& entry : lists) {
    std::vector<Hook>& list = *entry.second;  // clang 14 cannot capture a structured binding
    list.clear();
    w.each_object(v, entry.first, [&](Value e) { parse_hook(w, e, list.emplace_back()); });
  }
}

void parse_top(Walker& w, Value top, Config& c) {
  if (w.require(top, "ociVersion") && w.str(top, "ociVersion", c.oci_version) && c.oci_version.empty()) {
    auto s = w.enter("ociVersion");
    w.fail("must not be empty");
  }
  parse_root(w, top, c.root);
  if (Value p = member(top, "process"); p.present()) {
    auto s = w.enter("process");
    if (w.as_object(p)) parse_process(w, p, c.process.emplace());
  }
  w.str(top, "hostname", c.hostname);
  w.str(top, "domainname", c.domainname);
  c.mounts.clear();
  w.each_object(top, "mounts", [&](Value m) { parse_mount(w, m, c.mounts.emplace_back()); });
  parse_hooks(w, top, c.hooks);
  if (w.string_map(top, "annotations", c.annotations) && c.annotations.count("")) {
    auto s = w.enter("annotations");
    auto sk = w.enter("");
    w.fail("annotation keys must not be empty");
  }
  if (Value l = member(top, "linux"); l.present()) {
    auto s = w.enter("linux");
    if (w.as_object(l)) parse_linux(w, l, c.linux);
  }
  check_namespace_rules(w, c, top);
}

}  // namespace

Result<Resources> parse_resources(std::string_view json_text) {
  auto doc = json::Document::parse(json_text);
  if (!doc) return std::move(doc).error();
  Walker w;
  Resources r;
  parse_resources_object(w, doc->root(), r);
  BERTH_CHECK(w.finish());
  return r;
}

namespace {

// A document whose top level is an object, walked into a T by fill.
template <typename T, typename Fill>
Result<T> parse_object(std::string_view json_text, Fill fill) {
  auto doc = json::Document::parse(json_text);
  if (!doc) return std::move(doc).error();
  Value top = doc->root();
  if (!top.is_object())
    return config_error("", std::string("expected a JSON object at the top level, got ") + top.kind_name());
  Walker w;
  T out;
  fill(w, top, out);
  BERTH_CHECK(w.finish());
  return out;
}

}  // namespace

Result<Process> parse_process(std::string_view json_text) {
  return parse_object<Process>(json_text, [](Walker& w, Value top, Process& p) { detail::parse_process(w, top, p); });
}

Result<Config> parse_config(std::string_view json_text) {
  return parse_object<Config>(json_text, [](Walker& w, Value top, Config& c) { parse_top(w, top, c); });
}

Result<Config> load_config(const std::string& bundle_dir, std::string* text_out) {
  std::string path = bundle_dir + "/config.json";
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd) {
    int err = errno;
    return Error(err == ENOENT ? Code::NotFound : Code::System, "open " + path, err);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return sys_error(errno, "stat " + path);
  if (!S_ISREG(st.st_mode)) return Error(Code::Config, path + " is not a regular file");
  if (st.st_size > kMaxConfigBytes)
    return Error(Code::Config, path + " is larger than " + std::to_string(kMaxConfigBytes) + " bytes");
  std::string text;
  text.resize(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < text.size()) {
    ssize_t n = ::read(fd.get(), text.data() + got, text.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error(errno, "read " + path);
    if (n == 0) break;  // the file shrank while we read it
    got += static_cast<size_t>(n);
  }
  text.resize(got);
  auto c = parse_config(text).context("load " + path);
  if (c.ok() && text_out) *text_out = std::move(text);
  return c;
}

}  // namespace berth::spec
