// The init's root filesystem (prepare_rootfs, mask_and_protect, enter_rootfs)
// in a forked child with a private mount namespace, as root: the mounts of
// the config (proc, tmpfs taking its directory's mode, a read-only bind),
// devices and /dev links under a /dev made read-only after them, masked and
// read-only paths, a read-only root, the pivot; and the ChildError of the
// steps that fail. Nothing is mounted in the host's namespace.
#include "libcontainer/child/rootfs_setup.hpp"

#include <doctest/doctest.h>
#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "libcontainer/rootfs/mount_options.hpp"
#include "tests/unit/child/child_run.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;

namespace {

child::ChildMount mount_of(child::MountKind kind, const char* source, const char* fstype, const char* dest,
                           std::vector<const char*> options, int json_index) {
  child::ChildMount m{};
  m.kind = kind;
  m.source_is_dir = true;
  m.dest_is_proc_or_sys = strcmp(dest, "/proc") == 0 || strcmp(dest, "/sys") == 0;  // as the parent marks them
  m.json_index = json_index;
  m.userns_fd = m.source_fd = -1;
  m.source = source;
  m.fstype = fstype;
  m.dest = dest;
  REQUIRE(rootfs::parse_mount_options(fstype, options.data(), options.size(), &m.opts, nullptr) == 0);
  return m;
}

std::string what_is(const char* path) {
  struct stat st;
  if (lstat(path, &st) < 0) return std::string("missing:") + strerror(errno);
  char buf[128];
  const char* type = S_ISCHR(st.st_mode)    ? "chr"
                     : S_ISFIFO(st.st_mode) ? "fifo"
                     : S_ISDIR(st.st_mode)  ? "dir"
                     : S_ISLNK(st.st_mode)  ? "lnk"
                                            : "other";
  snprintf(buf, sizeof buf, "%s %o %u:%u %u,%u", type, st.st_mode & 07777, st.st_uid, st.st_gid, major(st.st_rdev),
           minor(st.st_rdev));
  return buf;
}

std::string link_of(const char* path) {
  char buf[256];
  ssize_t n = readlink(path, buf, sizeof buf);
  return n < 0 ? "" : std::string(buf, size_t(n));
}

// Which error creating `path` gives ("ok" when it could).
std::string create_result(const char* path) {
  int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (fd >= 0) return close(fd), "ok";
  return strerror(errno);
}

bool fs_is(const char* path, long magic) {
  struct statfs s;
  return statfs(path, &s) == 0 && s.f_type == magic;
}

size_t entries(const char* dir) {
  size_t n = 0;
  if (DIR* d = opendir(dir)) {
    while (dirent* e = readdir(d))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
  }
  return n;
}

}  // namespace

