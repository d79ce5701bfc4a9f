// /proc readers.
#include "libcontainer/sys/proc.hpp"

#include <fcntl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "libcontainer/fd/unique_fd.hpp"

namespace berth::sys {

uint64_t process_start_time(pid_t pid, std::string* comm) {
  if (pid <= 0) return 0;
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  UniqueFd fd(open(path, O_RDONLY | O_CLOEXEC));
  if (!fd) return 0;
  char buf[1024];
  ssize_t n = ::read(fd.get(), buf, sizeof buf - 1);
  if (n <= 0) return 0;
  buf[n] = 0;
  // comm may hold spaces and parentheses: parse after the last ')'.
  char* p = strrchr(buf, ')');
  if (!p || p[1] != ' ') return 0;
  if (comm) {
    char* open = strchr(buf, '(');
    comm->assign(open && open < p ? open + 1 : p, open && open < p ? size_t(p - open - 1) : 0);
  }
  char state = p[2];
  if (state == 'Z' || state == 'X') return 0;
  p += 2;
  for (int field = 3; field < 22; field++) {
    p = strchr(p, ' ');
    if (!p) return 0;
    p++;
  }
  return strtoull(p, nullptr, 10);
}

UniqueFd open_pidfd(pid_t pid, uint64_t start_time) {
  if (pid <= 0) return UniqueFd();
  UniqueFd fd(int(syscall(SYS_pidfd_open, pid, 0)));
  if (fd && process_start_time(pid) != start_time) fd.reset();
  return fd;
}

}  // namespace berth::sys
