// cgroups: the container's cgroup in every mounted hierarchy (as runc and
// crun make one in each, so ps, kill --all and pause see every process),
// the limits of linux.resources, the init placed in it before it unshares
// a cgroup namespace or execs, and everything it made removed on delete.
// The dirs it creates are journaled in <state>/cgroups before the mkdirs,
// so a create cut off at any instant is undone by `delete --force`.
// Mechanism (control files) is in libcontainer/cgroup/.
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "isolators/registry.hpp"
#include "libcontainer/cgroup/files.hpp"
#include "libcontainer/cgroup/journal.hpp"
#include "libcontainer/cgroup/layout.hpp"
#include "libcontainer/state/files.hpp"

namespace berth::isolators {
namespace {

struct Target {
  const cgroup::Hierarchy* h;
  std::string path;  // below h->mount, absolute
  UniqueFd fd;       // the leaf, once provisioned
};

bool exists_at(int rootfd, const std::string& path) {
  struct stat st;
  return fstatat(rootfd, path.c_str() + 1, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

class Cgroups final : public Isolator {
 public:
  Cgroups(sys::Kernel& k, LayoutSource source) : kernel_(k), source_(std::move(source)) {}
  const char* name() const override { return "cgroups"; }

  Status prepare(const ContainerContext& ctx, LaunchPlan& plan) override {
    const spec::Linux& l = ctx.config.linux;
    layout_ = BERTH_TRY(source_().context("detect the cgroup layout"));
    resources_pids_ = l.resources.pids_limit.has_value();
    if (l.resources.pids_limit) {
      const cgroup::Hierarchy* h = layout_.find("pids");
      if (!h || (h->v2 && !v2_has(*h, "pids")))
        return Error(Code::Unsupported, "no pids cgroup controller on this host (" +
                                            std::string(cgroup::mode_name(layout_.mode)) + " layout)",
                     0, "/linux/resources/pids");
    }
    std::string name = cgroup::default_name(ctx.id, ctx.state_dir.substr(0, ctx.state_dir.rfind('/')));
    for (const auto& h : layout_.hierarchies) {
      targets_.push_back({&h, cgroup::container_path(h, l.cgroups_path, name), UniqueFd()});
      // Seen in the container where the host has it below /sys/fs/cgroup
      // ("" for a cgroup2 mount on /sys/fs/cgroup itself).
      constexpr std::string_view kBase = "/sys/fs/cgroup";
      std::string_view m = h.mount;
      if (m.substr(0, kBase.size()) != kBase || (m.size() > kBase.size() && m[kBase.size()] != '/')) continue;
      std::string name(m.substr(std::min(m.size(), kBase.size() + 1)));
      plan.cgroup_binds.emplace_back(name, h.mount + (targets_.back().path == "/" ? "" : targets_.back().path));
    }
    return {};
  }

  Status provision(const ContainerContext& ctx, LaunchPlan&) override {
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
    BERTH_CHECK(kernel_.write_file(ctx.state_dir + "/" + cgroup::kJournalFile, journal, 0600).context("journal the cgroups"));
    for (size_t i = 0; i < targets_.size(); i++) BERTH_CHECK(make_leaf(targets_[i], roots[i].get(), to_make));
    return apply(ctx.config.linux.resources);
  }

  Status isolate(const ContainerContext&, LaunchPlan&, pid_t init) override {
    for (auto& t : targets_)
      BERTH_CHECK(cgroup::add_process(kernel_, t.fd.get(), init).context("join the cgroup " + t.h->mount + t.path));
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
    if (failed) return errs;
    return kernel_.remove_file(state_dir + "/" + cgroup::kJournalFile);
  }

 private:
  static bool v2_has(const cgroup::Hierarchy& h, const std::string& controller) {
    UniqueFd root(open(h.mount.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    std::istringstream in(cgroup::read_value(root.get(), "cgroup.controllers"));
    for (std::string c; in >> c;)
      if (c == controller) return true;
    return false;
  }

  // mkdir of each missing part of t's path; v1 cpuset parts inherit their
  // parent's cpus and mems; on v2 the parents pass down the controllers the
  // limits need. A leaf that already holds processes is another's.
  Status make_leaf(Target& t, int root, const std::vector<std::pair<Target*, std::string>>& to_make) {
    bool cpuset = !t.h->v2 && t.h->has("cpuset");
    std::vector<std::string> v2_controllers;
    if (t.h->v2 && layout_.mode == cgroup::Mode::V2) v2_controllers = needed_v2_controllers();
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
      UniqueFd dir = BERTH_TRY(kernel_.open_dir_at(parent.get(), part).context("open the cgroup " + t.h->mount + prefix));
      if (ours && cpuset)
        BERTH_CHECK(cgroup::v1::cpuset::inherit(kernel_, parent.get(), dir.get()).context(t.h->mount + prefix));
      parent = std::move(dir);
      start = end + 1;
    }
    if (!cgroup::read_procs(parent.get()).empty())
      return Error(Code::Busy, "the cgroup " + t.h->mount + t.path + " already holds processes", 0,
                   "/linux/cgroupsPath");
    t.fd = std::move(parent);
    return {};
  }

  std::vector<std::string> needed_v2_controllers() const {
    std::vector<std::string> out;
    if (resources_pids_) out.push_back("pids");
    return out;
  }

  Status apply(const spec::Resources& r) {
    if (r.pids_limit && *r.pids_limit != 0) {
      Target* t = target_for("pids");
      Status s = cgroup::pids::set_max(kernel_, t->fd.get(), *r.pids_limit);
      if (!s.ok()) return std::move(s).error().with_path("/linux/resources/pids/limit").context("set the pids limit");
    }
    return {};
  }

  Target* target_for(const char* controller) {
    const cgroup::Hierarchy* h = layout_.find(controller);
    for (auto& t : targets_)
      if (t.h == h) return &t;
    return nullptr;
  }

  // rmdir, after killing what is left in it (a container without its own
  // pid namespace can leave processes behind its init); the kernel needs a
  // moment to take a killed task out of the cgroup.
  Status remove_cgroup(const std::string& path) {
    for (int attempt = 0;; attempt++) {
      Status s = kernel_.remove_dir_at(AT_FDCWD, path);
      if (s.ok() || s.error().sys_errno() == ENOENT) return {};
      if (s.error().sys_errno() != EBUSY || attempt == 100) return s;
      UniqueFd dir(open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
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
    if (e == ENOENT || e == EBUSY || e == ENOTEMPTY) return {};
    return s;
  }

  sys::Kernel& kernel_;
  LayoutSource source_;
  cgroup::Layout layout_;
  std::vector<Target> targets_;
  bool resources_pids_ = false;
};

}  // namespace

std::unique_ptr<Isolator> make_cgroups(sys::Kernel& kernel, LayoutSource source) {
  return std::make_unique<Cgroups>(kernel, std::move(source));
}

}  // namespace berth::isolators
