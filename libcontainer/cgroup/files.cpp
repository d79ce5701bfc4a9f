// Control files; see files.hpp.
#include "libcontainer/cgroup/files.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/state/files.hpp"

namespace berth::cgroup {

Status add_process(sys::Kernel& k, int dirfd, pid_t pid) {
  return k.write_at(dirfd, "cgroup.procs", std::to_string(pid));
}

Status check_holds_init(int dirfd, const std::string& dir, pid_t init) {
  auto procs = read_procs(dirfd);
  if (std::find(procs.begin(), procs.end(), init) != procs.end()) return {};
  return Error(Code::NotFound,
               "the container init (pid " + std::to_string(init) + ") is no longer in its cgroup " + dir);
}

bool has_file(int dirfd, const char* file) {
  struct stat st;
  return fstatat(dirfd, file, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

std::string read_value(int dirfd, const std::string& file) {
  UniqueFd fd(openat(dirfd, file.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return "";
  std::string out = state::read_all(fd.get()).value_or("");
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

int64_t read_int(int dirfd, const std::string& file) { return strtoll(read_value(dirfd, file).c_str(), nullptr, 10); }

std::vector<pid_t> read_procs(int dirfd) {
  std::vector<pid_t> out;
  std::string text = read_value(dirfd, "cgroup.procs");
  const char* p = text.c_str();
  while (*p) {
    char* end;
    long v = strtol(p, &end, 10);
    if (end == p) break;
    if (v > 0) out.push_back(pid_t(v));
    p = end;
    while (*p == '\n') p++;
  }
  return out;
}

namespace pids {
Status set_max(sys::Kernel& k, int dirfd, int64_t limit) {
  return k.write_at(dirfd, "pids.max", limit < 0 ? std::string("max") : std::to_string(limit));
}
}  // namespace pids

namespace v1::cpuset {
Status inherit(sys::Kernel& k, int parent_fd, int dirfd) {
  for (const char* f : {"cpuset.cpus", "cpuset.mems"}) {
    if (!read_value(dirfd, f).empty()) continue;
    BERTH_CHECK(k.write_at(dirfd, f, read_value(parent_fd, f)));
  }
  return {};
}
}  // namespace v1::cpuset

namespace v2 {
Status enable_controllers(sys::Kernel& k, int dirfd, const std::vector<std::string>& controllers) {
  for (const auto& c : controllers) {
    Status s = k.write_at(dirfd, "cgroup.subtree_control", "+" + c);
    if (!s.ok()) return std::move(s).error().context("enable the " + c + " controller");
  }
  return {};
}
}  // namespace v2

}  // namespace berth::cgroup
