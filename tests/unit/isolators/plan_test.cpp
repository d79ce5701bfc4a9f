// Launch plans built from configs by the isolators' prepare steps (pure:
// no container is created), and the errors they report with JSON paths.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "isolators/registry.hpp"
#include "libcontainer/state/record.hpp"
#include "libcontainer/launcher/merge.hpp"
#include "libcontainer/spec/parse.hpp"
#include "libcontainer/sys/linux_kernel.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;
using TempRoot = berth::test::TempTree;

namespace {

std::string config(const std::string& linux_extra, const std::string& top_extra = "") {
  return R"({"ociVersion":"1.2.0","root":{"path":"/"},"process":{"args":["sh"],"cwd":"/",
    "rlimits":[{"type":"RLIMIT_NOFILE","hard":100,"soft":50}],
    "capabilities":{"bounding":["CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_KILL"]}},
    "linux":{"namespaces":[{"type":"mount"},{"type":"pid"},{"type":"uts"}])" +
         (linux_extra.empty() ? "" : "," + linux_extra) + "}" + (top_extra.empty() ? "" : "," + top_extra) + "}";
}

struct Prepared {
  Status status;
  LaunchPlan plan;
};

// Every isolator's prepare, merged, with the plan's fds acquired as create
// does once the id is claimed; with provision (and a state directory below
// root), their provision too.
Prepared prepare(const std::string& linux_extra, const std::string& top_extra = "", const std::string& root = "",
                 bool provision = false) {
  Prepared p;
  auto c = spec::parse_config(config(linux_extra, top_extra));
  REQUIRE_MESSAGE(c.ok(), (c.ok() ? "" : c.error().message()));
  static TempRoot shared;
  ContainerContext ctx{*c, "t", "/tmp", "/", (root.empty() ? shared.path() : root) + "/t"};
  sys::LinuxKernel kernel;
  state::Record record(kernel, ctx.state_dir);  // what create hands to provision
  ctx.record = &record;
  // A host without cgroup mounts: unit tests never probe the host.
  auto no_cgroups = [] { return Result<cgroup::Layout>(cgroup::Layout{}); };
  auto isos = isolators::make_all(kernel, no_cgroups);
  std::vector<launcher::Contribution> parts;
  for (auto& iso : isos) {
    parts.push_back({iso->name(), {}});
    p.status = iso->prepare(ctx, parts.back().fragment);
    if (!p.status.ok()) return p;
  }
  p.status = launcher::merge(parts, p.plan);
  if (p.status.ok()) p.status = launcher::acquire_fds(p.plan);
  if (p.status.ok() && provision) {
    std::filesystem::create_directories(ctx.state_dir);
    for (size_t i = 0; i < isos.size() && p.status.ok(); i++) p.status = isos[i]->provision(ctx, parts[i].fragment);
  }
  p.plan.finalize();
  return p;
}

}  // namespace

TEST_CASE("plan: new namespaces become clone flags, cgroup and time are unshared later") {
  auto p = prepare(R"("namespaces":[{"type":"mount"},{"type":"pid"},{"type":"network"},{"type":"cgroup"}])");
  REQUIRE(p.status.ok());
  CHECK(p.plan.child.clone_flags == uint64_t(CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET));
  CHECK(p.plan.child.new_cgroupns);
  CHECK_FALSE(p.plan.child.cloner_is_intermediate);
}

TEST_CASE("plan: joining a namespace by path opens it and checks its type") {
  auto p = prepare(R"("namespaces":[{"type":"mount"},{"type":"network","path":"/proc/self/ns/net"}])");
  REQUIRE(p.status.ok());
  CHECK(p.plan.child.n_joins == 1);
  CHECK(p.plan.child.cloner_is_intermediate);
  auto bad = prepare(R"("namespaces":[{"type":"mount"},{"type":"network","path":"/proc/self/ns/uts"}])");
  REQUIRE_FALSE(bad.status.ok());
  CHECK(bad.status.error().json_path() == "/linux/namespaces/1/path");
}

TEST_CASE("plan: the hostname reaches the child plan") {
  auto p = prepare("", R"("hostname":"h")");
  REQUIRE(p.status.ok());
  CHECK(std::string(p.plan.child.hostname) == "h");
  CHECK(prepare("").plan.child.hostname == nullptr);
}

