// cgroups: the container's cgroup in every mounted hierarchy (as runc and
// crun make one in each, so ps, kill --all and pause see every process),
// the limits of linux.resources, the init placed in it before it unshares
// a cgroup namespace or execs, and everything it made removed on delete.
// What it made is journaled in the container's record before the mkdirs
// (journal.hpp), so a create cut off at any instant is undone by
// `delete --force`.
// This class is the thin part: it makes the cgroups (tree.hpp), places the
// init, and hands each field to its controller (controllers/); the
// container's cgroups, once made or recovered, are one
// cgroup::ContainerCgroups that it owns.
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <set>

#include "isolators/cgroups/controllers/controller.hpp"
#include "isolators/cgroups/mounts.hpp"
#include "isolators/cgroups/tree.hpp"
#include "isolators/registry.hpp"
#include "libcontainer/cgroup/container_cgroups.hpp"
#include "libcontainer/cgroup/files.hpp"
#include "libcontainer/cgroup/journal.hpp"
#include "libcontainer/isolator/mount_entry.hpp"
#include "libcontainer/state/watch_file.hpp"

namespace berth::isolators {
namespace {

using cgroups::Target;

class Cgroups final : public Isolator {
 public:
  Cgroups(sys::Kernel& k, LayoutSource source, Warn warn)
      : kernel_(k), source_(std::move(source)), scope_(k, std::move(warn)), controllers_(cgroups::all_controllers()) {}
  const char* name() const override { return "cgroups"; }

  Status prepare(const ContainerContext& ctx, Fragment& f) override {
    const spec::Linux& l = ctx.config.linux;
    scope_.layout = BERTH_TRY(source_().context("detect the cgroup layout"));
    BERTH_CHECK(check(l.resources));
    if (auto a = ctx.config.annotations.find(cgroups::kJoinBusy); a != ctx.config.annotations.end()) {
      if (a->second != "true" && a->second != "false")
        return Error(Code::Config, "must be \"true\" or \"false\", not \"" + a->second + "\"", 0,
                     std::string("/annotations/") + cgroups::kJoinBusy);
      join_.join_busy = a->second == "true";
    }
    std::vector<std::pair<std::string, std::string>> binds;  // what a cgroup mount shows
    for (const auto& h : scope_.layout.hierarchies) {
      scope_.targets.push_back({&h, cgroup::container_path(h, l.cgroups_path, ctx.id)});
      // Seen in the container where the host has it below /sys/fs/cgroup
      // ("" for a cgroup2 mount on /sys/fs/cgroup itself).
      constexpr std::string_view kBase = "/sys/fs/cgroup";
      std::string_view m = h.mount;
      if (m.substr(0, kBase.size()) != kBase || (m.size() > kBase.size() && m[kBase.size()] != '/')) continue;
      std::string name(m.substr(std::min(m.size(), kBase.size() + 1)));
      binds.emplace_back(name, scope_.targets.back().dir());
    }
    return cgroups::add_mounts(ctx.config, binds, f);
  }

  Status provision(const ContainerContext& ctx, Fragment& f) override {
    scope_.state_dir = ctx.state_dir;
    scope_.record = ctx.record;
    auto leaves = BERTH_TRY(cgroups::make_cgroups(scope_, join_));
    own(cgroup::ContainerCgroups(kernel_, std::move(leaves), 0));
    // The init is cloned straight into its cgroup2 cgroup; the fd stays
    // open (in the isolator) until the init exists.
    if (Target* u = scope_.unified()) f.cgroup_fd = u->fd;
    give_joins(f);
    for (auto& c : controllers_) BERTH_CHECK(c->create(scope_, ctx.config.linux));
    return {};
  }

  // The init joined its v1 leaves itself (give_joins) and was cloned into
  // its cgroup2 leaf: a write here is for what neither covered (a kernel or
  // cgroup that refused CLONE_INTO_CGROUP), as it waits for a grace period.
  Status isolate(const ContainerContext&, Fragment&, pid_t init) override {
    for (size_t i = 0; i < scope_.targets.size(); i++) {
      const Target& t = scope_.targets[i];
      if (i < tasks_.size() && tasks_[i]) continue;
      auto procs = t.h->v2 ? cgroup::read_procs(t.fd) : std::vector<pid_t>{};
      if (std::find(procs.begin(), procs.end(), init) != procs.end()) continue;
      BERTH_CHECK(cgroup::add_process(kernel_, t.fd, init).context("join the cgroup " + t.h->mount + t.path));
    }
    return {};
  }

