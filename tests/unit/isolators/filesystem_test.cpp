// The filesystem/linux isolator without a mount namespace: the init binds
// the rootfs onto itself in the host's mount namespace, so create's undo
// and delete must detach that bind, and only that one. The record is
// written at provision, before the init exists: an init that binds and
// fails before any isolate ran is undone too (errors.bats raced into that).
#include <doctest/doctest.h>
#include <sys/mount.h>

#include <fstream>
#include <string>

#include "isolators/registry.hpp"
#include "libcontainer/spec/parse.hpp"
#include "libcontainer/json/tree.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/state/record.hpp"
#include "libcontainer/sys/linux_kernel.hpp"
#include "libcontainer/sys/mountinfo.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;

namespace {

// How many mounts sit at exactly path.
int mounts_at(const std::string& path) {
  auto text = state::read_file("/proc/self/mountinfo");
  REQUIRE(text.ok());
  int n = 0;
  for (const auto& m : sys::parse_mountinfo(*text)) n += m.mount_point == path;
  return n;
}

struct Case {
  test::TempTree tree;
  std::string rootfs, state;
  spec::Config config;
  sys::LinuxKernel kernel;
  std::unique_ptr<Isolator> iso = isolators::make_filesystem_linux(kernel);
  explicit Case(const std::string& rootfs_name = "rootfs") {
    tree.mkdirs(rootfs_name);
    tree.mkdirs("state");
    rootfs = tree.at(rootfs_name);
    state = tree.at("state");
    auto c = spec::parse_config(R"({"ociVersion":"1.2.0","root":{"path":"/"},"process":{"args":["sh"],"cwd":"/"},
      "linux":{"namespaces":[{"type":"pid"}]}})");
    REQUIRE(c.ok());
    config = std::move(*c);
  }
  state::Record record{kernel, tree.at("state")};
  ContainerContext ctx() { return ContainerContext{config, "fs", tree.path(), rootfs, state, &record}; }
  // prepare + provision, as create runs them before the init exists.
  void provision() {
    Fragment plan;  // no mount namespace: the host's
    auto c = ctx();
    REQUIRE(iso->prepare(c, plan).ok());
    Status s = iso->provision(c, plan);
    REQUIRE_MESSAGE(s.ok(), (s.ok() ? "" : s.error().message()));
  }
  void bind() { REQUIRE(mount(rootfs.c_str(), rootfs.c_str(), nullptr, MS_BIND | MS_REC, nullptr) == 0); }
  ~Case() {
    while (mounts_at(rootfs) > 0 && umount2(rootfs.c_str(), MNT_DETACH) == 0) {
    }
  }
};

}  // namespace

TEST_CASE("ROOT_ filesystem: the rootfs bind of an init that failed before isolate is detached by cleanup") {
  Case t;
  t.provision();
  auto rec = state::read_record(t.state);  // saved: the init may bind at once
  REQUIRE(rec.ok());
  auto doc = json::Document::parse(rec->sections["hostRootfs"]);
  REQUIRE(doc.ok());
  CHECK(doc->root().get("path").as_string() == t.rootfs);
  CHECK(doc->root().get("mountBefore").as_string() == "");
  t.bind();  // what the init does first; then it fails, before any isolate
  REQUIRE(mounts_at(t.rootfs) == 1);
  REQUIRE(t.iso->cleanup(t.state).ok());
  CHECK(mounts_at(t.rootfs) == 0);
}

TEST_CASE("ROOT_ filesystem: cleanup leaves a mount that was on the rootfs before the container") {
  Case t;
  t.bind();  // the user's own bind of the bundle's rootfs
  t.provision();
  t.bind();  // the init's
  REQUIRE(mounts_at(t.rootfs) == 2);
  REQUIRE(t.iso->cleanup(t.state).ok());
  CHECK(mounts_at(t.rootfs) == 1);
  // An init that never got to bind: nothing of the user's is touched.
  t.provision();
  REQUIRE(t.iso->cleanup(t.state).ok());
  CHECK(mounts_at(t.rootfs) == 1);
}

// mountinfo writes a space as \040, a tab as \011, a backslash as \134: the
// record holds the real path, and cleanup must find the bind under it.
TEST_CASE("ROOT_ filesystem: cleanup detaches the rootfs bind of a path with a space, a tab and a backslash") {
  Case t("root fs\tx\\y");
  t.provision();
  t.bind();
  REQUIRE(mounts_at(t.rootfs) == 1);
  REQUIRE(t.iso->cleanup(t.state).ok());
  CHECK(mounts_at(t.rootfs) == 0);
}
