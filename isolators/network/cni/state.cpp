// What network/cni keeps of a container; see state.hpp.
#include "isolators/network/cni/state.hpp"

#include <linux/magic.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"
#include "libcontainer/state/files.hpp"

namespace berth::cni {

EtcFiles etc_files(const std::string& result, const std::string& hostname, const std::string& host_resolv) {
  EtcFiles e;
  e.hostname = hostname + "\n";
  e.hosts = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n";
  auto doc = json::Document::parse(result);
  json::Value r = doc ? doc->root() : json::Value();
  json::Value ips = r.get("ips");
  for (size_t i = 0; i < ips.size(); i++) {
    std::string a(ips.at(i).get("address").as_string());
    if (!a.empty()) e.hosts += a.substr(0, a.find('/')) + "\t" + hostname + "\n";
  }
  json::Value dns = r.get("dns");
  json::Value servers = dns.get("nameservers"), search = dns.get("search"), options = dns.get("options");
  if (servers.size() == 0) {
    e.resolv_conf = host_resolv;
    return e;
  }
  if (!dns.get("domain").as_string().empty())
    e.resolv_conf += "domain " + std::string(dns.get("domain").as_string()) + "\n";
  auto line = [&](const char* key, json::Value list) {
    if (list.size() == 0) return;
    e.resolv_conf += key;
    for (size_t i = 0; i < list.size(); i++) e.resolv_conf += " " + std::string(list.at(i).as_string());
    e.resolv_conf += "\n";
  };
  for (size_t i = 0; i < servers.size(); i++)
    e.resolv_conf += "nameserver " + std::string(servers.at(i).as_string()) + "\n";
  line("search", search);
  line("options", options);
  return e;
}

bool is_namespace_file(const std::string& path) {
  struct statfs fs;
  return !path.empty() && statfs(path.c_str(), &fs) == 0 && fs.f_type == NSFS_MAGIC;
}

std::string section_json(const Attachments& a) {
  json::Writer w;
  w.begin_object().field("netns", a.netns).field("hostNetns", a.host_netns).field_strings("binDirs", a.bin_dirs);
  w.key("capabilityArgs").raw(a.capability_args);
  w.field_int("pluginTimeout", a.plugin_timeout);
  w.key("networks").begin_array();
  for (const auto& n : a.networks) w.begin_object().field("name", n.name).field("ifname", n.ifname).end_object();
  w.end_array().end_object();
  return w.take();
}

std::optional<Attachments> read_section(const state::ContainerState& record) {
  auto it = record.sections.find(kSection);
  if (it == record.sections.end()) return std::nullopt;
  auto doc = json::Document::parse(it->second);
  if (!doc) return std::nullopt;
  json::Value r = doc->root();
  Attachments a;
  a.netns = std::string(r.get("netns").as_string());
  a.host_netns = std::string(r.get("hostNetns").as_string());
  int64_t t = 0;
  if (r.get("pluginTimeout").to_int64(t) && t > 0) a.plugin_timeout = int(t);
  json::Value bins = r.get("binDirs"), nets = r.get("networks"), caps = r.get("capabilityArgs");
  for (size_t i = 0; i < bins.size(); i++) a.bin_dirs.emplace_back(bins.at(i).as_string());
  if (caps.is_object()) a.capability_args = json::to_text(caps);
  for (size_t i = 0; i < nets.size(); i++)
    a.networks.push_back(
        {std::string(nets.at(i).get("name").as_string()), std::string(nets.at(i).get("ifname").as_string())});
  return a;
}

namespace {

Result<json::Document> cached_result(const std::string& state_dir, const std::string& ifname) {
  auto text = state::read_file(result_file(state_dir, ifname));
  if (!text) return std::move(text).error();
  return json::Document::parse(*text);
}

// The addresses of a cached ADD result (none without one).
std::vector<std::string> addresses(Result<json::Document>& doc) {
  std::vector<std::string> out;
  if (!doc) return out;
  json::Value ips = doc->root().get("ips");
  for (size_t i = 0; i < ips.size(); i++) out.emplace_back(ips.at(i).get("address").as_string());
  return out;
}

std::string networks_json(const std::string& state_dir, const state::ContainerState& record, bool results) {
  json::Writer w;
  w.begin_array();
  auto a = read_section(record);
  std::string ports = "[]";
  if (a) {
    auto caps = json::Document::parse(a->capability_args);
    if (caps && caps->root().get("portMappings").is_array()) ports = json::to_text(caps->root().get("portMappings"));
  }
  for (const auto& n : a ? a->networks : std::vector<Attachments::Network>{}) {
    w.begin_object().field("name", n.name).field("interface", n.ifname);
    auto doc = cached_result(state_dir, n.ifname);
    w.field_strings("ips", addresses(doc));
    w.key("portMappings").raw(ports);
    if (results && doc)
      w.key("result").raw(json::to_text(doc->root()));
    else if (results)
      w.key("result").null();
    w.end_object();
  }
  w.end_array();
  return w.take();
}

}  // namespace

std::string report(const std::string& state_dir, const state::ContainerState& record) {
  return networks_json(state_dir, record, true);
}

std::string summary(const std::string& state_dir, const state::ContainerState& record) {
  return networks_json(state_dir, record, false);
}

std::string undeleted(const std::string& state_dir, const state::ContainerState& record) {
  auto a = read_section(record);
  std::string out;
  for (const auto& n : a ? a->networks : std::vector<Attachments::Network>{}) {
    if (access(conf_file(state_dir, n.ifname).c_str(), F_OK) != 0) continue;  // its DEL is done
    out += std::string(out.empty() ? "" : ", ") + "network " + n.name + " (" + n.ifname;
    auto doc = cached_result(state_dir, n.ifname);
    for (const auto& ip : addresses(doc)) out += " " + ip;
    out += ")";
  }
  if (out.empty()) return "";
  return "what the CNI plugins made for " + out +
         " to them and the host: addresses, host interfaces and rules "
         "may still be held";
}

}  // namespace berth::cni
