// make_userns; see userns.hpp.
#include "libcontainer/sys/userns.hpp"

#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <string>

namespace berth::sys {
std::string id_map_text(const std::vector<spec::IdMapping>& m) {
  std::string out;
  for (const auto& e : m)
    out += std::to_string(e.container_id) + " " + std::to_string(e.host_id) + " " + std::to_string(e.size) + "\n";
  return out;
}

Status write_id_map(pid_t pid, const char* file, const std::vector<spec::IdMapping>& m) {
  std::string text = id_map_text(m);
  std::string path = "/proc/" + std::to_string(pid) + "/" + file;
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd || write(fd.get(), text.data(), text.size()) != ssize_t(text.size()))
    return sys_error(errno, std::string("write ") + path);
  return {};
}

Result<UniqueFd> make_userns(const std::vector<spec::IdMapping>& uids, const std::vector<spec::IdMapping>& gids) {
  int p[2];
  if (pipe2(p, O_CLOEXEC) < 0) return sys_error(errno, "pipe");
  UniqueFd rd(p[0]), wr(p[1]);
  clone_args a;
  memset(&a, 0, sizeof a);
  a.flags = CLONE_NEWUSER;
  a.exit_signal = SIGCHLD;
  long pid = syscall(SYS_clone3, &a, sizeof a);
  if (pid < 0) return sys_error(errno, "clone a user namespace for an idmapped mount");
  if (pid == 0) {
    char c;
    wr.reset();
    (void)!read(rd.get(), &c, 1);  // returns at EOF, when the parent is done
    _exit(0);
  }
  rd.reset();
  Status s = write_id_map(pid_t(pid), "uid_map", uids);
  if (s.ok()) s = write_id_map(pid_t(pid), "gid_map", gids);
  UniqueFd ns;
  if (s.ok()) {
    ns.reset(open(("/proc/" + std::to_string(pid) + "/ns/user").c_str(), O_RDONLY | O_CLOEXEC));
    if (!ns) s = sys_error(errno, "open the idmap user namespace");
  }
  wr.reset();
  while (waitpid(pid_t(pid), nullptr, 0) < 0 && errno == EINTR) {
  }
  if (!s.ok()) return std::move(s).error();
  return ns;
}

}  // namespace berth::sys
