// network/cni isolator: attaches the container's own network namespace to the
// CNI networks its config asks for (annotations.hpp), with the plugins the
// configurations name, exactly as the CNI specification has a runtime do it.
//
//   prepare    finds each network's configuration and every plugin program,
//              so a missing one is refused before anything is made;
//   provision  keeps each configuration in the state directory (cni/ethN.conf)
//              and journals the attachments in the record, before any ADD;
//   isolate    bind-mounts the init's network namespace on STATE/netns (it
//              lives as long as the container's directory, not its init),
//              then ADDs each network in order, caching each result
//              (cni/ethN.result) for DEL and CHECK;
//   cleanup    DELs every network, in reverse, from the cached configuration
//              and result alone (the configuration directory may have
//              changed, the plugins' own state may be gone), each even when
//              another fails; a network whose DEL failed keeps its files
//              for the next delete to retry (the namespace goes anyway).
//
// A config that joins a network namespace by path is an engine's (podman and
// containerd run CNI themselves): asking for networks there is an error,
// and without the annotations this isolator is not made at all.
#include <sys/mount.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <set>

#include "isolators/network/cni/annotations.hpp"
#include "isolators/network/cni/plugins.hpp"
#include "isolators/network/cni/state.hpp"
#include "isolators/registry.hpp"
#include "libcontainer/isolator/mount_entry.hpp"
#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/state/record.hpp"
#include "libcontainer/text/split.hpp"

namespace berth::isolators {
namespace {

std::string annotation(const spec::Config& c, const char* key) {
  auto it = c.annotations.find(key);
  return it == c.annotations.end() ? "" : it->second;
}

std::string path_of(const char* key) { return std::string("/annotations/") + key; }

using text::split;

// The capability arguments: portMappings from its own annotation, the rest
// from the capabilityArgs object; one JSON object.
Result<std::string> capability_args(const spec::Config& c) {
  std::string ports = annotation(c, cni::kPortMappingsAnnotation);
  std::string more = annotation(c, cni::kCapabilityArgsAnnotation);
  json::Writer w;
  w.begin_object();
  if (!more.empty()) {
    auto doc = json::Document::parse(more);
    if (!doc || !doc->root().is_object())
      return config_error(path_of(cni::kCapabilityArgsAnnotation), "not a JSON object of capability arguments");
    json::Value o = doc->root();
    for (size_t i = 0; i < o.size(); i++)
      if (ports.empty() || o.key_at(i) != "portMappings") w.key(o.key_at(i)).raw(json::to_text(o.value_at(i)));
  }
  if (!ports.empty()) {
    auto doc = json::Document::parse(ports);
    if (!doc || !doc->root().is_array())
      return config_error(path_of(cni::kPortMappingsAnnotation), "not a JSON array of port mappings");
    json::Value a = doc->root();
    for (size_t i = 0; i < a.size(); i++) {
      json::Value m = a.at(i);
      int64_t host = 0, ctr = 0;
      if (!m.get("hostPort").to_int64(host) || !m.get("containerPort").to_int64(ctr) || host < 1 || host > 65535 ||
          ctr < 1 || ctr > 65535)
        return config_error(path_of(cni::kPortMappingsAnnotation) + "/" + std::to_string(i),
                            "a port mapping needs hostPort and containerPort, 1 to 65535");
      std::string_view proto = m.get("protocol").as_string();
      if (m.get("protocol").present() && proto != "tcp" && proto != "udp" && proto != "sctp")
        return config_error(path_of(cni::kPortMappingsAnnotation) + "/" + std::to_string(i) + "/protocol",
                            "the protocol is tcp, udp or sctp");
    }
    w.key("portMappings").raw(json::to_text(a));
  }
  w.end_object();
  return w.take();
}

class NetworkCni final : public Isolator {
 public:
  explicit NetworkCni(sys::Kernel& kernel) : kernel_(kernel) {}
  const char* name() const override { return cni::kSection; }

