// A container's cgroups; see container_cgroups.hpp.
#include "libcontainer/cgroup/container_cgroups.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <set>

#include "libcontainer/cgroup/files.hpp"
#include "libcontainer/cgroup/stats.hpp"

namespace berth::cgroup {
namespace {

// cgroup.procs of dirfd and of every cgroup below it (a container may make
// its own sub-cgroups), depth-bounded.
void collect_procs(int dirfd, std::set<pid_t>& out, int depth) {
  for (pid_t p : read_procs(dirfd)) out.insert(p);
  if (depth == 0) return;
  int dup_fd = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
  if (dup_fd < 0) return;
  DIR* d = fdopendir(dup_fd);
  if (!d) {
    close(dup_fd);
    return;
  }
  while (dirent* e = readdir(d)) {
    if (e->d_type != DT_DIR || e->d_name[0] == '.') continue;
    UniqueFd sub(openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
    if (sub) collect_procs(sub.get(), out, depth - 1);
  }
  closedir(d);
}

struct FreezerLeaf {
  std::string dir;
  freezer::Kind kind;
};

// The leaves of s that can be frozen, by the kinds its journal names;
// nullopt for a record that does not name them all.
std::optional<std::vector<FreezerLeaf>> freezer_leaves(const state::ContainerState& s) {
  std::vector<FreezerLeaf> out;
  for (const auto& e : leaves(s)) {
    auto kind = freezer::kind_named(e.freezer);
    if (!kind) return std::nullopt;
    if (*kind != freezer::Kind::None) out.push_back({e.dir(), *kind});
  }
  return out;
}

UniqueFd open_leaf(const std::string& dir) { return UniqueFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)); }

}  // namespace

ContainerCgroups ContainerCgroups::open(sys::Kernel& k, const std::string& state_dir, pid_t init) {
  return open(k, cgroup::leaves(state_dir), init);
}

ContainerCgroups ContainerCgroups::open(sys::Kernel& k, const state::ContainerState& s, pid_t init) {
  return open(k, cgroup::leaves(s), init);
}

ContainerCgroups ContainerCgroups::open(sys::Kernel& k, std::vector<JournalEntry> entries, pid_t init) {
  std::vector<Leaf> leaves;
  std::optional<Error> missing;
  for (auto& e : entries) {
    auto fd = k.open_dir_at(AT_FDCWD, e.dir());
    if (!fd.ok() && !missing) missing = std::move(fd).error().context("open the container's cgroup");
    leaves.push_back(
        {std::move(e.mount), std::move(e.path), fd.ok() ? std::move(*fd) : UniqueFd(), std::move(e.freezer)});
  }
  ContainerCgroups c(k, std::move(leaves), init);
  c.missing_ = std::move(missing);
  return c;
}

ContainerCgroups::ContainerCgroups(sys::Kernel& k, std::vector<Leaf> leaves, pid_t init)
    : kernel_(&k), leaves_(std::move(leaves)), init_(init) {
  // The v1 freezer controller first: on a hybrid host the cgroup2 leaf has
  // cgroup.freeze too, but pause is the v1 freezer's (as runc's).
  for (size_t i = 0; i < leaves_.size(); i++) {
    // As the journal names it, else by the files there.
    auto named = freezer::kind_named(leaves_[i].freezer);
    freezer::Kind kind = !leaves_[i].fd ? freezer::Kind::None : named ? *named : freezer::kind_of(leaves_[i].fd.get());
    kinds_.push_back(kind);
    if (freezer_kind_ == freezer::Kind::V1) continue;
    if (kind == freezer::Kind::V1 || (kind == freezer::Kind::V2 && freezer_ < 0))
      freezer_ = int(i), freezer_kind_ = kind;
  }
}

Status ContainerCgroups::holds_init(const Leaf& l) const {
  return init_ > 0 ? check_holds_init(l.fd.get(), l.dir(), init_) : Status{};
}

Status ContainerCgroups::check() const {
  if (missing_) return *missing_;
  for (const auto& l : leaves_) BERTH_CHECK(holds_init(l));
  return {};
}

bool ContainerCgroups::paused() const {
  return has_freezer() && freezer::self_frozen(leaves_[freezer_].fd.get(), freezer_kind_);
}

