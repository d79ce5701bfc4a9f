// root.path resolution against the bundle (libcontainer/spec/root_path.cpp).
#include <doctest/doctest.h>

#include <climits>
#include <cstdlib>

#include "libcontainer/spec/root_path.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;
using berth::test::TempTree;

namespace {

std::string canonical(const std::string& p) {
  char buf[PATH_MAX];
  return realpath(p.c_str(), buf) ? std::string(buf) : std::string();
}

}  // namespace

TEST_CASE("root path: relative paths resolve inside the bundle, canonicalised") {
  TempTree t;
  t.mkdirs("bundle/rootfs/sub");
  t.mkdirs("bundle/other");
  t.symlink("rootfs", "bundle/link");
  std::string bundle = canonical(t.at("bundle"));
  CHECK(spec::resolve_root_path(bundle, "rootfs").value() == bundle + "/rootfs");
  CHECK(spec::resolve_root_path(bundle, "./rootfs/sub/../").value() == bundle + "/rootfs");
  CHECK(spec::resolve_root_path(bundle, "other/../rootfs").value() == bundle + "/rootfs");
  CHECK(spec::resolve_root_path(bundle, "link").value() == bundle + "/rootfs");
  CHECK(spec::resolve_root_path(bundle, ".").value() == bundle);
}

TEST_CASE("root path: a relative path that leads outside the bundle is refused at /root/path") {
  TempTree t;
  t.mkdirs("bundle/rootfs");
  t.mkdirs("outside");
  t.mkdirs("bundle-twin");
  t.symlink("../outside", "bundle/out-link");
  std::string bundle = canonical(t.at("bundle"));
  for (const char* p : {"../outside", "rootfs/../../outside", "out-link", "../bundle-twin", "../../../../.."}) {
    auto r = spec::resolve_root_path(bundle, p);
    REQUIRE_MESSAGE(!r.ok(), p);
    CHECK(r.error().json_path() == "/root/path");
    CHECK(r.error().code() == Code::Config);
    CHECK(r.error().message().find("must stay inside the bundle") != std::string::npos);
  }
}

TEST_CASE("root path: an absolute path is allowed anywhere, canonicalised") {
  TempTree t;
  t.mkdirs("bundle");
  t.mkdirs("elsewhere/rootfs");
  std::string bundle = canonical(t.at("bundle"));
  std::string abs = canonical(t.at("elsewhere/rootfs"));
  CHECK(spec::resolve_root_path(bundle, t.at("bundle/../elsewhere/rootfs/")).value() == abs);
}

TEST_CASE("root path: missing paths and non-directories are refused at /root/path") {
  TempTree t;
  t.mkdirs("bundle");
  t.touch("bundle/file");
  std::string bundle = canonical(t.at("bundle"));
  auto missing = spec::resolve_root_path(bundle, "rootfs");
  REQUIRE(!missing.ok());
  CHECK(missing.error().code() == Code::NotFound);
  CHECK(missing.error().json_path() == "/root/path");
  auto file = spec::resolve_root_path(bundle, "file");
  REQUIRE(!file.ok());
  CHECK(file.error().json_path() == "/root/path");
  CHECK(file.error().message().find("not a directory") != std::string::npos);
  CHECK(!spec::resolve_root_path(bundle, "").ok());
}
