// Re-execution of the CLI from a read-only view of its own binary; see
// sealed_exe.hpp for why. Cost: one exec of the static binary (its pages are
// the page cache's, shared), measured by bench/bench.sh's "ro-mount" row.
#include "libcontainer/sys/sealed_exe.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <climits>
#include <cstring>
#include <vector>

#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/sys/exe_view.hpp"

namespace berth::sys {
namespace {

constexpr unsigned kWriteSeals = F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE;

std::string read_self_exe_link() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

// Where open_tree is refused (an old kernel, or no CAP_SYS_ADMIN over the mount
// namespace): a copy in a memfd, sealed so that no one can change it.
Result<UniqueFd> sealed_copy() {
  UniqueFd src(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (!src) return sys_error(errno, "open /proc/self/exe");
  struct stat st;
  if (fstat(src.get(), &st) < 0) return sys_error(errno, "stat /proc/self/exe");
  UniqueFd mem(int(syscall(SYS_memfd_create, "berth", MFD_CLOEXEC | MFD_ALLOW_SEALING)));
  if (!mem) return sys_error(errno, "memfd_create");
  for (off_t done = 0; done < st.st_size;) {
    ssize_t n = sendfile(mem.get(), src.get(), nullptr, size_t(st.st_size - done));
    if (n <= 0) return sys_error(n < 0 ? errno : EIO, "copy the berth binary into a memfd");
    done += n;
  }
  if (fcntl(mem.get(), F_ADD_SEALS, kWriteSeals) < 0) return sys_error(errno, "seal the memfd copy of berth");
  return mem;
}

}  // namespace

ExeGuard self_exe_guard() {
  if (exe_on_readonly_mount()) return ExeGuard::ReadOnlyMount;
  UniqueFd fd(open("/proc/self/exe", O_RDONLY | O_CLOEXEC));
  if (fd) {
    int seals = fcntl(fd.get(), F_GET_SEALS);
    if (seals >= 0 && (unsigned(seals) & F_SEAL_WRITE)) return ExeGuard::SealedMemfd;
  }
  return ExeGuard::None;
}

Result<void> reexec_from_sealed_exe(char** argv, char** envp) {
  if (self_exe_guard() != ExeGuard::None) return {};
  std::string real = read_self_exe_link();
  if (real.empty() || real[0] != '/') return sys_error(errno ? errno : ENOENT, "readlink /proc/self/exe");
  // Usually done already, from the entry point (runtime/early_start.cpp).
  int err = int(-exec_from_readonly_view(argv, envp));
  if (err != ENOSYS && err != EPERM && err != EINVAL)
    return sys_error(err, "re-execute " + real + " from a read-only view of itself");
  UniqueFd mem = BERTH_TRY(sealed_copy());
  char called[4096];
  argv[0] = called_in_dir(called, sizeof called, real.c_str(), argv[0]) ? called : real.data();
  syscall(SYS_execveat, mem.get(), "", argv, envp, AT_EMPTY_PATH);
  return sys_error(errno, "re-execute " + real + " from a sealed copy of itself");
}

void forbid_exec_of_view() {
  if (read_self_exe_link() != "/") return;  // not our view (a read-only install, a memfd)
  struct stat exe;
  if (stat("/proc/self/exe", &exe) < 0) return;
  DIR* d = opendir("/proc/self/fd");
  if (!d) return;
  std::vector<int> ours;
  while (dirent* e = readdir(d)) {
    char* end;
    long fd = strtol(e->d_name, &end, 10);
    if (*end || fd < 3 || fd == dirfd(d)) continue;
    int fl = fcntl(int(fd), F_GETFL);
    struct stat st;
    if (fl >= 0 && (fl & O_PATH) && fstat(int(fd), &st) == 0 && st.st_dev == exe.st_dev && st.st_ino == exe.st_ino)
      ours.push_back(int(fd));
  }
  closedir(d);
  for (int fd : ours) {
    mount_attr attr{};
    attr.attr_set = MOUNT_ATTR_NOEXEC;
    syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH, &attr, sizeof attr);
    close(fd);
  }
}

std::string self_exe_path(const char* argv0) {
  std::string p = read_self_exe_link();
  bool view = p == "/" || p.rfind("/memfd:", 0) == 0;
  if (view && argv0 && argv0[0] == '/') return argv0;
  return p;
}

}  // namespace berth::sys