TEST_CASE("plan: rlimits and capabilities reach the child plan") {
  auto p = prepare("");
  REQUIRE(p.status.ok());
  REQUIRE(p.plan.child.n_rlimits == 1);
  CHECK(p.plan.child.rlimits[0].soft == 50);
  CHECK(p.plan.child.caps.bounding == (uint64_t{1} << 5));
  CHECK(p.plan.child.caps.inheritable == 0);
  CHECK(p.plan.child.caps.ambient == 0);
}

TEST_CASE("plan: default devices are added unless the config lists the path") {
  auto p = prepare(R"("devices":[{"type":"c","path":"/dev/null","major":1,"minor":3,"fileMode":384}])");
  REQUIRE(p.status.ok());
  int nulls = 0;
  for (size_t i = 0; i < p.plan.child.n_devices; i++)
    if (std::string(p.plan.child.devices[i].path) == "/dev/null") {
      nulls++;
      CHECK((p.plan.child.devices[i].mode & 0777) == 0600);
    }
  CHECK(nulls == 1);
  CHECK(p.plan.child.n_devices == 6);
}

TEST_CASE("plan: mounts keep their options; binds resolve relative sources against the bundle") {
  auto p =
      prepare("", R"("mounts":[{"destination":"/t","type":"tmpfs","source":"tmpfs","options":["nosuid","mode=755"]},
                               {"destination":"/b","type":"bind","source":".","options":["rbind","ro"]}])");
  REQUIRE(p.status.ok());
  REQUIRE(p.plan.child.n_mounts == 2);
  CHECK(p.plan.child.mounts[0].kind == child::MountKind::Fs);
  CHECK(std::string(p.plan.child.mounts[0].opts.data) == "mode=755");
  CHECK(p.plan.child.mounts[1].kind == child::MountKind::Bind);
  CHECK(std::string(p.plan.child.mounts[1].source) == "/tmp/.");
  CHECK(p.plan.child.mounts[1].opts.recursive);
}

TEST_CASE("plan: a read-only /dev is made read-only after its submounts and devices") {
  auto p = prepare("", R"("mounts":[{"destination":"/dev/","type":"tmpfs","source":"tmpfs","options":["ro","nosuid"]},
                               {"destination":"/t","type":"tmpfs","source":"tmpfs","options":["ro"]}])");
  REQUIRE(p.status.ok());
  REQUIRE(p.plan.child.n_mounts == 2);
  const auto& dev = p.plan.child.mounts[0];
  CHECK(dev.readonly_after_children);
  CHECK((dev.opts.attr_set & MOUNT_ATTR_RDONLY) == 0);
  CHECK((dev.opts.attr_set & MOUNT_ATTR_NOSUID) != 0);
  // Any other read-only mount is read-only from the start.
  CHECK_FALSE(p.plan.child.mounts[1].readonly_after_children);
  CHECK((p.plan.child.mounts[1].opts.attr_set & MOUNT_ATTR_RDONLY) != 0);
}

TEST_CASE("plan: with a new user namespace the parent opens the bind sources onto reserved fds") {
  std::string userns = R"("uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
    "gidMappings":[{"containerID":0,"hostID":100000,"size":65536}])";
  auto mounts = R"("mounts":[{"destination":"/t","type":"tmpfs","source":"tmpfs"},
                             {"destination":"/b","type":"bind","source":"/","options":["rbind"]}])";
  auto p = prepare(R"("namespaces":[{"type":"mount"},{"type":"user"}],)" + userns, mounts);
  REQUIRE(p.status.ok());
  CHECK(p.plan.child.bind_sources_from_parent);
  REQUIRE(p.plan.child.n_mounts == 2);
  CHECK(p.plan.child.mounts[0].source_fd == -1);
  int fd = p.plan.child.mounts[1].source_fd;
  CHECK(fd > 2);
  CHECK(fcntl(fd, F_GETFD) == FD_CLOEXEC);  // kept open by the plan, not across exec
  // Without a user namespace the init opens them itself.
  auto q = prepare("", mounts);
  REQUIRE(q.status.ok());
  CHECK_FALSE(q.plan.child.bind_sources_from_parent);
  CHECK(q.plan.child.mounts[1].source_fd == -1);
}

TEST_CASE("plan: a bind source that does not exist is refused before any side effect") {
  auto p =
      prepare("", R"("mounts":[{"destination":"/b","type":"bind","source":"/nonexistent-src","options":["bind"]}])");
  REQUIRE_FALSE(p.status.ok());
  CHECK(p.status.error().json_path() == "/mounts/0/source");
}