bool ContainerCgroups::paused(const state::ContainerState& s) {
  if (auto fl = freezer_leaves(s)) {
    // As the constructor chooses: the v1 freezer, else the cgroup2 leaf.
    auto it = std::find_if(fl->begin(), fl->end(), [](const FreezerLeaf& l) { return l.kind == freezer::Kind::V1; });
    if (it == fl->end()) it = fl->begin();
    if (it == fl->end()) return false;
    UniqueFd fd = open_leaf(it->dir);
    return fd && freezer::self_frozen(fd.get(), it->kind);
  }
  auto entries = cgroup::leaves(s);
  // Where the v1 freezer hierarchy usually is first (its mount named after
  // it): one probe instead of one per hierarchy before it.
  std::stable_partition(entries.begin(), entries.end(), [](const JournalEntry& e) {
    return e.mount.find("freezer", e.mount.rfind('/')) != std::string::npos;
  });
  // As the constructor chooses: the v1 freezer, else the cgroup2 leaf; the
  // file found says which.
  for (auto [probe, kind] :
       {std::pair{"freezer.state", freezer::Kind::V1}, std::pair{"cgroup.freeze", freezer::Kind::V2}})
    for (const auto& e : entries) {
      if (faccessat(AT_FDCWD, (e.dir() + "/" + probe).c_str(), F_OK, 0) != 0) continue;
      UniqueFd fd(::open(e.dir().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      return fd && freezer::self_frozen(fd.get(), kind);
    }
  return false;
}

bool ContainerCgroups::any_frozen() const {
  for (size_t i = 0; i < leaves_.size(); i++)
    if (freezer::effectively_frozen(leaves_[i].fd.get(), kinds_[i])) return true;
  return false;
}

bool ContainerCgroups::any_frozen(sys::Kernel& k, const state::ContainerState& s) {
  auto fl = freezer_leaves(s);
  if (!fl) return open(k, s, 0).any_frozen();
  for (const auto& l : *fl) {
    UniqueFd fd = open_leaf(l.dir);
    if (fd && freezer::effectively_frozen(fd.get(), l.kind)) return true;
  }
  return false;
}

Status ContainerCgroups::freeze() {
  if (!has_freezer()) return Error(Code::Unsupported, "no freezer cgroup");
  const Leaf& l = leaves_[freezer_];
  BERTH_CHECK(holds_init(l));
  return freezer::freeze(*kernel_, l.fd.get(), freezer_kind_).context("freeze " + l.dir());
}

Status ContainerCgroups::thaw() {
  if (!has_freezer()) return Error(Code::Unsupported, "no freezer cgroup");
  const Leaf& l = leaves_[freezer_];
  return freezer::thaw(*kernel_, l.fd.get(), freezer_kind_).context("thaw " + l.dir());
}

void ContainerCgroups::thaw_all() {
  for (size_t i = 0; i < leaves_.size(); i++)
    if (freezer::self_frozen(leaves_[i].fd.get(), kinds_[i]))
      (void)freezer::thaw(*kernel_, leaves_[i].fd.get(), kinds_[i]);
}

void ContainerCgroups::thaw_all(sys::Kernel& k, const state::ContainerState& s) {
  auto fl = freezer_leaves(s);
  if (!fl) return open(k, s, 0).thaw_all();
  for (const auto& l : *fl) {
    UniqueFd fd = open_leaf(l.dir);
    if (fd && freezer::self_frozen(fd.get(), l.kind)) (void)freezer::thaw(k, fd.get(), l.kind);
  }
}

std::vector<pid_t> ContainerCgroups::pids() const {
  // Every hierarchy holds the same processes; the union also covers one
  // that a process left on purpose in a single hierarchy.
  std::set<pid_t> pids;
  for (const auto& l : leaves_)
    if (l.fd) collect_procs(l.fd.get(), pids, 16);
  return {pids.begin(), pids.end()};
}

Status ContainerCgroups::kill(int sig) {
  sys::Kernel& k = *kernel_;
  // Frozen whatever the state was before; a cgroup that will not freeze is
  // signalled anyway.
  if (has_freezer()) (void)freezer::freeze(k, leaves_[freezer_].fd.get(), freezer_kind_);
  for (pid_t pid : pids()) {
    uint64_t start = k.start_time(pid);
    if (start) (void)k.signal(pid, start, sig);  // gone meanwhile: nothing to signal
  }
  if (sig == SIGKILL) {
    // cgroup.kill (v2) also reaches a process forked before the freeze
    // took hold; on v1 a frozen process dies only once thawed.
    for (size_t i = 0; i < leaves_.size(); i++)
      if (kinds_[i] == freezer::Kind::V2) (void)freezer::kill(k, leaves_[i].fd.get());
    thaw_all();
  }
  return has_freezer() ? thaw() : Status{};
}

void ContainerCgroups::read_usage(Usage& u) const {
  std::vector<int> fds;
  for (const auto& l : leaves_)
    if (l.fd) fds.push_back(l.fd.get());
  read_stats(fds, u);
}

}  // namespace berth::cgroup
