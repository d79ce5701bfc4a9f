// The command line's side of network/cni: --network, --publish, --ip,
// --mac-address, --cni-conf-dir and --cni-bin-dir become the config's
// run.berth.cni.* annotations (the one way a container asks, whoever writes
// them), and `inspect-network` prints what the isolator keeps of a
// container's networks.
#include <arpa/inet.h>
#include <cctype>
#include <unistd.h>

#include <cstdio>

#include "isolators/network/cni/annotations.hpp"
#include "isolators/network/cni/plugins.hpp"
#include "isolators/network/cni/state.hpp"
#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"
#include "libcontainer/state/files.hpp"
#include "runtime/commands.hpp"

namespace berth::cli {
namespace {

bool all_digits(const std::string& s) {
  if (s.empty() || s.size() > 5) return false;
  for (char c : s)
    if (!isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// [HOST-IP:]HOST-PORT:CONTAINER-PORT[/PROTO] as a portMappings entry.
Status publish_entry(const std::string& spec, json::Writer& w) {
  std::string s = spec, proto = "tcp", host_ip;
  if (size_t slash = s.rfind('/'); slash != std::string::npos) {
    proto = s.substr(slash + 1);
    s = s.substr(0, slash);
  }
  size_t last = s.rfind(':');
  if (last == std::string::npos) return Error(Code::Config, "--publish " + spec + ": not HOST-PORT:CONTAINER-PORT");
  std::string ctr = s.substr(last + 1), rest = s.substr(0, last), host = rest;
  if (size_t colon = rest.rfind(':'); colon != std::string::npos) {
    host_ip = rest.substr(0, colon);
    host = rest.substr(colon + 1);
    if (host_ip.size() > 2 && host_ip.front() == '[' && host_ip.back() == ']')
      host_ip = host_ip.substr(1, host_ip.size() - 2);
  }
  long hp = all_digits(host) ? std::stol(host) : 0, cp = all_digits(ctr) ? std::stol(ctr) : 0;
  if (hp < 1 || hp > 65535 || cp < 1 || cp > 65535)
    return Error(Code::Config, "--publish " + spec + ": the ports are numbers from 1 to 65535");
  if (proto != "tcp" && proto != "udp" && proto != "sctp")
    return Error(Code::Config, "--publish " + spec + ": the protocol is tcp, udp or sctp, not " + proto);
  w.begin_object().field_int("hostPort", hp).field_int("containerPort", cp).field("protocol", proto);
  if (!host_ip.empty()) w.field("hostIP", host_ip);
  w.end_object();
  return {};
}

// --ip and --mac-address over the capabilityArgs annotation's own keys
// (the flags win): the annotation's new text.
Result<std::string> capability_flags(const CreateFlags& f, const std::string& annotation) {
  json::Writer w;
  w.begin_object();
  if (!annotation.empty()) {
    auto doc = json::Document::parse(annotation);
    if (!doc || !doc->root().is_object())
      return Error(Code::Config, std::string(cni::kCapabilityArgsAnnotation) + ": not a JSON object");
    json::Value o = doc->root();
    for (size_t i = 0; i < o.size(); i++) {
      std::string_view k = o.key_at(i);
      if ((k == "ips" && !f.ips.empty()) || (k == "mac" && !f.mac.empty())) continue;
      w.key(k).raw(json::to_text(o.value_at(i)));
    }
  }
  for (const auto& ip : f.ips) {
    unsigned char buf[sizeof(in6_addr)];
    std::string addr = ip.substr(0, ip.find('/'));
    if (inet_pton(AF_INET, addr.c_str(), buf) != 1 && inet_pton(AF_INET6, addr.c_str(), buf) != 1)
      return Error(Code::Config, "--ip " + ip + ": not an IPv4 or IPv6 address");
  }
  if (!f.ips.empty()) w.field_strings("ips", f.ips);
  if (!f.mac.empty()) {
    unsigned b[6];
    char end;
    if (f.mac.size() != 17 ||
        sscanf(f.mac.c_str(), "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &end) != 6)
      return Error(Code::Config, "--mac-address " + f.mac + ": not a MAC address (xx:xx:xx:xx:xx:xx)");
    if (b[0] & 1) return Error(Code::Config, "--mac-address " + f.mac + ": a multicast address, not an interface's");
    w.field("mac", f.mac);
  }
  w.end_object();
  return w.take();
}

}  // namespace

Status apply_network_flags(const CreateFlags& f, spec::Config& config) {
  auto& a = config.annotations;
  if (!f.networks.empty()) {
    std::string list;
    for (const auto& n : f.networks) list += (list.empty() ? "" : ",") + n;
    a[cni::kNetworksAnnotation] = list;
  }
  if (!f.publish.empty()) {
    if (!a.count(cni::kNetworksAnnotation))
      return Error(Code::Config, "--publish needs a network to publish on (--network)");
    json::Writer w;
    w.begin_array();
    for (const auto& p : f.publish) BERTH_CHECK(publish_entry(p, w));
    w.end_array();
    a[cni::kPortMappingsAnnotation] = w.take();
  }
  if (!f.ips.empty() || !f.mac.empty()) {
    if (!a.count(cni::kNetworksAnnotation))
      return Error(Code::Config,
                   std::string(f.ips.empty() ? "--mac-address" : "--ip") + " needs a network to ask it of (--network)");
    a[cni::kCapabilityArgsAnnotation] = BERTH_TRY(capability_flags(f, a[cni::kCapabilityArgsAnnotation]));
  }
  if (!f.cni_conf_dir.empty()) a[cni::kConfDirAnnotation] = f.cni_conf_dir;
  if (!f.cni_bin_dir.empty()) a[cni::kBinDirAnnotation] = f.cni_bin_dir;
  return {};
}

Result<int> cmd_inspect_network(const Globals& g, const InspectNetworkFlags& f) {
  state::Store store = g.store();
  std::string dir = store.dir(f.id);
  auto st = BERTH_TRY(store.read(f.id));
  auto a = cni::read_section(st);
  json::Writer w;
  w.begin_object().field("id", f.id);
  if (a) w.field("netns", a->netns);
  w.key("networks").raw(cni::report(dir, st));
  if (a && (f.check || f.status)) {
    cni::Plugins plugins(*g.kernel, cni::process_environment(), a->plugin_timeout);
    // --check: each network's CHECK, with its cached result; the first
    // failure is the command's error, naming the network and the plugin.
    if (f.check) w.key("checked").begin_array();
    for (const auto& n : f.check ? a->networks : std::vector<cni::Attachments::Network>{}) {
      auto net = BERTH_TRY(cni::cached_network(dir, n.ifname));
      cni::Attachment at{f.id,        a->netns,           n.ifname,
                         a->bin_dirs, a->capability_args, cni::is_namespace_file(a->host_netns) ? a->host_netns : ""};
      BERTH_CHECK(plugins.check(net, at, state::read_file(cni::result_file(dir, n.ifname)).value_or("")));
      w.string(n.name);
    }
    if (f.check) w.end_array();
    // --status: STATUS of each plugin that speaks CNI 1.1; the others named.
    if (f.status) w.key("status").begin_array();
    for (const auto& n : f.status ? a->networks : std::vector<cni::Attachments::Network>{}) {
      auto net = BERTH_TRY(cni::cached_network(dir, n.ifname));
      std::vector<std::string> skipped;
      BERTH_CHECK(plugins.status(net, a->bin_dirs, &skipped));
      w.begin_object().field("name", n.name).field_strings("withoutStatus", skipped).end_object();
    }
    if (f.status) w.end_array();
  }
  w.end_object();
  std::string out = w.take() + "\n";
  fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace berth::cli
