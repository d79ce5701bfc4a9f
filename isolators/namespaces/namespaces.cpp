// namespaces isolator: which namespaces the init gets new and which it joins
// by path (checked here to be of the right type; the launcher opens them once
// the id is claimed), the hostname and domainname, the time offsets, and the
// user namespace's id maps (written in isolate).
#include <unistd.h>

#include "isolators/registry.hpp"
#include "libcontainer/sys/namespace.hpp"

namespace berth::isolators {
namespace {

bool new_userns(const spec::Config& c) {
  for (const auto& ns : c.linux.namespaces)
    if (ns.type == spec::NsType::User && ns.path.empty()) return true;
  return false;
}

class Namespaces final : public Isolator {
 public:
  explicit Namespaces(sys::Kernel& kernel) : kernel_(kernel) {}
  const char* name() const override { return "namespaces"; }

  Status prepare(const ContainerContext& ctx, Fragment& f) override {
    const auto& c = ctx.config;
    const auto& nss = c.linux.namespaces;
    for (size_t i = 0; i < nss.size(); i++) {
      const auto& ns = nss[i];
      // A look at the file now, so a wrong one is refused before anything is made.
      if (!ns.path.empty())
        BERTH_TRY(sys::open_namespace(ns.type, ns.path, "/linux/namespaces/" + std::to_string(i) + "/path"));
      f.namespaces.push_back({ns.type, ns.path, int(i)});
    }
    // A new uts namespace, or a joined one that is not the runtime's own
    // (runtime-spec: setting the hostname in the runtime's namespace is an error).
    bool own_uts = sys::owns_namespace(c, spec::NsType::Uts);
    if (!c.hostname.empty() && !own_uts)
      return config_error("/hostname", "setting the hostname needs a uts namespace other than the runtime's");
    if (!c.domainname.empty() && !own_uts)
      return config_error("/domainname", "setting the domainname needs a uts namespace other than the runtime's");
    if (!c.hostname.empty()) f.hostname = c.hostname;
    if (!c.domainname.empty()) f.domainname = c.domainname;
    std::string offsets;
    for (const auto& [clock, off] : c.linux.time_offsets)
      offsets += clock + " " + std::to_string(off.secs) + " " + std::to_string(off.nanosecs) + "\n";
    if (!offsets.empty()) f.timens_offsets = offsets;
    return {};
  }

  // An exec'd process joins each namespace of the init's that is not ours
  // (the user namespace must not be: setns refuses one's own).
  Status enter(const EnterContext& ctx, Fragment& f) override {
    for (const auto& ns : ctx.config.linux.namespaces)
      if (sys::differs_from_ours(ctx.init, ns.type)) f.init_namespaces |= uint64_t(sys::clone_flag(ns.type));
    return {};
  }

  Status isolate(const ContainerContext& ctx, Fragment&, pid_t init) override {
    if (!new_userns(ctx.config)) return {};
    const auto& l = ctx.config.linux;
    // A new user namespace without mappings: as crun 1.8.1, container root is
    // the runtime's own uid and gid, one id each (runc 1.1.5 refuses it).
    std::vector<spec::IdMapping> own_uid{{0, geteuid(), 1}}, own_gid{{0, getegid(), 1}};
    const auto& uids = l.uid_mappings.empty() ? own_uid : l.uid_mappings;
    const auto& gids = l.gid_mappings.empty() ? own_gid : l.gid_mappings;
    Status s = kernel_.write_id_map(init, "uid_map", uids);
    if (!s.ok()) return std::move(s).error().with_path("/linux/uidMappings");
    s = kernel_.write_id_map(init, "gid_map", gids);
    if (!s.ok()) return std::move(s).error().with_path("/linux/gidMappings");
    return {};
  }

 private:
  sys::Kernel& kernel_;
};

// Only when the config names a namespace, a hostname, a domainname or
// time offsets: without them it has nothing to do.
Need needs(const spec::Config& c) {
  const char* by = !c.linux.namespaces.empty()     ? "/linux/namespaces"
                   : !c.hostname.empty()           ? "/hostname"
                   : !c.domainname.empty()         ? "/domainname"
                   : !c.linux.time_offsets.empty() ? "/linux/timeOffsets"
                                                   : "";
  return Need::required(by);
}

}  // namespace

extern const Entry kNamespaces{"namespaces", needs, [](const Deps& d) -> std::unique_ptr<Isolator> {
                                 return std::make_unique<Namespaces>(d.kernel);
                               }};

}  // namespace berth::isolators