TEST_CASE("ROOT_child rootfs: mounts, devices, links, masks and read-only paths, then the pivot") {
  test::TempTree t;
  for (const char* d : {"rootfs/proc", "rootfs/dev", "rootfs/data", "rootfs/secretdir", "rootfs/ro", "host-data"})
    t.mkdirs(d);
  t.mkdirs("rootfs/tmp");
  chmod(t.at("rootfs/tmp").c_str(), 0710);
  std::ofstream(t.at("host-data/hello")) << "hi";
  std::ofstream(t.at("rootfs/secret.txt")) << "secret";
  std::ofstream(t.at("rootfs/secretdir/key")) << "key";
  std::string rootfs = t.at("rootfs"), host_data = t.at("host-data");

  child::ChildMount mounts[] = {
      mount_of(child::MountKind::Fs, "proc", "proc", "/proc", {"nosuid", "noexec", "nodev"}, 0),
      mount_of(child::MountKind::Fs, "tmpfs", "tmpfs", "/dev", {"nosuid", "mode=755"}, 1),
      mount_of(child::MountKind::Fs, "tmpfs", "tmpfs", "/tmp", {"nosuid"}, 2),
      mount_of(child::MountKind::Bind, host_data.c_str(), "bind", "/data", {"rbind", "ro"}, 3),
  };
  mounts[1].readonly_after_children = true;
  child::ChildDevice devices[] = {
      {"/dev/null", S_IFCHR | 0666, makedev(1, 3), 0, 0, -1},
      {"/dev/fifo", S_IFIFO | 0600, 0, 1000, 1000, 0},
  };
  const char* masked[] = {"/secret.txt", "/secretdir", "/nosuch"};
  const char* readonly[] = {"/ro", "/nosuch"};
  child::ChildPlan p = test::empty_plan();
  p.clone_flags = CLONE_NEWNS;
  p.rootfs = rootfs.c_str();
  p.rootfs_readonly = true;
  p.cwd = "/work";
  p.mounts = mounts;
  p.n_mounts = 4;
  p.setup_dev = true;
  p.devices = devices;
  p.n_devices = 2;
  p.masked_paths = masked;
  p.n_masked = 3;
  p.readonly_paths = readonly;
  p.n_readonly = 2;

  auto r = test::run_in_child(
      p,
      [&](int out) {
        int root = child::prepare_rootfs(p);
        child::mask_and_protect(p, root);
        child::enter_rootfs(p, root);
        test::report(out, std::string("proc ") + (fs_is("/proc", PROC_SUPER_MAGIC) ? "procfs" : "?"));
        test::report(out, std::string("tmp ") + (fs_is("/tmp", TMPFS_MAGIC) ? "tmpfs " : "? ") + what_is("/tmp"));
        test::report(out, "data " + test::slurp("/data/hello") + " " + create_result("/data/new"));
        test::report(out, "null " + what_is("/dev/null"));
        test::report(out, "fifo " + what_is("/dev/fifo"));
        test::report(out, "links " + link_of("/dev/fd") + " " + link_of("/dev/stdin") + " " + link_of("/dev/stdout") +
                              " " + link_of("/dev/stderr") + " " + link_of("/dev/ptmx"));
        test::report(out, "dev " + create_result("/dev/new"));
        // The host's /dev/null, whoever owns it there.
        std::string masked_as = what_is("/secret.txt");
        test::report(out, "secret.txt " + masked_as.substr(0, 3) + masked_as.substr(masked_as.rfind(' ')) + " [" +
                              test::slurp("/secret.txt") + "]");
        test::report(out, "secretdir " + std::to_string(entries("/secretdir")) + " " + create_result("/secretdir/new"));
        test::report(out, "ro " + create_result("/ro/new"));
        test::report(out, "root " + create_result("/new") + " " + what_is("/work").substr(0, 3));
        test::report(out, "host " + what_is(rootfs.c_str()).substr(0, 7));
      },
      CLONE_NEWNS);
  CAPTURE(r.error.step);
  CHECK_FALSE(r.failed);
  CHECK(r.status == 0);
  CHECK(r.report ==
        "proc procfs\n"
        "tmp tmpfs dir 710 0:0 0,0\n"
        "data hi Read-only file system\n"
        "null chr 666 0:0 1,3\n"
        "fifo fifo 600 1000:1000 0,0\n"
        "links /proc/self/fd /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2 pts/ptmx\n"
        "dev Read-only file system\n"
        "secret.txt chr 1,3 []\n"
        "secretdir 0 Read-only file system\n"
        "ro Read-only file system\n"
        "root Read-only file system dir\n"
        "host missing\n");
  // The namespace died with the child: the rootfs holds no mount.
  CHECK(t.is_empty_dir("rootfs/proc"));
  CHECK(t.is_empty_dir("rootfs/dev"));
  CHECK(t.is_empty_dir("rootfs/data"));
  CHECK(test::slurp(t.at("rootfs/secret.txt")) == "secret");
}

