// Invoking CNI plugins; see plugins.hpp.
#include "isolators/network/cni/plugins.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>

#include "isolators/network/cni/state.hpp"
#include "libcontainer/json/tree.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/json/writer.hpp"

namespace berth::cni {
namespace {

std::string joined(const std::vector<std::string>& v, const char* sep) {
  std::string s;
  for (const auto& x : v) s += (s.empty() ? "" : sep) + x;
  return s;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  if (s.size() > 512) s = s.substr(0, 512) + "...";
  return s;
}

// A plugin's failure as the specification's error object says it
// ({"code", "msg", "details"} on stdout), else its stderr or status.
std::string failure_text(const sys::ProgramOutput& o) {
  auto doc = json::Document::parse(o.out);
  if (doc && doc->root().is_object()) {
    json::Value r = doc->root();
    std::string msg(r.get("msg").as_string());
    std::string details(r.get("details").as_string());
    int64_t code = 0;
    r.get("code").to_int64(code);
    std::string s = msg.empty() ? "failed" : msg;
    if (!details.empty()) s += ": " + details;
    return s + " (CNI error " + std::to_string(code) + ")";
  }
  std::string err = trimmed(o.err.empty() ? o.out : o.err);
  std::string how = WIFEXITED(o.status) ? "exit status " + std::to_string(WEXITSTATUS(o.status))
                                        : "signal " + std::to_string(WTERMSIG(o.status));
  return err.empty() ? how : err + " (" + how + ")";
}

}  // namespace

std::vector<std::string> process_environment() {
  std::vector<std::string> env;
  for (char** e = environ; e && *e; e++) env.emplace_back(*e);
  return env;
}

Result<NetworkList> cached_network(const std::string& state_dir, const std::string& ifname) {
  std::string conf = conf_file(state_dir, ifname);
  return parse_network(BERTH_TRY(state::read_file(conf)), conf);
}

std::string plugin_stdin(const NetworkList& net, const Plugin& p, const std::string& capability_args,
                         const std::string& prev_result) {
  auto own = json::Document::parse(p.text);
  auto args = json::Document::parse(capability_args);
  json::Writer w;
  w.begin_object();
  if (own) {
    json::Value o = own->root();
    for (size_t i = 0; i < o.size(); i++) {
      std::string_view k = o.key_at(i);
      if (k == "name" || k == "cniVersion" || k == "runtimeConfig" || k == "prevResult") continue;
      w.key(k).raw(json::to_text(o.value_at(i)));
    }
  }
  w.field("name", net.name).field("cniVersion", net.cni_version);
  bool any = false;
  if (args && args->root().is_object()) {
    json::Value a = args->root();
    for (size_t i = 0; i < a.size(); i++) {
      std::string_view k = a.key_at(i);
      if (std::find(p.capabilities.begin(), p.capabilities.end(), k) == p.capabilities.end()) continue;
      if (!any) w.key("runtimeConfig").begin_object();
      any = true;
      w.key(k).raw(json::to_text(a.value_at(i)));
    }
  }
  if (any) w.end_object();
  if (!prev_result.empty()) w.key("prevResult").raw(prev_result);
  w.end_object();
  return w.take();
}

Result<std::string> Plugins::invoke(const NetworkList& net, const Plugin& p, const char* command, const Attachment& a,
                                    const std::string& stdin_conf) {
  std::string path = BERTH_TRY(find_plugin(a.bin_dirs, p.type, net));
  std::vector<std::string> env;
  for (const auto& e : environ_)
    if (e.rfind("CNI_", 0) != 0) env.push_back(e);
  env.push_back(std::string("CNI_COMMAND=") + command);
  env.push_back("CNI_CONTAINERID=" + a.container_id);
  env.push_back("CNI_NETNS=" + a.netns);
  env.push_back("CNI_IFNAME=" + a.ifname);
  env.push_back("CNI_ARGS=");
  env.push_back("CNI_PATH=" + joined(a.bin_dirs, ":"));
  auto o = kernel_.run_program(path, {path}, env, stdin_conf, timeout_s_, a.host_netns);
  std::string where = "CNI network " + net.name + " (" + net.file + "), plugin " + p.type + ", " + command;
  if (!o) return std::move(o).error().context(where);
  if (o->status != 0) return Error(Code::System, where + ": " + failure_text(*o));
  return std::move(o->out);
}

Result<std::string> Plugins::add(const NetworkList& net, const Attachment& a) {
  std::string prev;
  for (const auto& p : net.plugins) {
    std::string out = BERTH_TRY(invoke(net, p, "ADD", a, plugin_stdin(net, p, a.capability_args, prev)));
    auto doc = json::Document::parse(out);
    if (!doc || !doc->root().is_object())
      return Error(Code::System, "CNI network " + net.name + " (" + net.file + "), plugin " + p.type +
                                     ", ADD: its result is not a JSON object: " + trimmed(out));
    prev = std::move(out);
  }
  return prev;
}

Status Plugins::del(const NetworkList& net, const Attachment& a, const std::string& cached) {
  // prevResult on DEL came with 0.4.0; before it, none is passed.
  std::string prev = version_at_least(net.cni_version, "0.4.0") ? cached : "";
  for (auto p = net.plugins.rbegin(); p != net.plugins.rend(); ++p)
    BERTH_TRY(invoke(net, *p, "DEL", a, plugin_stdin(net, *p, a.capability_args, prev)));
  return {};
}

Status Plugins::check(const NetworkList& net, const Attachment& a, const std::string& cached) {
  if (!version_at_least(net.cni_version, "0.4.0"))
    return Error(Code::Unsupported,
                 "CNI network " + net.name + ": CHECK needs cniVersion 0.4.0 or later, it has " + net.cni_version);
  if (net.disable_check) return {};
  if (cached.empty())
    return Error(Code::NotFound, "CNI network " + net.name + ": no cached ADD result to CHECK against");
  for (const auto& p : net.plugins)
    BERTH_TRY(invoke(net, p, "CHECK", a, plugin_stdin(net, p, a.capability_args, cached)));
  return {};
}

Result<std::vector<std::string>> Plugins::versions(const NetworkList& net, const Plugin& p,
                                                   const std::vector<std::string>& bin_dirs) {
  Attachment a;
  a.bin_dirs = bin_dirs;
  json::Writer w;
  w.begin_object().field("cniVersion", net.cni_version).end_object();
  std::string out = BERTH_TRY(invoke(net, p, "VERSION", a, w.take()));
  auto doc = json::Document::parse(out);
  json::Value list = doc ? doc->root().get("supportedVersions") : json::Value();
  if (!list.is_array())
    return Error(Code::System, "CNI plugin " + p.type + ", VERSION: no supportedVersions in " + trimmed(out));
  std::vector<std::string> v;
  for (size_t i = 0; i < list.size(); i++) v.emplace_back(list.at(i).as_string());
  return v;
}

Status Plugins::status(const NetworkList& net, const std::vector<std::string>& bin_dirs,
                       std::vector<std::string>* skipped) {
  Attachment a;
  a.bin_dirs = bin_dirs;
  for (const auto& p : net.plugins) {
    auto v = BERTH_TRY(versions(net, p, bin_dirs));
    if (std::find(v.begin(), v.end(), "1.1.0") == v.end()) {
      if (skipped) skipped->push_back(p.type);
      continue;
    }
    BERTH_TRY(invoke(net, p, "STATUS", a, plugin_stdin(net, p, "{}", "")));
  }
  return {};
}

}  // namespace berth::cni