  Status prepare(const ContainerContext& ctx, Fragment& f) override {
    const auto& c = ctx.config;
    std::string where = path_of(cni::kNetworksAnnotation);
    if (!c.annotations.count(cni::kNetworksAnnotation)) return {};  // made by --isolation alone: nothing asked
    BERTH_CHECK(check_namespace(c));
    std::string conf_dir = annotation(c, cni::kConfDirAnnotation);
    if (conf_dir.empty()) conf_dir = cni::kDefaultConfDir;
    std::string bins = annotation(c, cni::kBinDirAnnotation);
    bin_dirs_ = split(bins.empty() ? cni::kDefaultBinDir : bins, ':');
    caps_ = BERTH_TRY(capability_args(c));
    if (std::string t = annotation(c, cni::kPluginTimeoutAnnotation); !t.empty()) {
      char* end = nullptr;
      long v = strtol(t.c_str(), &end, 10);
      if (*end || v < 1 || v > 3600)
        return config_error(path_of(cni::kPluginTimeoutAnnotation), "is a number of seconds from 1 to 3600, not " + t);
      timeout_ = int(v);
    }
    std::set<std::string> seen;
    for (const auto& n : split(annotation(c, cni::kNetworksAnnotation), ',')) {
      if (n.empty()) return config_error(where, "an empty network name");
      if (!seen.insert(n).second) return config_error(where, "the network " + n + " is named twice");
      auto net = cni::find_network(conf_dir, n);
      if (!net) return std::move(net).error().with_path(where);
      for (const auto& p : net->plugins) {
        auto found = cni::find_plugin(bin_dirs_, p.type, *net);
        if (!found) return std::move(found).error().with_path(where);
      }
      nets_.push_back(std::move(*net));
    }
    std::string etc = annotation(c, cni::kEtcFilesAnnotation);
    if (!etc.empty() && etc != "true" && etc != "false")
      return config_error(path_of(cni::kEtcFilesAnnotation), "is \"true\" or \"false\", not \"" + etc + "\"");
    etc_files_ = etc == "true";
    if (etc_files_) BERTH_CHECK(etc_mounts(ctx, f));
    return {};
  }

  Status provision(const ContainerContext& ctx, Fragment&) override {
    if (nets_.empty()) return {};
    cni::Attachments a;
    a.netns = ctx.state_dir + "/netns";
    a.bin_dirs = bin_dirs_;
    a.capability_args = caps_;
    BERTH_CHECK(kernel_.make_dir(cni::dir(ctx.state_dir), 0700));
    for (size_t i = 0; i < nets_.size(); i++) {
      std::string ifname = "eth" + std::to_string(i);
      BERTH_CHECK(kernel_.write_file(cni::conf_file(ctx.state_dir, ifname), nets_[i].text, 0600));
      a.networks.push_back({nets_[i].name, ifname});
    }
    if (etc_files_) {
      BERTH_CHECK(kernel_.make_dir(cni::etc_dir(ctx.state_dir), 0755));
      for (const char* name : cni::kEtcFiles)
        BERTH_CHECK(kernel_.write_file(cni::etc_dir(ctx.state_dir) + "/" + name, "", 0644));
    }
    a.host_netns = host_netns(ctx.state_dir);
    a.plugin_timeout = timeout_;
    ctx.record->put(cni::kSection, cni::section_json(a));
    BERTH_CHECK(ctx.record->save().context("journal the CNI attachments"));
    // Our own network namespace, where every plugin of this container runs,
    // ADD now and DEL whoever deletes it from wherever: portmap's rules and
    // the bridge's host side are that namespace's.
    return kernel_.bind_namespace(getpid(), "net", a.host_netns);
  }

  Status isolate(const ContainerContext& ctx, Fragment&, pid_t init) override {
    if (nets_.empty()) return {};
    std::string netns = ctx.state_dir + "/netns";
    BERTH_CHECK(kernel_.bind_namespace(init, "net", netns));
    cni::Plugins plugins(kernel_, cni::process_environment(), timeout_);
    for (size_t i = 0; i < nets_.size(); i++) {
      cni::Attachment a{ctx.id, netns, "eth" + std::to_string(i), bin_dirs_, caps_, host_netns(ctx.state_dir)};
      std::string result = BERTH_TRY(plugins.add(nets_[i], a));
      BERTH_CHECK(kernel_.write_file(cni::result_file(ctx.state_dir, a.ifname), result, 0600));
      if (i == 0 && etc_files_) BERTH_CHECK(write_etc_files(ctx, result));
    }
    return {};
  }

  Status cleanup(const std::string& state_dir, const state::ContainerState& record) override {
    auto a = cni::read_section(record);
    if (!a) return {};
    cni::Plugins plugins(kernel_, cni::process_environment(), a->plugin_timeout);
    // Where the ADDs ran, if the create got as far as binding it.
    std::string host = cni::is_namespace_file(a->host_netns) ? a->host_netns : "";
    Error errs(Code::System, "CNI DEL");
    bool failed = false;
    for (auto n = a->networks.rbegin(); n != a->networks.rend(); ++n) {
      std::string conf = cni::conf_file(state_dir, n->ifname), res = cni::result_file(state_dir, n->ifname);
      if (access(conf.c_str(), F_OK) != 0) continue;  // never written, or its DEL is done: no ADD to undo
      auto net = cni::cached_network(state_dir, n->ifname);
      Status s = net ? plugins.del(*net, {record.id, a->netns, n->ifname, a->bin_dirs, a->capability_args, host},
                                   state::read_file(res).value_or(""))
                     : Status(std::move(net).error());
      if (!s.ok()) {
        errs.add_note(s.error().message());
        failed = true;
        continue;
      }
      (void)kernel_.remove_file(res);
      (void)kernel_.remove_file(conf);
    }
    // The namespace goes whatever DEL said: its processes are gone, and with
    // it the container's ends of the veths. A DEL retried later runs
    // without it, as the specification allows.
    for (const std::string& f : {a->netns, a->host_netns}) {
      if (f.empty() || access(f.c_str(), F_OK) != 0) continue;
      Status u = kernel_.unmount(f, MNT_DETACH);
      if (!u.ok() && u.error().sys_errno() != EINVAL && u.error().sys_errno() != ENOENT) return u;
      BERTH_CHECK(kernel_.remove_file(f));
    }
    if (failed) return errs;
    return kernel_.remove_tree(cni::dir(state_dir));
  }

