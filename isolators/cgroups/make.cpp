// Making the container's cgroups; see tree.hpp.
#include <fcntl.h>
#include <sys/stat.h>

#include "isolators/cgroups/tree.hpp"
#include "libcontainer/cgroup/files.hpp"
#include "libcontainer/cgroup/freezer.hpp"
#include "libcontainer/cgroup/journal.hpp"

namespace berth::isolators::cgroups {
namespace {

using ToMake = std::vector<std::pair<const Target*, std::string>>;

bool exists_at(int rootfd, const std::string& path) {
  struct stat st;
  return fstatat(rootfd, path.c_str() + 1, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

bool listed(const ToMake& to_make, const Target& t, const std::string& path) {
  for (const auto& [tt, p] : to_make)
    if (tt == &t && p == path) return true;
  return false;
}

// t's leaf exists and was not made by this create: one that holds
// processes is joined with a warning (refused if the annotation says
// "false"); either way it is marked shared for the delete of its maker.
Status join(Scope& s, const Target& t, int leaf, JoinPolicy& policy) {
  std::string dir = t.dir();
  size_t n = cgroup::read_procs(leaf).size();
  if (n > 0 && policy.join_busy == false)
    return Error(Code::Busy,
                 "the cgroup " + dir + " already holds processes (the annotation " + kJoinBusy + " is \"false\")", 0,
                 "/linux/cgroupsPath");
  if (n > 0 && !policy.join_busy && !policy.warned) {
    policy.warned = true;
    s.warn(Error(Code::Busy,
                 "joining the cgroup " + dir + ", which already holds " + std::to_string(n) +
                     " process(es): they share its limits, pause and kill --all",
                 0, "/linux/cgroupsPath"));
  }
  Status r = s.kernel.set_xattr(leaf, kSharedMark, "1");
  if (!r.ok() && n > 0)
    s.warn(std::move(r).error().context("mark the cgroup " + dir +
                                        " shared (the delete of the container that made it "
                                        "may kill this one's processes)"));
  return {};
}

// mkdir of each missing part of t's path; v1 cpuset parts with empty
// cpus or mems inherit their parent's; on v2 the parents pass down the
// controllers the limits need. A leaf that already holds processes is
// another's.
Result<UniqueFd> make_leaf(Scope& s, const Target& t, int root, const ToMake& to_make, JoinPolicy& policy) {
  sys::Kernel& k = s.kernel;
  bool cpuset = !t.h->v2 && t.h->has("cpuset");
  std::vector<std::string> v2_controllers;
  if (t.h->v2) v2_controllers = s.needed_v2();
  UniqueFd parent = BERTH_TRY(k.open_dir_at(root, "."));
  size_t start = 1;
  while (start <= t.path.size()) {
    size_t end = t.path.find('/', start);
    if (end == std::string::npos) end = t.path.size();
    if (end == start) break;  // the path is "/": the hierarchy's root
    std::string part = t.path.substr(start, end - start);
    std::string prefix = t.path.substr(0, end);
    if (!v2_controllers.empty())
      BERTH_CHECK(cgroup::v2::enable_controllers(k, parent.get(), v2_controllers).context(t.h->mount));
    if (listed(to_make, t, prefix)) {
      Status r = k.make_dir_at(parent.get(), part, 0755);
      if (!r.ok() && r.error().sys_errno() != EEXIST)
        return std::move(r).error().context("create the cgroup " + t.h->mount + prefix);
    }
    UniqueFd dir = BERTH_TRY(k.open_dir_at(parent.get(), part).context("open the cgroup " + t.h->mount + prefix));
    // Every part, ours or not: an existing parent with an empty cpuset
    // (made by hand, or by a tool that never set it) would leave the leaf
    // with nothing to take and the init's join failing with ENOSPC. runc
    // 1.1 fills such parents the same way, top down.
    if (cpuset) BERTH_CHECK(cgroup::v1::cpuset::inherit(k, parent.get(), dir.get()).context(t.h->mount + prefix));
    parent = std::move(dir);
    start = end + 1;
  }
  if (!listed(to_make, t, t.path)) BERTH_CHECK(join(s, t, parent.get(), policy));
  // An init placed in a frozen cgroup would never answer: refuse, do not hang.
  if (auto kind = freezer_kind(*t.h);
      kind != cgroup::freezer::Kind::None && cgroup::freezer::effectively_frozen(parent.get(), kind))
    return Error(Code::Busy, "the cgroup " + t.h->mount + t.path + " is frozen (by it or a parent)", 0,
                 "/linux/cgroupsPath");
  return parent;
}

}  // namespace

Result<std::vector<cgroup::Leaf>> make_cgroups(Scope& s, JoinPolicy& policy) {
  // Journal first: what we are about to make, so a crash between the
  // mkdirs and the end of create is still undone.
  std::string journal;
  ToMake to_make;
  std::vector<UniqueFd> roots;
  for (const auto& t : s.targets) {
    auto root = BERTH_TRY(s.kernel.open_dir_at(AT_FDCWD, t.h->mount).context("open the cgroup hierarchy"));
    for (size_t i = 1; i <= t.path.size(); i++) {
      if (i < t.path.size() && t.path[i] != '/') continue;
      std::string prefix = t.path.substr(0, i);
      if (prefix.size() > 1 && !exists_at(root.get(), prefix)) {
        to_make.push_back({&t, prefix});
        journal += cgroup::journal_line("made", t.h->mount, prefix);
      }
    }
    journal += cgroup::journal_line("leaf", t.h->mount, t.path, cgroup::freezer::kind_name(freezer_kind(*t.h)));
    roots.push_back(std::move(root));
  }
  BERTH_CHECK(cgroup::save_journal(*s.record, journal));
  std::vector<cgroup::Leaf> leaves;
  for (size_t i = 0; i < s.targets.size(); i++) {
    const Target& t = s.targets[i];
    auto fd = BERTH_TRY(make_leaf(s, t, roots[i].get(), to_make, policy));
    leaves.push_back({t.h->mount, t.path, std::move(fd), cgroup::freezer::kind_name(freezer_kind(*t.h))});
  }
  return leaves;
}

}  // namespace berth::isolators::cgroups