TEST_CASE("plan: sysctls need the namespace they belong to") {
  auto ok = prepare(R"("namespaces":[{"type":"mount"},{"type":"network"}],"sysctl":{"net.ipv4.ip_forward":"1"})");
  CHECK(ok.status.ok());
  auto no_net = prepare(R"("sysctl":{"net.ipv4.ip_forward":"1"})");
  REQUIRE_FALSE(no_net.status.ok());
  CHECK(no_net.status.error().json_path() == "/linux/sysctl/net.ipv4.ip_forward");
  auto host = prepare(R"("namespaces":[{"type":"mount"},{"type":"uts"}],"sysctl":{"vm.swappiness":"1"})");
  REQUIRE_FALSE(host.status.ok());
}

TEST_CASE("plan: a sysctl in a joined namespace that is the runtime's own is refused; kernel.hostname always") {
  auto host_net = prepare(R"("namespaces":[{"type":"mount"},{"type":"network","path":"/proc/self/ns/net"}],
    "sysctl":{"net.ipv4.ip_forward":"1"})");
  REQUIRE_FALSE(host_net.status.ok());
  CHECK(host_net.status.error().json_path() == "/linux/sysctl/net.ipv4.ip_forward");
  auto host_ipc = prepare(R"("namespaces":[{"type":"mount"},{"type":"ipc","path":"/proc/self/ns/ipc"}],
    "sysctl":{"kernel.shmmax":"1"})");
  REQUIRE_FALSE(host_ipc.status.ok());
  CHECK(host_ipc.status.error().json_path() == "/linux/sysctl/kernel.shmmax");
  auto domain = prepare(R"("namespaces":[{"type":"mount"},{"type":"uts"}],"sysctl":{"kernel.domainname":"d"})");
  CHECK(domain.status.ok());
  auto hostname = prepare(R"("namespaces":[{"type":"mount"},{"type":"uts"}],"sysctl":{"kernel.hostname":"h"})");
  REQUIRE_FALSE(hostname.status.ok());
  CHECK(hostname.status.error().json_path() == "/linux/sysctl/kernel.hostname");
}

TEST_CASE("plan: no mount namespace means the host's, as runc (runtime-tools linux_ns_itype)") {
  auto p = prepare(R"("namespaces":[{"type":"pid"}])");
  CHECK(p.status.ok());
}

TEST_CASE("plan: seccomp is compiled in the parent") {
  auto p = prepare(
      R"("seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO"}]})");
  REQUIRE(p.status.ok());
  CHECK(p.plan.child.seccomp_len > 0);
  CHECK(p.plan.child.seccomp_filter != nullptr);
}

TEST_CASE("plan: a compiled seccomp program is cached by profile and a bad cache entry is rebuilt") {
  TempRoot root;
  const std::string sc =
      R"("seccomp":{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"}]})";
  auto first = prepare(sc, "", root.path(), true);
  REQUIRE(first.status.ok());
  std::string cache = root.path() + "/.seccomp-cache";
  int files = 0;
  std::string entry;
  for (const auto& e : std::filesystem::directory_iterator(cache)) files++, entry = e.path();
  CHECK(files == 1);
  auto second = prepare(sc, "", root.path(), true);
  REQUIRE(second.status.ok());
  CHECK(second.plan.seccomp_bpf == first.plan.seccomp_bpf);
  FILE* f = fopen(entry.c_str(), "w");
  fputs("garbage", f);
  fclose(f);
  auto third = prepare(sc, "", root.path(), true);
  REQUIRE(third.status.ok());
  CHECK(third.plan.seccomp_bpf == first.plan.seccomp_bpf);
  CHECK(std::filesystem::file_size(entry) > 16);
}

TEST_CASE("plan: device paths are cleaned as runc joins them onto the rootfs; one naming / is refused") {
  auto p = prepare(R"("devices":[{"path":"/dev/mydev/","type":"c","major":1,"minor":5},
    {"path":"/dev//null/.","type":"c","major":1,"minor":3}])");
  REQUIRE(p.status.ok());
  int mydev = 0, null = 0;
  for (size_t i = 0; i < p.plan.child.n_devices; i++) {
    std::string path = p.plan.child.devices[i].path;
    mydev += path == "/dev/mydev";
    null += path == "/dev/null";
  }
  CHECK(mydev == 1);
  CHECK(null == 1);  // the listed one replaces the default
  auto bad = prepare(R"("devices":[{"path":"/dev/..","type":"c","major":1,"minor":5}])");
  REQUIRE_FALSE(bad.status.ok());
  CHECK(bad.status.error().json_path() == "/linux/devices/0/path");
}