  // A DEL that fails for good (a plugin gone, or broken) would keep the
  // container forever: --force lets it go, and says what may be left.
  std::string abandon(const std::string& state_dir, const state::ContainerState& record) override {
    return cni::undeleted(state_dir, record);
  }

 private:
  static std::string host_netns(const std::string& state_dir) { return cni::dir(state_dir) + "/hostns"; }

  // /etc/hosts, /etc/resolv.conf and /etc/hostname bound from STATE/cni/etc
  // (made empty by provision, written by isolate before the init mounts
  // anything): the isolator's own mounts, after the config's.
  Status etc_mounts(const ContainerContext& ctx, Fragment& f) {
    bool own_mntns = false;
    for (const auto& ns : ctx.config.linux.namespaces)
      if (ns.type == spec::NsType::Mount && ns.path.empty()) own_mntns = true;
    if (!own_mntns)
      return config_error(
          path_of(cni::kEtcFilesAnnotation),
          "the network's /etc files are bind mounts: they need a mount namespace of the container's own");
    for (const char* name : cni::kEtcFiles) {
      spec::Mount m;
      m.destination = std::string("/etc/") + name;
      m.type = "bind";
      m.source = cni::etc_dir(ctx.state_dir) + "/" + name;
      m.options = {"bind"};
      Fragment::Mount out;
      out.m = BERTH_TRY(mount_entry(m, -1, f.arena));
      out.m.kind = child::MountKind::Bind;
      out.m.source = f.arena.str(m.source);
      out.m.source_is_dir = false;
      f.mounts.push_back(std::move(out));
    }
    return {};
  }

  // Written in place: the init binds these very files.
  Status write_etc_files(const ContainerContext& ctx, const std::string& result) {
    std::string hostname = ctx.config.hostname.empty() ? ctx.id : ctx.config.hostname;
    auto files = cni::etc_files(result, hostname, state::read_file("/etc/resolv.conf").value_or(""));
    auto dir = BERTH_TRY(kernel_.open_path(cni::etc_dir(ctx.state_dir)));
    BERTH_CHECK(kernel_.write_at(dir.get(), "hosts", files.hosts));
    BERTH_CHECK(kernel_.write_at(dir.get(), "resolv.conf", files.resolv_conf));
    return kernel_.write_at(dir.get(), "hostname", files.hostname);
  }

  // A network namespace of its own: CNI attaches that one.
  static Status check_namespace(const spec::Config& c) {
    const auto& nss = c.linux.namespaces;
    for (size_t i = 0; i < nss.size(); i++) {
      if (nss[i].type != spec::NsType::Network) continue;
      if (nss[i].path.empty()) return {};
      return config_error("/linux/namespaces/" + std::to_string(i) + "/path",
                          std::string(cni::kNetworksAnnotation) + ": the container joins the network namespace " +
                              nss[i].path +
                              ", whose networks are its maker's (an engine that runs CNI itself); berth attaches "
                              "none there");
    }
    return config_error("/linux/namespaces", std::string(cni::kNetworksAnnotation) +
                                                 ": CNI networks need a network namespace of the container's own "
                                                 "(add {\"type\": \"network\"})");
  }

  sys::Kernel& kernel_;
  std::vector<cni::NetworkList> nets_;
  std::vector<std::string> bin_dirs_;
  std::string caps_;
  bool etc_files_ = false;
  int timeout_ = cni::kDefaultPluginTimeout;
};

Need needs(const spec::Config& c) {
  return Need::required(c.annotations.count(cni::kNetworksAnnotation) ? path_of(cni::kNetworksAnnotation) : "");
}

}  // namespace

extern const Entry kNetworkCni{cni::kSection, needs, [](const Deps& d) -> std::unique_ptr<Isolator> {
                                 return std::make_unique<NetworkCni>(d.kernel);
                               }};

}  // namespace berth::isolators