  // The counters that say why a container ended: the OOM kills in its
  // memory cgroup (v1 memory.oom_control and v2 memory.events both count
  // "oom_kill", Linux 4.13+) and the forks its pids cgroup refused.
  // Each from its value now: a cgroup we joined, or one with a past, does
  // not start at 0.
  Status watch(const ContainerContext&, std::vector<Watch>& out) override {
    auto add = [&](const char* limitation, Target* t, const char* file, const char* key) {
      std::string text = cgroup::read_value(t->fd, file);
      out.push_back({limitation, t->dir() + "/" + file, key, state::watch_file::counter(text.c_str(), key)});
    };
    if (Target* t = scope_.target_for("memory"))
      add("oom", t, t->h->v2 ? "memory.events" : "memory.oom_control", "oom_kill");
    if (Target* t = scope_.target_for("pids")) add("pids", t, "pids.events", "max");
    return {};
  }

  // The container's cgroups again, as its state directory records them:
  // each still mounted, each holding the init while it lives. An init
  // moved out (by hand, or by another manager) would make update and stats
  // act on a cgroup that no longer holds the container, so that is an
  // error.
  Status recover(const std::string& state_dir, pid_t init) override {
    scope_.layout = BERTH_TRY(source_().context("detect the cgroup layout"));
    scope_.state_dir = state_dir;
    auto c = cgroup::ContainerCgroups::open(kernel_, state_dir, init);
    for (const auto& l : c.leaves())
      if (!hierarchy_at(l.mount))
        return Error(Code::NotFound, "the cgroup hierarchy " + l.mount + " is no longer mounted");
    BERTH_CHECK(c.check());
    own(std::move(c));
    return {};
  }

  // `berth update`: new values for the recovered cgroups. JSON paths are
  // those of the resources document.
  Status update(const std::string&, const spec::Resources& r) override {
    scope_.json_root = "";
    scope_.live = true;
    if (scope_.targets.empty()) return Error(Code::NotFound, "the container has no cgroups to update");
    BERTH_CHECK(check(r));
    for (auto& c : controllers_) BERTH_CHECK(c->update(scope_, r));
    return {};
  }

  Status usage(const std::string&, Usage& out) override {
    if (cgroups_ && !cgroups_->empty()) cgroups_->read_usage(out);
    return {};
  }

