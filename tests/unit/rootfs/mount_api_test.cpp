// Proves that MountOpts drives the new mount API as intended: in a forked child with a
// private mount namespace, a tmpfs is built with fsopen/fsconfig from the parsed data,
// mounted with fsmount(attr_set) and moved onto a directory made by open_or_create_in_root.
// Needs root (CAP_SYS_ADMIN).
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <vector>

#include "libcontainer/rootfs/mount_options.hpp"
#include "libcontainer/rootfs/resolve.hpp"
#include "tests/unit/temp_tree.hpp"

using berth::rootfs::Create;
using berth::rootfs::MountOpts;

namespace {

struct Expect {
  unsigned long flags_on;   // ST_* bits that must be set
  unsigned long flags_off;  // ST_* bits that must be clear
  mode_t mode;
  uint64_t bytes;
};

// Exit codes of the child: 0 success, else the step that failed.
enum Step : int {
  kOk,
  kUnshare,
  kPrivate,
  kRoot,
  kTarget,
  kParse,
  kFsopen,
  kFsconfig,
  kCreate,
  kFsmount,
  kMove,
  kReopen,
  kStat,
  kFlags,
  kMode,
  kSize
};

int fsconfig_data(int fsfd, const MountOpts& m) {
  const char* cur = m.data;
  char key[64], value[256];
  bool has_value = false;
  int rc;
  while ((rc = berth::rootfs::next_data_option(&cur, key, sizeof key, value, sizeof value, &has_value)) == 1) {
    int r = has_value ? fsconfig(fsfd, FSCONFIG_SET_STRING, key, value, 0)
                      : fsconfig(fsfd, FSCONFIG_SET_FLAG, key, nullptr, 0);
    if (r < 0) return -1;
  }
  return rc;
}

// Runs in the forked child only: no doctest macros, just a step number as exit code.
int mount_and_check(const char* root_path, const char* dest, const std::vector<const char*>& opts, const Expect& want) {
  if (unshare(CLONE_NEWNS) < 0) return kUnshare;
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) return kPrivate;
  int root = open(root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (root < 0) return kRoot;
  int target = berth::rootfs::open_or_create_in_root(root, dest, Create::Dir, 0755, O_PATH);
  if (target < 0) return kTarget;
  MountOpts m;
  if (berth::rootfs::parse_mount_options("tmpfs", opts.data(), opts.size(), &m, nullptr) < 0) return kParse;
  int fsfd = fsopen("tmpfs", FSOPEN_CLOEXEC);
  if (fsfd < 0) return kFsopen;
  if (fsconfig_data(fsfd, m) < 0) return kFsconfig;
  if (fsconfig(fsfd, FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) return kCreate;
  int mfd = fsmount(fsfd, FSMOUNT_CLOEXEC, static_cast<unsigned>(m.attr_set));
  if (mfd < 0) return kFsmount;
  if (move_mount(mfd, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) < 0) return kMove;
  // The target fd still names the directory underneath; look the path up again.
  int mounted = berth::rootfs::open_in_root(root, dest, O_RDONLY | O_DIRECTORY);
  if (mounted < 0) return kReopen;
  struct statvfs sv;
  struct stat st;
  if (fstatvfs(mounted, &sv) < 0 || fstat(mounted, &st) < 0) return kStat;
  if ((sv.f_flag & want.flags_on) != want.flags_on || (sv.f_flag & want.flags_off) != 0) return kFlags;
  if ((st.st_mode & 07777) != want.mode) return kMode;
  if (static_cast<uint64_t>(sv.f_blocks) * sv.f_frsize != want.bytes) return kSize;
  return kOk;
}

int run_in_child(const char* root_path, const char* dest, const std::vector<const char*>& opts, const Expect& want) {
  pid_t pid = fork();
  if (pid == 0) _exit(mount_and_check(root_path, dest, opts, want));
  int status = 0;
  if (pid < 0 || waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

TEST_CASE("ROOT_mount options: tmpfs through fsopen and fsmount honours attributes and data") {
  berth::test::TempTree tree;
  tree.mkdirs("root/etc");
  tree.symlink("/mnt", "root/etc/link");  // the destination goes through an absolute link
  std::string root = tree.at("root");

  Expect ro{ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOATIME | ST_SYNCHRONOUS, ST_NOEXEC, 0750, 1 << 20};
  CHECK(run_in_child(root.c_str(), "/etc/link/ro", {"ro", "nosuid", "nodev", "noatime", "sync", "mode=750", "size=1m"},
                     ro) == kOk);

  Expect rw{ST_NOEXEC, ST_RDONLY | ST_NOSUID | ST_SYNCHRONOUS, 0755, 65536ull * 1024};
  CHECK(run_in_child(root.c_str(), "/mnt/rw", {"ro", "rw", "suid", "noexec", "mode=755", "size=65536k"}, rw) == kOk);
  // Both mounts died with the child's namespace; the directories stayed in the root.
  CHECK(tree.is_empty_dir("root/mnt/ro"));
  CHECK(tree.is_empty_dir("root/mnt/rw"));
}
