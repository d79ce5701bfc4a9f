// launcher/process_attrs: the host decisions (LSM labels, NUMA nodes) taken
// with a fake HostFacts, and the values handed to the init's ChildPlan.
#include <doctest/doctest.h>
#include <linux/ioprio.h>
#include <linux/mempolicy.h>
#include <sched.h>
#include <sys/personality.h>

#include <cstring>
#include <string>

#include "libcontainer/launcher/process_attrs.hpp"
#include "libcontainer/spec/parse.hpp"

using namespace berth;
using namespace berth::launcher;

namespace {

spec::Config config(const std::string& process_extra, const std::string& linux_extra = "") {
  std::string text = R"({"ociVersion":"1.2.0","root":{"path":"rootfs"},"process":{"args":["sh"],"cwd":"/")" +
                     (process_extra.empty() ? "" : "," + process_extra) + R"(},"linux":{)" + linux_extra + "}}";
  auto r = spec::parse_config(text);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? "" : r.error().message()));
  return std::move(r).value();
}

HostFacts host(bool apparmor, bool selinux, uint64_t nodes = 1) {
  HostFacts h;
  h.apparmor = apparmor;
  h.selinux = selinux;
  h.numa_online.assign(spec::kMaxNumaNodes / 64, 0);
  h.numa_online[0] = nodes;
  return h;
}

child::ChildMount fs_mount(const char* type, int index) {
  child::ChildMount m{};
  m.kind = child::MountKind::Fs;
  m.fstype = type;
  m.json_index = index;
  std::strcpy(m.opts.data, "mode=755");
  m.opts.data_len = 8;
  return m;
}

}  // namespace

TEST_CASE("lsm labels: process labels refused by name on a host without the LSM, as runc 1.1.5; a mount label warned") {
  spec::Config c = config(R"("apparmorProfile":"p","selinuxLabel":"s")", R"("mountLabel":"m")");
  std::vector<std::string> warnings;
  Status s = check_lsm_labels(c, host(false, false), &warnings);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == Code::Unsupported);
  CHECK(s.error().json_path() == "/process/apparmorProfile");
  REQUIRE(s.error().notes().size() == 1);
  CHECK(s.error().notes()[0].rfind("/process/selinuxLabel: SELinux is not enabled", 0) == 0);
  REQUIRE(warnings.size() == 1);
  CHECK(warnings[0].find("/linux/mountLabel") != std::string::npos);
  warnings.clear();
  CHECK(check_lsm_labels(config("", R"("mountLabel":"m")"), host(false, false), &warnings).ok());
  CHECK(warnings.size() == 1);
  warnings.clear();
  CHECK(check_lsm_labels(config("", R"("mountLabel":"m")"), host(false, true), &warnings).ok());
  CHECK(warnings.empty());
  // Each LSM answers for its own fields only.
  Status aa = check_lsm_labels(c, host(true, false));
  REQUIRE_FALSE(aa.ok());
  CHECK(aa.error().json_path() == "/process/selinuxLabel");
  Status se = check_lsm_labels(c, host(false, true));
  REQUIRE_FALSE(se.ok());
  CHECK(se.error().json_path() == "/process/apparmorProfile");
  CHECK(se.error().notes().empty());
  CHECK(check_lsm_labels(c, host(true, true)).ok());
  // Empty labels ask for nothing.
  CHECK(check_lsm_labels(config(R"("apparmorProfile":"")"), host(false, false)).ok());
}

TEST_CASE("lsm labels: with the LSM loaded the init gets the exec labels") {
  spec::Config c = config(R"("apparmorProfile":"berth-test","selinuxLabel":"system_u:system_r:container_t:s0")");
  LaunchPlan plan;
  REQUIRE(fill_process_attrs(c, host(true, true), plan).ok());
  REQUIRE(plan.child.attrs.apparmor_exec);
  CHECK(std::string(plan.child.attrs.apparmor_exec) == "exec berth-test");
  REQUIRE(plan.child.attrs.selinux_exec);
  CHECK(std::string(plan.child.attrs.selinux_exec) == "system_u:system_r:container_t:s0");
  LaunchPlan none;
  REQUIRE(fill_process_attrs(config(""), host(true, true), none).ok());
  CHECK(none.child.attrs.apparmor_exec == nullptr);
  CHECK(none.child.attrs.selinux_exec == nullptr);
}