TEST_CASE("child rootfs: the init stays in the host's mount table only without a new or joined mount namespace") {
  child::ChildPlan p = test::empty_plan();
  CHECK(child::in_host_mntns(p));
  p.clone_flags = CLONE_NEWPID | CLONE_NEWUTS;
  CHECK(child::in_host_mntns(p));
  p.clone_flags |= CLONE_NEWNS;
  CHECK_FALSE(child::in_host_mntns(p));
  p.clone_flags = CLONE_NEWPID;
  p.joins[0] = {-1, CLONE_NEWNET, 0};
  p.joins[1] = {-1, CLONE_NEWNS, 1};
  p.n_joins = 1;
  CHECK(child::in_host_mntns(p));
  p.n_joins = 2;
  CHECK_FALSE(child::in_host_mntns(p));
}

namespace {

struct RootfsFailCase {
  const char* what;
  std::function<void(test::TempTree&)> layout;  // below the tree, before the run
  std::vector<child::ChildMount> mounts;
  std::vector<child::ChildDevice> devices;
  int sys_errno;
  std::string step;  // "ROOTFS" stands for the rootfs path
  const char* json_path;
};

}  // namespace

TEST_CASE("ROOT_child rootfs: each failed step names itself, its errno and its config field") {
  const RootfsFailCase cases[] = {
      {"a filesystem type the kernel lacks",
       nullptr,
       {mount_of(child::MountKind::Fs, "x", "berthnosuchfs", "/x", {}, 0)},
       {},
       ENODEV,
       "mount berthnosuchfs on /x (fsopen)",
       "/mounts/0"},
      {"a bind source that does not exist",
       nullptr,
       {mount_of(child::MountKind::Fs, "tmpfs", "tmpfs", "/t", {}, 0),
        mount_of(child::MountKind::Bind, "/berth-no-such-source", "bind", "/data", {"rbind"}, 1)},
       {},
       ENOENT,
       "mount: open_tree /berth-no-such-source on /data",
       "/mounts/1"},
      {"a symlink where /proc goes",
       [](test::TempTree& t) { t.symlink("/tmp", "rootfs/proc"); },
       {mount_of(child::MountKind::Fs, "proc", "proc", "/proc", {}, 0)},
       {},
       ELOOP,
       "mount destination must be a directory, not a symlink: /proc",
       "/mounts/0"},
      {"a device path taken by a file",
       [](test::TempTree& t) { t.mkdirs("rootfs/dev"), t.touch("rootfs/dev/null"); },
       {},
       {{"/dev/null", S_IFCHR | 0666, makedev(1, 3), 0, 0, 4}},
       EEXIST,
       "device exists with another type or number: /dev/null",
       "/linux/devices/4"},
      {"a rootfs that does not exist",
       [](test::TempTree& t) { rmdir(t.at("rootfs").c_str()); },
       {},
       {},
       ENOENT,
       "bind rootfs ROOTFS",
       "/root/path"},
  };
  for (const RootfsFailCase& c : cases) {
    CAPTURE(std::string(c.what));
    test::TempTree t;
    t.mkdirs("rootfs");
    if (c.layout) c.layout(t);
    std::string rootfs = t.at("rootfs");
    std::vector<child::ChildMount> mounts = c.mounts;
    std::vector<child::ChildDevice> devices = c.devices;
    child::ChildPlan p = test::empty_plan();
    p.clone_flags = CLONE_NEWNS;
    p.rootfs = rootfs.c_str();
    p.mounts = mounts.data();
    p.n_mounts = mounts.size();
    p.setup_dev = !devices.empty();
    p.devices = devices.data();
    p.n_devices = devices.size();
    auto r = test::run_in_child(
        p, [&](int) { child::prepare_rootfs(p); }, CLONE_NEWNS);
    std::string step = c.step;
    if (size_t at = step.find("ROOTFS"); at != std::string::npos) step.replace(at, 6, rootfs);
    CHECK(r.failed);
    CHECK(r.status == 1);
    CHECK(r.error.sys_errno == c.sys_errno);
    CHECK(std::string(r.error.step) == step);
    CHECK(std::string(r.error.json_path) == std::string(c.json_path));
  }
}
