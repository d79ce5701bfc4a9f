// The command line's side of network/cni: --network, --publish, --cni-conf-dir
// and --cni-bin-dir become the config's run.berth.cni.* annotations (the one
// way a container asks, whoever writes them), and `inspect-network` prints
// what the isolator keeps of a container's networks.
#include <cctype>
#include <unistd.h>

#include <cstdio>

#include "isolators/network/cni/annotations.hpp"
#include "isolators/network/cni/plugins.hpp"
#include "isolators/network/cni/state.hpp"
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
