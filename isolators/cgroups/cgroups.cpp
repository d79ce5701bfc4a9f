// cgroups: the container's cgroup in every mounted hierarchy (as runc and
// crun make one in each, so ps, kill --all and pause see every process),
// the limits of linux.resources, the init placed in it before it unshares
// a cgroup namespace or execs, and everything it made removed on delete.
// The dirs it creates are journaled in the container's record before the
// mkdirs (journal.hpp), so a create cut off at any instant is undone by
// `delete --force`. The device rules it gives are recorded there too
// (device_record.hpp) so that update can change them in place.
// Mechanism (control files) is in libcontainer/cgroup/.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>
#include <sstream>

#include "isolators/cgroups/mounts.hpp"
#include "isolators/registry.hpp"
#include "libcontainer/cgroup/controllers.hpp"
#include "libcontainer/cgroup/device_record.hpp"
#include "libcontainer/cgroup/devices.hpp"
#include "libcontainer/cgroup/files.hpp"
#include "libcontainer/cgroup/freezer.hpp"
#include "libcontainer/cgroup/journal.hpp"
#include "libcontainer/cgroup/layout.hpp"
#include "libcontainer/isolator/mount_entry.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/state/watch_file.hpp"

namespace berth::isolators {
namespace {

struct Target {
  const cgroup::Hierarchy* h;
  std::string path;  // below h->mount, absolute
  UniqueFd fd;       // the leaf, once provisioned or recovered
  UniqueFd tasks;    // v1: the leaf's `tasks`, which the init writes itself into
  std::string dir() const { return path == "/" ? h->mount : h->mount + path; }
};

bool exists_at(int rootfd, const std::string& path) {
  struct stat st;
  return fstatat(rootfd, path.c_str() + 1, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

// A cgroup that already holds processes is joined with a warning naming
// it, as runc 1.1 does (pods share one; runc 1.2 refuses). Its members
// then share limits, and pause, kill --all and ps act on all of them.
// This annotation, once needed to join, is no longer: "true" joins
// without the warning, "false" refuses a busy cgroup.
constexpr const char* kJoinBusy = "org.berth.cgroups.join-busy";

// Marks on a cgroup directory that more than one container uses
// (trusted.*: cgroupfs keeps them on v1 and v2; root only):
//  kSharedMark, set by a container that joins a cgroup it did not make:
//    the delete of the one that made it must not kill what is left there;
//  kLeftMark, set by that delete when it could not remove a directory it
//    made because others hold it: the delete of a later member removes it
//    once empty (a directory someone else made by hand is never removed).
constexpr const char* kSharedMark = "trusted.berth.shared";
constexpr const char* kLeftMark = "trusted.berth.left";

class Cgroups final : public Isolator {
 public:
  Cgroups(sys::Kernel& k, LayoutSource source, Warn warn)
      : kernel_(k), source_(std::move(source)), warn_(std::move(warn)) {}
  const char* name() const override { return "cgroups"; }

  Status prepare(const ContainerContext& ctx, Fragment& f) override {
    const spec::Linux& l = ctx.config.linux;
    layout_ = BERTH_TRY(source_().context("detect the cgroup layout"));
    const spec::Resources& r = l.resources;
    BERTH_CHECK(check_controllers(r));
    if (!r.devices.empty() && layout_.mode == cgroup::Mode::None)
      return Error(Code::Unsupported, "no cgroup hierarchy is mounted on this host", 0, "/linux/resources/devices");
    if (auto a = ctx.config.annotations.find(kJoinBusy); a != ctx.config.annotations.end()) {
      if (a->second != "true" && a->second != "false")
        return Error(Code::Config, "must be \"true\" or \"false\", not \"" + a->second + "\"", 0,
                     std::string("/annotations/") + kJoinBusy);
      join_busy_ = a->second == "true";
    }
    const std::string& name = ctx.id;
    std::vector<std::pair<std::string, std::string>> binds;  // what a cgroup mount shows
    for (const auto& h : layout_.hierarchies) {
      targets_.push_back({&h, cgroup::container_path(h, l.cgroups_path, name), UniqueFd()});
      // Seen in the container where the host has it below /sys/fs/cgroup
      // ("" for a cgroup2 mount on /sys/fs/cgroup itself).
      constexpr std::string_view kBase = "/sys/fs/cgroup";
      std::string_view m = h.mount;
      if (m.substr(0, kBase.size()) != kBase || (m.size() > kBase.size() && m[kBase.size()] != '/')) continue;
      std::string name(m.substr(std::min(m.size(), kBase.size() + 1)));
      binds.emplace_back(name, targets_.back().dir());
    }
    return cgroups::add_mounts(ctx.config, binds, f);
  }

  Status provision(const ContainerContext& ctx, Fragment& f) override {
    // Journal first: what we are about to make, so a crash between the
    // mkdirs and the end of create is still undone.
    std::string journal;
    std::vector<std::pair<Target*, std::string>> to_make;
    std::vector<UniqueFd> roots;
    for (auto& t : targets_) {
      auto root = BERTH_TRY(kernel_.open_dir_at(AT_FDCWD, t.h->mount).context("open the cgroup hierarchy"));
      std::string prefix;
      for (size_t i = 1; i <= t.path.size(); i++) {
        if (i < t.path.size() && t.path[i] != '/') continue;
        prefix = t.path.substr(0, i);
        if (prefix.size() > 1 && !exists_at(root.get(), prefix)) {
          to_make.push_back({&t, prefix});
          journal += cgroup::journal_line("made", t.h->mount, prefix);
        }
      }
      journal += cgroup::journal_line("leaf", t.h->mount, t.path);
      roots.push_back(std::move(root));
    }
    BERTH_CHECK(cgroup::save_journal(*ctx.record, journal));
    for (size_t i = 0; i < targets_.size(); i++) BERTH_CHECK(make_leaf(targets_[i], roots[i].get(), to_make));
    // The init is cloned straight into its cgroup2 cgroup; the fd stays
    // open (in the isolator) until the init exists.
    const cgroup::Hierarchy* u = layout_.unified();
    for (auto& t : targets_)
      if (t.h == u) f.cgroup_fd = t.fd.get();
    give_joins(f);
    return apply(*ctx.record, ctx.config.linux);
  }

  // The init joined its v1 leaves itself (give_joins) and was cloned into
  // its cgroup2 leaf: a write here is for what neither covered (a kernel or
  // cgroup that refused CLONE_INTO_CGROUP), as it waits for a grace period.
  Status isolate(const ContainerContext&, Fragment&, pid_t init) override {
    for (auto& t : targets_) {
      if (t.tasks) continue;
      auto procs = t.h->v2 ? cgroup::read_procs(t.fd.get()) : std::vector<pid_t>{};
      if (std::find(procs.begin(), procs.end(), init) != procs.end()) continue;
      BERTH_CHECK(cgroup::add_process(kernel_, t.fd.get(), init).context("join the cgroup " + t.h->mount + t.path));
    }
    return {};
  }

  Status cleanup(const std::string& state_dir) override {
    auto entries = cgroup::read_journal(state_dir);
    Error errs(Code::Internal, "remove cgroups");
    bool failed = false;
    for (auto it = entries.rbegin(); it != entries.rend(); ++it) {
      if (it->kind != "made") continue;
      bool leaf = false;
      for (const auto& e : entries) leaf |= e.kind == "leaf" && e.mount == it->mount && e.path == it->path;
      Status s = leaf ? remove_cgroup(it->mount + it->path) : remove_parent(it->mount + it->path);
      if (!s.ok()) errs.add_note(s.error().message()), failed = true;
    }
    for (const auto& e : entries)
      if (e.kind == "leaf") remove_left(entries, e);
    // The journal stays in the record: the directory goes right after
    // (delete, create's undo), and a second cleanup finds nothing to do.
    if (failed) return errs;
    return {};
  }

 private:
  // The cgroup2 mount's cgroup.controllers, read once per isolator (there
  // is one cgroup2 hierarchy).
  bool v2_has(const cgroup::Hierarchy& h, const std::string& controller) {
    if (!v2_read_) {
      UniqueFd root(open(h.mount.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      std::istringstream in(cgroup::read_value(root.get(), "cgroup.controllers"));
      for (std::string c; in >> c;) v2_available_.insert(c);
      v2_read_ = true;
    }
    return v2_available_.count(controller) > 0;
  }

  // Each v1 leaf's `tasks`, for the init to join it itself (plan.hpp,
  // CgroupJoin). One that cannot be opened is joined by isolate().
  void give_joins(Fragment& f) {
    for (auto& t : targets_) {
      if (t.h->v2) continue;
      t.tasks.reset(openat(t.fd.get(), "tasks", O_WRONLY | O_CLOEXEC | O_NOFOLLOW));
      if (t.tasks) f.cgroup_joins.push_back({t.tasks.get(), t.dir()});
    }
  }

  // A controller the parents must pass down to the cgroup2 leaf, once.
  void need_v2(const std::string& controller) {
    if (std::find(needed_v2_.begin(), needed_v2_.end(), controller) == needed_v2_.end())
      needed_v2_.push_back(controller);
  }

  // mkdir of each missing part of t's path; v1 cpuset parts with empty
  // cpus or mems inherit their parent's; on v2 the parents pass down the controllers the
  // limits need. A leaf that already holds processes is another's.
  Status make_leaf(Target& t, int root, const std::vector<std::pair<Target*, std::string>>& to_make) {
    bool cpuset = !t.h->v2 && t.h->has("cpuset");
    std::vector<std::string> v2_controllers;
    if (t.h->v2) v2_controllers = needed_v2_;
    UniqueFd parent = BERTH_TRY(kernel_.open_dir_at(root, "."));
    size_t start = 1;
    while (start <= t.path.size()) {
      size_t end = t.path.find('/', start);
      if (end == std::string::npos) end = t.path.size();
      if (end == start) break;  // the path is "/": the hierarchy's root
      std::string part = t.path.substr(start, end - start);
      std::string prefix = t.path.substr(0, end);
      if (!v2_controllers.empty())
        BERTH_CHECK(cgroup::v2::enable_controllers(kernel_, parent.get(), v2_controllers).context(t.h->mount));
      bool ours = false;
      for (const auto& [tt, p] : to_make) ours |= tt == &t && p == prefix;
      if (ours) {
        Status s = kernel_.make_dir_at(parent.get(), part, 0755);
        if (!s.ok() && s.error().sys_errno() != EEXIST)
          return std::move(s).error().context("create the cgroup " + t.h->mount + prefix);
      }
      UniqueFd dir =
          BERTH_TRY(kernel_.open_dir_at(parent.get(), part).context("open the cgroup " + t.h->mount + prefix));
      // Every part, ours or not: an existing parent with an empty cpuset
      // (made by hand, or by a tool that never set it) would leave the
      // leaf with nothing to take and the init's join failing with ENOSPC.
      // runc 1.1 fills such parents the same way, top down.
      if (cpuset)
        BERTH_CHECK(cgroup::v1::cpuset::inherit(kernel_, parent.get(), dir.get()).context(t.h->mount + prefix));
      parent = std::move(dir);
      start = end + 1;
    }
    bool made = false;
    for (const auto& [tt, p] : to_make) made |= tt == &t && p == t.path;
    if (!made) BERTH_CHECK(join(t, parent.get()));
    // An init placed in a frozen cgroup would never answer: refuse, do not hang.
    if (auto kind = cgroup::freezer::kind_of(parent.get());
        kind != cgroup::freezer::Kind::None && cgroup::freezer::effectively_frozen(parent.get(), kind))
      return Error(Code::Busy, "the cgroup " + t.h->mount + t.path + " is frozen (by it or a parent)", 0,
                   "/linux/cgroupsPath");
    t.fd = std::move(parent);
    return {};
  }

  // t's leaf exists and was not made by this create: one that holds
  // processes is joined with a warning (refused if the annotation says
  // "false"); either way it is marked shared for the delete of its maker.
  Status join(const Target& t, int leaf) {
    std::string dir = t.dir();
    size_t n = cgroup::read_procs(leaf).size();
    if (n > 0 && join_busy_ == false)
      return Error(Code::Busy,
                   "the cgroup " + dir + " already holds processes (the annotation " + kJoinBusy + " is \"false\")", 0,
                   "/linux/cgroupsPath");
    if (n > 0 && !join_busy_ && !warned_busy_) {
      warned_busy_ = true;
      warn(Error(Code::Busy,
                 "joining the cgroup " + dir + ", which already holds " + std::to_string(n) +
                     " process(es): they share its limits, pause and kill --all",
                 0, "/linux/cgroupsPath"));
    }
    Status s = kernel_.set_xattr(leaf, kSharedMark, "1");
    if (!s.ok() && n > 0)
      warn(std::move(s).error().context("mark the cgroup " + dir +
                                        " shared (the delete of the container that made it "
                                        "may kill this one's processes)"));
    return {};
  }

  void warn(const Error& e) {
    if (warn_) warn_(e.message());
  }

  // The counters that say why a container ended: the OOM kills in its
  // memory cgroup (v1 memory.oom_control and v2 memory.events both count
  // "oom_kill", Linux 4.13+) and the forks its pids cgroup refused.
  // Each from its value now: a cgroup we joined, or one with a past, does
  // not start at 0.
  Status watch(const ContainerContext&, std::vector<Watch>& out) override {
    auto add = [&](const char* limitation, Target* t, const char* file, const char* key) {
      std::string text = cgroup::read_value(t->fd.get(), file);
      out.push_back({limitation, t->dir() + "/" + file, key, state::watch_file::counter(text.c_str(), key)});
    };
    if (Target* t = target_for("memory")) add("oom", t, t->h->v2 ? "memory.events" : "memory.oom_control", "oom_kill");
    if (Target* t = target_for("pids")) add("pids", t, "pids.events", "max");
    return {};
  }

  // The container's cgroups again, from the journal's leaves: each still
  // mounted, each holding the init while it lives. An init moved out (by
  // hand, or by another manager) would make update and stats act on a
  // cgroup that no longer holds the container, so that is an error.
  Status recover(const std::string& state_dir, pid_t init) override {
    layout_ = BERTH_TRY(source_().context("detect the cgroup layout"));
    targets_.clear();
    for (const auto& e : cgroup::leaves(state_dir)) {
      const cgroup::Hierarchy* h = nullptr;
      for (const auto& x : layout_.hierarchies)
        if (x.mount == e.mount) h = &x;
      if (!h) return Error(Code::NotFound, "the cgroup hierarchy " + e.mount + " is no longer mounted");
      auto fd = BERTH_TRY(kernel_.open_dir_at(AT_FDCWD, e.dir()).context("open the container's cgroup"));
      if (init > 0) BERTH_CHECK(cgroup::check_holds_init(fd.get(), e.dir(), init));
      targets_.push_back({h, e.path, std::move(fd)});
    }
    return {};
  }

  // `berth update`: new values for the recovered cgroups. JSON paths are
  // those of the resources document. A devices list replaces
  // linux.resources.devices (see update_devices); an empty or absent one
  // leaves the device rules as they are.
  Status update(const std::string& state_dir, const spec::Resources& r) override {
    json_root_ = "";
    if (targets_.empty()) return Error(Code::NotFound, "the container has no cgroups to update");
    std::optional<state::Record> record;
    std::optional<cgroup::devices::Record> device_record;
    if (!r.devices.empty()) {
      record = BERTH_TRY(state::Record::load(kernel_, state_dir));
      device_record = BERTH_TRY(read_device_record(*record));
    }
    BERTH_CHECK(check_controllers(r));
    BERTH_CHECK(apply_resources(r));
    if (device_record) BERTH_CHECK(update_devices(*record, std::move(*device_record), r.devices));
    return {};
  }

  Status usage(const std::string&, Usage& out) override {
    if (targets_.empty()) return {};
    std::vector<int> fds;
    for (const auto& t : targets_) fds.push_back(t.fd.get());
    out.cgroups = cgroup::read_stats(fds);
    return {};
  }

  Status check_controllers(const spec::Resources& r) {
    if (r.pids_limit) BERTH_CHECK(require("pids", json_root_ + "/pids"));
    if (r.memory) BERTH_CHECK(require("memory", json_root_ + "/memory"));
    if (r.cpu) {
      const spec::CpuResources& c = *r.cpu;
      if (c.shares || c.quota || c.period || c.burst || c.realtime_period || c.realtime_runtime || c.idle)
        BERTH_CHECK(require("cpu", json_root_ + "/cpu"));
      if (!c.cpus.empty() || !c.mems.empty()) BERTH_CHECK(require("cpuset", json_root_ + "/cpu"));
    }
    if (r.block_io) BERTH_CHECK(require(io_controller(), json_root_ + "/blockIO"));
    if (!r.hugepage_limits.empty()) BERTH_CHECK(require("hugetlb", json_root_ + "/hugepageLimits"));
    if (r.network && r.network->class_id) BERTH_CHECK(require("net_cls", json_root_ + "/network/classID"));
    if (r.network && !r.network->priorities.empty())
      BERTH_CHECK(require("net_prio", json_root_ + "/network/priorities"));
    if (!r.rdma.empty()) BERTH_CHECK(require("rdma", json_root_ + "/rdma"));
    if (!r.unified.empty()) {
      if (!layout_.unified())
        return Error(Code::Unsupported, "no cgroup2 mount on this host", 0, json_root_ + "/unified");
      for (const auto& [key, value] : r.unified) {
        // Its controller must reach the container's cgroup (cgroup.* files
        // belong to no controller).
        std::string ctl = key.substr(0, key.find('.'));
        if (ctl != "cgroup" && v2_has(*layout_.unified(), ctl)) need_v2(ctl);
      }
    }
    return {};
  }

  // blkio on v1, io on v2.
  const char* io_controller() const {
    const cgroup::Hierarchy* h = layout_.find("blkio");
    return h && !h->v2 ? "blkio" : "io";
  }

  // A controller the config's resources need: Unsupported, naming the
  // field, when the host has no hierarchy for it.
  Status require(const char* controller, const std::string& json_path) {
    const cgroup::Hierarchy* h = layout_.find(controller);
    if (!h || (h->v2 && !v2_has(*h, controller)))
      return Error(Code::Unsupported,
                   std::string("no ") + controller + " cgroup controller on this host (" +
                       cgroup::mode_name(layout_.mode) + " layout)",
                   0, json_path);
    if (h->v2) need_v2(controller);
    return {};
  }

  Status apply(state::Record& record, const spec::Linux& l) {
    BERTH_CHECK(apply_resources(l.resources));
    return apply_devices(record, l);
  }

  // Every field but the devices, at create and on update.
  Status apply_resources(const spec::Resources& r) {
    if (r.memory) BERTH_CHECK(apply_memory(*r.memory));
    if (r.cpu) BERTH_CHECK(apply_cpu(*r.cpu));
    if (r.pids_limit && *r.pids_limit != 0)
      BERTH_CHECK(at(json_root_ + "/pids/limit", cgroup::pids::set_max(kernel_, fd_of("pids"), *r.pids_limit)));
    return apply_other(r);
  }

  // blockIO, hugepageLimits, network, rdma, unified.
  Status apply_other(const spec::Resources& r) {
    const std::string root = json_root_;
    if (r.block_io) BERTH_CHECK(apply_block_io(*r.block_io));
    for (size_t i = 0; i < r.hugepage_limits.size(); i++) {
      const auto& h = r.hugepage_limits[i];
      BERTH_CHECK(at(root + "/hugepageLimits/" + std::to_string(i),
                     cgroup::hugetlb::set_limit(kernel_, fd_of("hugetlb"), is_v2("hugetlb"), h.page_size, h.limit)));
    }
    if (r.network) {
      if (r.network->class_id)
        BERTH_CHECK(at(root + "/network/classID",
                       cgroup::v1::net::set_classid(kernel_, fd_of("net_cls"), *r.network->class_id)));
      for (size_t i = 0; i < r.network->priorities.size(); i++) {
        const auto& [iface, prio] = r.network->priorities[i];
        BERTH_CHECK(at(root + "/network/priorities/" + std::to_string(i),
                       cgroup::v1::net::set_priority(kernel_, fd_of("net_prio"), iface, prio)));
      }
    }
    for (const auto& [device, lim] : r.rdma)
      BERTH_CHECK(at(root + "/rdma/" + device,
                     cgroup::rdma::set_max(kernel_, fd_of("rdma"), device, lim.hca_handles, lim.hca_objects)));
    if (!r.unified.empty()) {
      int fd = -1;
      for (auto& t : targets_)
        if (t.h == layout_.unified()) fd = t.fd.get();
      for (const auto& [key, value] : r.unified)
        BERTH_CHECK(at(root + "/unified/" + key, kernel_.write_at(fd, key, value)));
    }
    return {};
  }

  Status apply_block_io(const spec::BlockIOResources& b) {
    const std::string p = json_root_ + "/blockIO/";
    int fd = fd_of(io_controller());
    const char* kThrottle[][2] = {{"read_bps_device", "rbps"},
                                  {"write_bps_device", "wbps"},
                                  {"read_iops_device", "riops"},
                                  {"write_iops_device", "wiops"}};
    const std::pair<const char*, const std::vector<spec::BlockIODevice>*> lists[] = {
        {"throttleReadBpsDevice", &b.throttle_read_bps},
        {"throttleWriteBpsDevice", &b.throttle_write_bps},
        {"throttleReadIOPSDevice", &b.throttle_read_iops},
        {"throttleWriteIOPSDevice", &b.throttle_write_iops}};
    bool v2 = is_v2(io_controller());
    if (!v2) {
      namespace v1 = cgroup::v1::blkio;
      if (b.weight) BERTH_CHECK(at(p + "weight", v1::set_weight(kernel_, fd, *b.weight)));
      if (b.leaf_weight) BERTH_CHECK(at(p + "leafWeight", v1::set_leaf_weight(kernel_, fd, *b.leaf_weight)));
      for (size_t i = 0; i < b.weight_device.size(); i++) {
        const auto& d = b.weight_device[i];
        std::string jp = p + "weightDevice/" + std::to_string(i);
        if (d.weight) BERTH_CHECK(at(jp, v1::set_weight_device(kernel_, fd, d.major, d.minor, *d.weight)));
        if (d.leaf_weight)
          BERTH_CHECK(at(jp, v1::set_leaf_weight_device(kernel_, fd, d.major, d.minor, *d.leaf_weight)));
      }
    } else {
      namespace io = cgroup::v2::io;
      if (b.leaf_weight) return no_v2(p + "leafWeight", "there are no leaf weights");
      if (b.weight) BERTH_CHECK(at(p + "weight", io::set_weight(kernel_, fd, io::weight_of_blkio(*b.weight))));
      for (size_t i = 0; i < b.weight_device.size(); i++) {
        const auto& d = b.weight_device[i];
        std::string jp = p + "weightDevice/" + std::to_string(i);
        if (d.leaf_weight) return no_v2(jp + "/leafWeight", "there are no leaf weights");
        if (d.weight)
          BERTH_CHECK(at(jp, io::set_weight_device(kernel_, fd, d.major, d.minor, io::weight_of_blkio(*d.weight))));
      }
    }
    for (size_t k = 0; k < 4; k++)
      for (size_t i = 0; i < lists[k].second->size(); i++) {
        const auto& d = (*lists[k].second)[i];
        std::string jp = p + lists[k].first + "/" + std::to_string(i);
        BERTH_CHECK(
            at(jp, v2 ? cgroup::v2::io::set_max(kernel_, fd, d.major, d.minor, kThrottle[k][1], d.rate)
                      : cgroup::v1::blkio::set_throttle(kernel_, fd, kThrottle[k][0], d.major, d.minor, d.rate)));
      }
    return {};
  }

  // The error of setting one field, named by its JSON path.
  static Status at(const std::string& json_path, Status s) {
    if (s.ok()) return s;
    return std::move(s).error().with_path(json_path).context("set " + json_path);
  }
  static Status no_v2(const std::string& json_path, const char* why) {
    return Error(Code::Unsupported, std::string("not supported on cgroup v2: ") + why, 0, json_path);
  }

  int fd_of(const char* controller) {
    Target* t = target_for(controller);
    return t ? t->fd.get() : -1;
  }
  bool is_v2(const char* controller) const {
    const cgroup::Hierarchy* h = layout_.find(controller);
    return h && h->v2;
  }

  Status apply_memory(const spec::MemoryResources& m) {
    namespace v1 = cgroup::v1::memory;
    namespace v2 = cgroup::v2::memory;
    const std::string p = json_root_ + "/memory/";
    int fd = fd_of("memory");
    // checkBeforeUpdate: a new limit below what the cgroup uses now is
    // refused rather than left to the OOM killer (as runc 1.1).
    if (m.check_before_update.value_or(false) && m.limit && *m.limit >= 0) {
      const char* file = is_v2("memory") ? "memory.current" : "memory.usage_in_bytes";
      int64_t usage = cgroup::read_int(fd, file);
      if (*m.limit < usage)
        return Error(Code::Busy,
                     "the new memory limit " + std::to_string(*m.limit) + " is below the current usage " +
                         std::to_string(usage) + " (checkBeforeUpdate)",
                     0, p + "limit");
    }
    if (!is_v2("memory")) {
      // memory.memsw.limit_in_bytes may never be below the memory limit.
      // An unlimited memory limit without a swap value lifts memsw too
      // (runc 1.1's rule; `update --memory -1` failed with EINVAL while a
      // swap limit was set), where the kernel accounts swap at all.
      std::optional<int64_t> swap = m.swap;
      struct stat st;
      if (m.limit && *m.limit < 0 && !swap && fstatat(fd, "memory.memsw.limit_in_bytes", &st, 0) == 0) swap = -1;
      // When both grow past the current memsw, memsw goes first.
      bool swap_first = false;
      if (m.limit && swap) {
        int64_t cur = cgroup::read_int(fd, "memory.memsw.limit_in_bytes");
        swap_first = *swap < 0 || *m.limit < 0 || *m.limit > cur;
      }
      if (swap && swap_first) BERTH_CHECK(at(p + "swap", v1::set_memsw_limit(kernel_, fd, *swap)));
      if (m.limit) BERTH_CHECK(at(p + "limit", v1::set_limit(kernel_, fd, *m.limit)));
      if (swap && !swap_first) BERTH_CHECK(at(p + "swap", v1::set_memsw_limit(kernel_, fd, *swap)));
      if (m.reservation) BERTH_CHECK(at(p + "reservation", v1::set_soft_limit(kernel_, fd, *m.reservation)));
      if (m.kernel) BERTH_CHECK(apply_kmem(fd, false, *m.kernel, p + "kernel"));
      if (m.kernel_tcp) BERTH_CHECK(apply_kmem(fd, true, *m.kernel_tcp, p + "kernelTCP"));
      if (m.swappiness) BERTH_CHECK(at(p + "swappiness", v1::set_swappiness(kernel_, fd, *m.swappiness)));
      if (m.disable_oom_killer)
        BERTH_CHECK(at(p + "disableOOMKiller", v1::set_oom_killer_disabled(kernel_, fd, *m.disable_oom_killer)));
      if (m.use_hierarchy) BERTH_CHECK(at(p + "useHierarchy", v1::set_use_hierarchy(kernel_, fd, *m.use_hierarchy)));
      return {};
    }
    // Accepted with a warning, as runc 1.1 (which ignores both everywhere).
    for (auto [given, field] : {std::pair{m.kernel.has_value(), "kernel"}, {m.kernel_tcp.has_value(), "kernelTCP"}})
      if (given)
        warn(Error(Code::Unsupported, "ignored: cgroup v2 has no kernel memory limit (it counts toward memory.max)", 0,
                   p + field));
    if (m.swappiness) return no_v2(p + "swappiness", "there is no per-cgroup swappiness");
    if (m.disable_oom_killer.value_or(false)) return no_v2(p + "disableOOMKiller", "the OOM killer cannot be disabled");
    if (m.use_hierarchy == false) return no_v2(p + "useHierarchy", "the hierarchy is always used");
    if (m.limit) BERTH_CHECK(at(p + "limit", v2::set_max(kernel_, fd, *m.limit)));
    if (m.reservation) BERTH_CHECK(at(p + "reservation", v2::set_low(kernel_, fd, *m.reservation)));
    if (m.swap) {
      // The OCI value is memory plus swap; memory.swap.max is swap alone.
      if (*m.swap >= 0 && (!m.limit || *m.limit < 0))
        return Error(Code::Config, "a swap limit needs a memory limit on cgroup v2", 0, p + "swap");
      int64_t swap = *m.swap < 0 ? -1 : *m.swap - *m.limit;
      if (swap < -1) return Error(Code::Config, "swap must be at least the memory limit", 0, p + "swap");
      BERTH_CHECK(at(p + "swap", v2::set_swap_max(kernel_, fd, swap)));
    }
    return {};
  }

  // A v1 kernel memory limit (tcp: memory.kmem.tcp.limit_in_bytes) where
  // the kernel has it. Linux 6.1 dropped the kmem limit: it keeps
  // memory.kmem.limit_in_bytes but ignores writes (so it is read back),
  // and kernels built without kmem have no files. Either way the field is
  // accepted with a warning naming it, as runc 1.1 does.
  Status apply_kmem(int fd, bool tcp, int64_t bytes, const std::string& json_path) {
    namespace v1 = cgroup::v1::memory;
    const char* file = tcp ? "memory.kmem.tcp.limit_in_bytes" : "memory.kmem.limit_in_bytes";
    Status s = tcp ? v1::set_kmem_tcp_limit(kernel_, fd, bytes) : v1::set_kmem_limit(kernel_, fd, bytes);
    if (s.ok() && taken(fd, file, bytes)) return {};
    if (!s.ok() && s.error().sys_errno() != ENOENT) return at(json_path, std::move(s));
    std::string why = s.ok() ? " ignores writes (gone since Linux 6.1)" : " is missing";
    warn(Error(Code::Unsupported, std::string("ignored: this kernel has no kernel memory limit (") + file + why + ")",
               0, json_path));
    return {};
  }

  // A limit in bytes reads back rounded down to pages, or as the
  // "unlimited" value for -1.
  static bool taken(int fd, const char* file, int64_t want) {
    int64_t page = 4096, v = cgroup::read_int(fd, file);
    return want < 0 ? v >= (int64_t(1) << 62) : v == want / page * page;
  }

  Status apply_cpu(const spec::CpuResources& c) {
    const std::string p = json_root_ + "/cpu/";
    if (!c.cpus.empty()) BERTH_CHECK(at(p + "cpus", cgroup::cpuset::set_cpus(kernel_, fd_of("cpuset"), c.cpus)));
    if (!c.mems.empty()) BERTH_CHECK(at(p + "mems", cgroup::cpuset::set_mems(kernel_, fd_of("cpuset"), c.mems)));
    int fd = fd_of("cpu");
    if (!is_v2("cpu")) {
      namespace v1 = cgroup::v1::cpu;
      if (c.shares) BERTH_CHECK(at(p + "shares", v1::set_shares(kernel_, fd, *c.shares)));
      if (c.period) BERTH_CHECK(at(p + "period", v1::set_cfs_period(kernel_, fd, *c.period)));
      if (c.quota) BERTH_CHECK(at(p + "quota", v1::set_cfs_quota(kernel_, fd, *c.quota)));
      if (c.burst) BERTH_CHECK(at(p + "burst", v1::set_cfs_burst(kernel_, fd, *c.burst)));
      if (c.realtime_period) BERTH_CHECK(at(p + "realtimePeriod", v1::set_rt_period(kernel_, fd, *c.realtime_period)));
      if (c.realtime_runtime)
        BERTH_CHECK(at(p + "realtimeRuntime", v1::set_rt_runtime(kernel_, fd, *c.realtime_runtime)));
      if (c.idle) BERTH_CHECK(at(p + "idle", v1::set_idle(kernel_, fd, *c.idle)));
      return {};
    }
    namespace v2 = cgroup::v2::cpu;
    if (c.realtime_period) return no_v2(p + "realtimePeriod", "there is no realtime group scheduling");
    if (c.realtime_runtime) return no_v2(p + "realtimeRuntime", "there is no realtime group scheduling");
    if (c.shares) BERTH_CHECK(at(p + "shares", v2::set_weight(kernel_, fd, v2::weight_of_shares(*c.shares))));
    if (c.quota || c.period)
      BERTH_CHECK(at(p + (c.quota ? "quota" : "period"),
                     v2::set_max(kernel_, fd, c.quota.value_or(-1), c.period.value_or(100000))));
    if (c.burst) BERTH_CHECK(at(p + "burst", v2::set_max_burst(kernel_, fd, *c.burst)));
    if (c.idle) BERTH_CHECK(at(p + "idle", v2::set_idle(kernel_, fd, *c.idle)));
    return {};
  }

  // The config's rules, then the devices every container gets and those
  // linux.devices creates: the v1 devices controller where it is mounted,
  // a BPF program on the cgroup2 leaf otherwise. Recorded first, for
  // update; saved with create's next save (a create cut off before it is
  // undone whole, and never updated).
  Status apply_devices(state::Record& record, const spec::Linux& l) {
    if (layout_.mode == cgroup::Mode::None) return {};
    const std::string p = "/linux/resources/devices";
    auto [t, v1] = BERTH_TRY(device_target(p));
    auto list = cgroup::devices::effective_rules(l.resources.devices, l.devices);
    record.put(cgroup::devices::kRecordSection, cgroup::devices::format_record({{list}}));
    auto rules = cgroup::devices::rules_of(list);
    if (v1) return at(p, cgroup::devices::write_v1(kernel_, t->fd.get(), rules));
    return at(p, kernel_.replace_device_filter(t->fd.get(), cgroup::devices::program(rules)));
  }

  // The update's devices list in place of the last one; defaults and
  // linux.devices' nodes after it as at create. The record is rewritten
  // before the change with the new list added (if the change is cut off,
  // the next update knows the cgroup holds something between the two) and
  // after it with the new list alone. A resend changes nothing. On v1 only
  // the difference is written, widening lines first; on v2 the new program
  // replaces the old (both attached for a moment).
  Status update_devices(state::Record& state_record, cgroup::devices::Record record,
                        const std::vector<spec::DeviceRule>& resources) {
    namespace devices = cgroup::devices;
    const std::string p = json_root_ + "/devices";
    auto [t, v1] = BERTH_TRY(device_target(p));
    devices::RuleList want = devices::replace_resources(record.lists.back(), resources);
    if (record.lists.size() == 1 && record.lists[0] == want) return {};
    std::vector<devices::V1State> from;
    for (const auto& list : record.lists) from.push_back(devices::v1_state(devices::rules_of(list)));
    if (record.lists.back() != want) record.lists.push_back(want);
    BERTH_CHECK(save_device_record(state_record, record));
    auto rules = devices::rules_of(want);
    if (v1)
      BERTH_CHECK(at(p, devices::write_v1(kernel_, t->fd.get(), devices::v1_changes(from, devices::v1_state(rules)))));
    else
      BERTH_CHECK(at(p, kernel_.replace_device_filter(t->fd.get(), devices::program(rules))));
    return save_device_record(state_record, {{want}});
  }

  // The leaf the device rules go to, and whether it is the v1 controller's.
  Result<std::pair<Target*, bool>> device_target(const std::string& json_path) {
    if (Target* t = target_for("devices"); t && !t->h->v2) return std::pair{t, true};
    const cgroup::Hierarchy* u = layout_.unified();
    for (auto& t : targets_)
      if (u && t.h == u) return std::pair{&t, false};
    return Error(Code::Unsupported, "no devices cgroup controller and no cgroup2 mount on this host", 0, json_path);
  }

  static Status save_device_record(state::Record& state_record, const cgroup::devices::Record& r) {
    state_record.put(cgroup::devices::kRecordSection, cgroup::devices::format_record(r));
    return state_record.save().context("record the device rules");
  }
  Result<cgroup::devices::Record> read_device_record(const state::Record& state_record) {
    const std::string& text = state_record.section(cgroup::devices::kRecordSection);
    if (text.empty())
      return Error(Code::Unsupported, "the container has no record of its device rules: they cannot be changed", 0,
                   json_root_ + "/devices");
    return cgroup::devices::parse_record(text).context("read the record of the device rules");
  }

  Target* target_for(const char* controller) {
    const cgroup::Hierarchy* h = layout_.find(controller);
    for (auto& t : targets_)
      if (t.h == h) return &t;
    return nullptr;
  }

  // rmdir, after killing what is left in it (a container without its own
  // pid namespace can leave processes behind its init); the kernel needs a
  // moment to take a killed task out of the cgroup. cgroup.kill (a cgroup2
  // leaf, Linux 5.14) also reaches what forks meanwhile; elsewhere each
  // listed process is signalled.
  // A cgroup another container joined (kSharedMark) is left to them, and
  // nothing in it is killed: its processes cannot be told apart.
  Status remove_cgroup(const std::string& path) {
    for (int attempt = 0;; attempt++) {
      Status s = kernel_.remove_dir_at(AT_FDCWD, path);
      if (s.ok() || s.error().sys_errno() == ENOENT) return {};
      if (s.error().sys_errno() != EBUSY || attempt == 100) return s;
      UniqueFd dir(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (dir && kernel_.get_xattr(dir.get(), kSharedMark).ok()) return leave(dir.get(), path);
      if (!cgroup::freezer::kill(kernel_, dir.get()).ok())
        for (pid_t pid : cgroup::read_procs(dir.get())) (void)kernel_.signal(pid, kernel_.start_time(pid), SIGKILL);
      timespec ts{0, 10 * 1000 * 1000};
      nanosleep(&ts, nullptr);
    }
  }

  // A parent we made may hold another container's cgroup by now: then it
  // is theirs to remove.
  Status remove_parent(const std::string& path) {
    Status s = kernel_.remove_dir_at(AT_FDCWD, path);
    if (s.ok()) return {};
    int e = s.error().sys_errno();
    if (e == ENOENT) return {};
    if (e != EBUSY && e != ENOTEMPTY) return s;
    UniqueFd dir(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    return dir ? leave(dir.get(), path) : Status{};
  }

  // A directory we made that others still use: theirs to remove.
  Status leave(int dirfd, const std::string& path) {
    Status s = kernel_.set_xattr(dirfd, kLeftMark, "1");
    if (!s.ok()) return std::move(s).error().context("leave " + path + " to the containers that use it");
    return {};
  }

  // From a leaf up to its hierarchy's root: the directories another
  // container made and left to us (kLeftMark), innermost first, while they
  // come out empty. What this container made is removed before.
  void remove_left(const std::vector<cgroup::JournalEntry>& entries, const cgroup::JournalEntry& leaf) {
    for (std::string path = leaf.path; path.size() > 1; path.erase(path.rfind('/') == 0 ? 1 : path.rfind('/'))) {
      bool made = false;
      for (const auto& e : entries) made |= e.kind == "made" && e.mount == leaf.mount && e.path == path;
      if (made) continue;
      UniqueFd dir(open((leaf.mount + path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      if (!dir) continue;
      if (!kernel_.get_xattr(dir.get(), kLeftMark).ok()) return;
      dir.reset();
      if (!remove_if_empty(leaf.mount + path)) return;
    }
  }

  // rmdir, retried for a moment on EBUSY (a v1 hierarchy can lag behind
  // the exit of the last task), never killing anything there.
  bool remove_if_empty(const std::string& path) {
    for (int attempt = 0;; attempt++) {
      Status s = kernel_.remove_dir_at(AT_FDCWD, path);
      if (s.ok() || s.error().sys_errno() == ENOENT) return true;
      if (s.error().sys_errno() != EBUSY || attempt == 20) return false;
      timespec ts{0, 10 * 1000 * 1000};
      nanosleep(&ts, nullptr);
    }
  }

  sys::Kernel& kernel_;
  LayoutSource source_;
  cgroup::Layout layout_;
  std::vector<Target> targets_;
  std::vector<std::string> needed_v2_;  // controllers the parents pass down
  std::set<std::string> v2_available_;  // the cgroup2 mount's cgroup.controllers
  bool v2_read_ = false;
  Warn warn_;
  std::optional<bool> join_busy_;  // kJoinBusy, when set
  bool warned_busy_ = false;
  std::string json_root_ = "/linux/resources";  // of the fields in errors
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
  if (by.empty() && c.annotations.count(kJoinBusy)) by = std::string("/annotations/") + kJoinBusy;
  return Need::always(by);
}

}  // namespace

std::unique_ptr<Isolator> make_cgroups(sys::Kernel& kernel, LayoutSource source, Warn warn) {
  return std::make_unique<Cgroups>(kernel, std::move(source), std::move(warn));
}

extern const Entry kCgroups{"cgroups", needs, [](const Deps& d) { return make_cgroups(d.kernel, d.cgroups, d.warn); }};

}  // namespace berth::isolators
