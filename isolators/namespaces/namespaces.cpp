// namespaces isolator: which namespaces the init gets new (clone flags) and
// which it joins by path (opened here, checked to be of the right type),
// the user namespace's id maps (written in isolate) and time offsets.
#include <fcntl.h>
#include <sys/stat.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>

#include "isolators/registry.hpp"

namespace berth::isolators {
namespace {

int clone_flag(spec::NsType t) {
  switch (t) {
    case spec::NsType::Pid: return CLONE_NEWPID;
    case spec::NsType::Network: return CLONE_NEWNET;
    case spec::NsType::Mount: return CLONE_NEWNS;
    case spec::NsType::Ipc: return CLONE_NEWIPC;
    case spec::NsType::Uts: return CLONE_NEWUTS;
    case spec::NsType::User: return CLONE_NEWUSER;
    case spec::NsType::Cgroup: return CLONE_NEWCGROUP;
    case spec::NsType::Time: return CLONE_NEWTIME;
  }
  return 0;
}

class Namespaces final : public Isolator {
 public:
  explicit Namespaces(sys::Kernel& kernel) : kernel_(kernel) {}
  const char* name() const override { return "namespaces"; }

  Status prepare(const ContainerContext& ctx, LaunchPlan& plan) override {
    const auto& nss = ctx.config.linux.namespaces;
    auto& ch = plan.child;
    // The user namespace is joined first: the others are owned by it.
    std::vector<size_t> order;
    for (size_t i = 0; i < nss.size(); i++)
      if (nss[i].type == spec::NsType::User)
        order.insert(order.begin(), i);
      else
        order.push_back(i);
    for (size_t i : order) {
      const auto& ns = nss[i];
      int flag = clone_flag(ns.type);
      std::string jp = "/linux/namespaces/" + std::to_string(i) + "/path";
      if (ns.path.empty()) {
        if (ns.type == spec::NsType::Cgroup)
          ch.new_cgroupns = true;
        else if (ns.type == spec::NsType::Time)
          ch.new_timens = true;
        else
          ch.clone_flags |= uint64_t(flag);
        if (ns.type == spec::NsType::User) ch.new_userns = true;
        continue;
      }
      UniqueFd fd(open(ns.path.c_str(), O_RDONLY | O_CLOEXEC));
      if (!fd) return Error(Code::Config, "open namespace " + ns.path, errno, jp);
      int type = ioctl(fd.get(), NS_GET_NSTYPE);
      if (type < 0) return Error(Code::Config, ns.path + " is not a namespace file", errno, jp);
      if (type != flag) return config_error(jp, ns.path + " is not a " + spec::ns_type_name(ns.type) + " namespace");
      if (ch.n_joins >= int(std::size(ch.joins))) return config_error(jp, "too many namespaces to join");
      ch.joins[ch.n_joins++] = child::JoinNs{fd.get(), flag, int(i)};
      plan.owned_fds.push_back(std::move(fd));
    }
    ch.cloner_is_intermediate = ch.n_joins > 0 || ch.new_timens;
    // A new uts namespace, or a joined one that is not the runtime's own
    // (runtime-spec: setting the hostname in the runtime's namespace is an error).
    bool own_uts = ch.clone_flags & CLONE_NEWUTS;
    for (int i = 0; i < ch.n_joins; i++) {
      struct stat a, b;
      if (ch.joins[i].nstype == CLONE_NEWUTS && fstat(ch.joins[i].fd, &a) == 0 && stat("/proc/self/ns/uts", &b) == 0 &&
          (a.st_dev != b.st_dev || a.st_ino != b.st_ino))
        own_uts = true;
    }
    if (!ctx.config.hostname.empty() && !own_uts)
      return config_error("/hostname", "setting the hostname needs a uts namespace other than the runtime's");
    if (!ctx.config.domainname.empty() && !own_uts)
      return config_error("/domainname", "setting the domainname needs a uts namespace other than the runtime's");
    if (!ctx.config.hostname.empty()) ch.hostname = plan.arena.str(ctx.config.hostname);
    if (!ctx.config.domainname.empty()) ch.domainname = plan.arena.str(ctx.config.domainname);
    std::string offsets;
    for (const auto& [clock, off] : ctx.config.linux.time_offsets)
      offsets += clock + " " + std::to_string(off.secs) + " " + std::to_string(off.nanosecs) + "\n";
    if (!offsets.empty()) ch.timens_offsets = plan.arena.str(offsets);
    return {};
  }

  Status isolate(const ContainerContext& ctx, LaunchPlan& plan, pid_t init) override {
    if (!plan.child.new_userns) return {};
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

}  // namespace

std::unique_ptr<Isolator> make_namespaces(sys::Kernel& kernel) { return std::make_unique<Namespaces>(kernel); }

}  // namespace berth::isolators