TEST_CASE("mountLabel: context= on tmpfs-like mounts only, and only with SELinux") {
  spec::Config c = config("", R"("mountLabel":"system_u:object_r:container_file_t:s0:c1,c2")");
  LaunchPlan plan;
  plan.mounts = {fs_mount("tmpfs", 0), fs_mount("proc", 1), fs_mount("mqueue", 2), fs_mount("devpts", 3)};
  child::ChildMount bind = fs_mount(nullptr, 4);
  bind.kind = child::MountKind::Bind;
  plan.mounts.push_back(bind);
  REQUIRE(apply_mount_label(c, host(false, true), plan).ok());
  const std::string labelled = R"(mode=755,context="system_u:object_r:container_file_t:s0:c1,c2")";
  CHECK(std::string(plan.mounts[0].opts.data) == labelled);
  CHECK(plan.mounts[0].opts.data_len == labelled.size());
  CHECK(std::string(plan.mounts[1].opts.data) == "mode=755");
  CHECK(std::string(plan.mounts[2].opts.data) == "mode=755");
  CHECK(std::string(plan.mounts[3].opts.data) == labelled);
  CHECK(std::string(plan.mounts[4].opts.data) == "mode=755");
  LaunchPlan no_selinux;
  no_selinux.mounts = {fs_mount("tmpfs", 0)};
  REQUIRE(apply_mount_label(c, host(false, false), no_selinux).ok());
  CHECK(std::string(no_selinux.mounts[0].opts.data) == "mode=755");
}

TEST_CASE("process attrs: scheduler, ioPriority and personality reach the plan") {
  spec::Config c = config(R"("scheduler":{"policy":"SCHED_BATCH","nice":7},
                             "ioPriority":{"class":"IOPRIO_CLASS_IDLE","priority":2})",
                          R"("personality":{"domain":"LINUX32"})");
  LaunchPlan plan;
  REQUIRE(fill_process_attrs(c, host(false, false), plan).ok());
  const auto& a = plan.child.attrs;
  CHECK(a.has_sched);
  CHECK(a.sched_policy == SCHED_BATCH);
  CHECK(a.sched_nice == 7);
  CHECK(a.has_ioprio);
  CHECK(a.ioprio == IOPRIO_PRIO_VALUE(IOPRIO_CLASS_IDLE, 2));
  CHECK(a.has_personality);
  CHECK(a.personality == PER_LINUX32);
  CHECK_FALSE(a.has_mempolicy);
  LaunchPlan none;
  REQUIRE(fill_process_attrs(config(""), host(false, false), none).ok());
  CHECK_FALSE(none.child.attrs.has_sched);
  CHECK_FALSE(none.child.attrs.has_ioprio);
  CHECK_FALSE(none.child.attrs.has_personality);
}

TEST_CASE("memoryPolicy: nodes must be online unless static or relative") {
  spec::Config c = config("", R"("memoryPolicy":{"mode":"MPOL_INTERLEAVE","nodes":"0,2"})");
  LaunchPlan plan;
  Status s = fill_process_attrs(c, host(false, false, 0x3), plan);
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().json_path() == "/linux/memoryPolicy/nodes");
  CHECK(s.error().message().find("NUMA node 2 is not online on this host (online: 0,1)") != std::string::npos);
  LaunchPlan ok;
  REQUIRE(fill_process_attrs(c, host(false, false, 0x5), ok).ok());
  CHECK(ok.child.attrs.has_mempolicy);
  CHECK(ok.child.attrs.mempolicy_mode == MPOL_INTERLEAVE);
  CHECK(ok.child.attrs.mempolicy_has_nodes);
  CHECK(ok.child.attrs.mempolicy_nodes[0] == 0x5);
  spec::Config st = config("", R"("memoryPolicy":{"mode":"MPOL_BIND","nodes":"7","flags":["MPOL_F_STATIC_NODES"]})");
  LaunchPlan sp;
  REQUIRE(fill_process_attrs(st, host(false, false, 0x1), sp).ok());
  CHECK(sp.child.attrs.mempolicy_mode == (MPOL_BIND | MPOL_F_STATIC_NODES));
  spec::Config local = config("", R"("memoryPolicy":{"mode":"MPOL_LOCAL"})");
  LaunchPlan lp;
  REQUIRE(fill_process_attrs(local, host(false, false), lp).ok());
  CHECK(lp.child.attrs.has_mempolicy);
  CHECK_FALSE(lp.child.attrs.mempolicy_has_nodes);
}