  // An exec'd process joins the container's cgroups (or sub-cgroups of
  // them, `exec --cgroup`): born in the cgroup2 one, the v1 ones joined by
  // their `tasks` before it enters the container's cgroup namespace.
  Status enter(const EnterContext& ctx, Fragment& f) override {
    scope_.layout = BERTH_TRY(source_().context("detect the cgroup layout"));
    auto c = cgroup::ContainerCgroups::open(kernel_, ctx.record, ctx.init);
    BERTH_CHECK(c.check());
    auto subs = BERTH_TRY(parse_sub_cgroups(ctx.sub_cgroups));
    std::set<std::string> used;
    tasks_.clear();
    for (const auto& l : c.leaves()) {
      const cgroup::Hierarchy* h = hierarchy_at(l.mount);
      if (!h) return Error(Code::NotFound, "the cgroup hierarchy " + l.mount + " is no longer mounted");
      std::string sub = sub_for(*h, subs, used);
      UniqueFd dir = BERTH_TRY(open_below(l, sub));
      if (h->v2) {
        f.cgroup_fd = dir.get();
      } else {
        UniqueFd t(openat(dir.get(), "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
        if (!t) return sys_error(errno, "open " + l.dir() + (sub.empty() ? "" : "/" + sub) + "/tasks");
        f.cgroup_joins.push_back({t.get(), l.dir()});
        tasks_.push_back(std::move(t));
      }
      tasks_.push_back(std::move(dir));
    }
    for (const auto& [key, path] : subs)
      if (!used.count(key))
        return Error(Code::Config, "--cgroup " + (key.empty() ? "" : key + ":") + path + ": the container has " +
                                       (key.empty() ? "no cgroup" : "no cgroup with the controller " + key));
    return {};
  }

  Status cleanup(const std::string&, const state::ContainerState& record) override {
    return cgroups::remove_cgroups(kernel_, record);
  }

 private:
  // Each v1 leaf's `tasks`, for the init to join it itself (plan.hpp,
  // CgroupJoin). One that cannot be opened is joined by isolate().
  void give_joins(Fragment& f) {
    tasks_.clear();
    for (const auto& t : scope_.targets) {
      UniqueFd fd;
      if (!t.h->v2) fd.reset(openat(t.fd, "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
      if (fd) f.cgroup_joins.push_back({fd.get(), t.dir()});
      tasks_.push_back(std::move(fd));
    }
  }

  // `exec --cgroup [CONTROLLER[,CONTROLLER...]:]PATH`, as runc's: by
  // controller ("" for every hierarchy none names).
  static Result<std::map<std::string, std::string>> parse_sub_cgroups(const std::vector<std::string>& args) {
    std::map<std::string, std::string> subs;
    for (const auto& a : args) {
      size_t colon = a.find(':');
      std::string path = colon == std::string::npos ? a : a.substr(colon + 1);
      std::string list = colon == std::string::npos ? "" : a.substr(0, colon);
      if (path.empty()) return Error(Code::Config, "--cgroup " + a + ": no path");
      for (size_t at = 0; at <= list.size();) {
        size_t end = std::min(list.find(',', at), list.size());
        std::string key = list.substr(at, end - at);
        if (!subs.emplace(key, path).second)
          return Error(Code::Config,
                       "--cgroup " + a + ": " + (key.empty() ? "a path" : "the controller " + key) + " is given twice");
        at = end + 1;
      }
    }
    return subs;
  }

  // The sub-cgroup for h: named by one of its controllers, else the default.
  static std::string sub_for(const cgroup::Hierarchy& h, const std::map<std::string, std::string>& subs,
                             std::set<std::string>& used) {
    for (const auto& c : h.controllers)
      if (auto it = subs.find(c); it != subs.end()) {
        used.insert(c);
        return it->second;
      }
    auto it = subs.find("");
    if (it == subs.end()) return "";
    used.insert("");
    return it->second;
  }

  // The leaf, or an existing cgroup below it (never above: no "..", no
  // symlink, as the kernel's cgroupfs has none anyway).
  static Result<UniqueFd> open_below(const cgroup::Leaf& l, const std::string& sub) {
    open_how how{};
    how.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC;  // clone3 takes no O_PATH fd
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
    std::string rel = sub;
    while (!rel.empty() && rel[0] == '/') rel.erase(0, 1);
    if (rel.empty()) rel = ".";
    UniqueFd fd(int(syscall(SYS_openat2, l.fd.get(), rel.c_str(), &how, sizeof how)));
    if (!fd) return sys_error(errno, "open the cgroup " + l.dir() + (sub.empty() ? "" : "/" + rel));
    return fd;
  }

  // Every controller's check, before any write.
  Status check(const spec::Resources& r) {
    for (auto& c : controllers_) BERTH_CHECK(c->check(scope_, r));
    return {};
  }

  const cgroup::Hierarchy* hierarchy_at(const std::string& mount) const {
    for (const auto& h : scope_.layout.hierarchies)
      if (h.mount == mount) return &h;
    return nullptr;
  }

  // The container's cgroups from now on; the controllers' targets are its
  // leaves.
  void own(cgroup::ContainerCgroups c) {
    cgroups_.emplace(std::move(c));
    scope_.targets.clear();
    for (const auto& l : cgroups_->leaves()) scope_.targets.push_back({hierarchy_at(l.mount), l.path, l.fd.get()});
  }

  sys::Kernel& kernel_;
  LayoutSource source_;
  cgroups::Scope scope_;
  cgroups::JoinPolicy join_;
  std::vector<std::unique_ptr<cgroups::Controller>> controllers_;
  std::optional<cgroup::ContainerCgroups> cgroups_;
  std::vector<UniqueFd> tasks_;  // by target: the v1 leaves' `tasks` the init writes itself into
};

// Every container, as runc gives each its cgroups (ps, pause and kill --all
// act through them); required by the fields only it realises.
Need needs(const spec::Config& c) {
  const spec::Resources& r = c.linux.resources;
  std::string by = !c.linux.cgroups_path.empty() ? "/linux/cgroupsPath" : "";
  if (by.empty() && (!r.devices.empty() || r.memory || r.cpu || r.block_io || !r.hugepage_limits.empty() || r.network ||
                     !r.rdma.empty() || !r.unified.empty() || r.pids_limit))
    by = "/linux/resources";
  for (size_t i = 0; i < c.mounts.size() && by.empty(); i++)
    if (is_cgroup_mount(c.mounts[i])) by = "/mounts/" + std::to_string(i);
  if (by.empty() && c.annotations.count(cgroups::kJoinBusy)) by = std::string("/annotations/") + cgroups::kJoinBusy;
  return Need::always(by);
}

}  // namespace

std::unique_ptr<Isolator> make_cgroups(sys::Kernel& kernel, LayoutSource source, Warn warn) {
  return std::make_unique<Cgroups>(kernel, std::move(source), std::move(warn));
}

extern const Entry kCgroups{"cgroups", needs, [](const Deps& d) { return make_cgroups(d.kernel, d.cgroups, d.warn); }};

}  // namespace berth::isolators
