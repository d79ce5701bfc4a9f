// The name the re-executed image gets as argv[0]: the real binary's
// directory (berth-shim is beside it) with the name berth was called by
// (berth-runc, a link, keeps its meaning across the re-exec).
#include "libcontainer/sys/exe_view.hpp"

#include <doctest/doctest.h>

#include <string>

using berth::sys::called_in_dir;

TEST_CASE("exe view: argv[0] of the re-executed image is the real directory with the called name") {
  char out[64];
  REQUIRE(called_in_dir(out, sizeof out, "/opt/berth/bin/berth", "/usr/local/bin/berth-runc"));
  CHECK(std::string(out) == "/opt/berth/bin/berth-runc");
  REQUIRE(called_in_dir(out, sizeof out, "/opt/bin/berth", "berth-runc"));  // found through $PATH
  CHECK(std::string(out) == "/opt/bin/berth-runc");
  REQUIRE(called_in_dir(out, sizeof out, "/b/berth", "./berth"));
  CHECK(std::string(out) == "/b/berth");
  CHECK_FALSE(called_in_dir(out, sizeof out, "berth", "x"));         // no directory
  CHECK_FALSE(called_in_dir(out, sizeof out, "/b/berth", "/dir/"));  // no name
  CHECK_FALSE(called_in_dir(out, sizeof out, "/b/berth", nullptr));
  CHECK_FALSE(called_in_dir(out, 8, "/long/dir/berth", "berth-runc"));  // does not fit
}
