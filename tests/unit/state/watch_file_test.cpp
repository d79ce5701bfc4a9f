// The watch entry format the launcher passes (--watch=) and the libc-only
// shim reads, and the counter lookup it does in cgroup event files.
#include <doctest/doctest.h>

#include <string>

#include "libcontainer/state/watch_file.hpp"

using namespace berth::state;

TEST_CASE("watch_file: a line splits into limitation, key, base and file; malformed lines are refused") {
  std::string line = "oom\toom_kill\t2\t/sys/fs/cgroup/memory/c/memory.oom_control";
  char *l = nullptr, *k = nullptr, *f = nullptr;
  long base = -1;
  REQUIRE(watch_file::split(line.data(), &l, &k, &base, &f));
  CHECK(std::string(l) == "oom");
  CHECK(std::string(k) == "oom_kill");
  CHECK(base == 2);
  CHECK(std::string(f) == "/sys/fs/cgroup/memory/c/memory.oom_control");
  for (std::string bad : {"", "oom", "oom\toom_kill\t0", "oom\toom_kill\t0\t", "\tk\t0\tf", "o\t\t0\tf", "o\tk\t\tf",
                          "o\tk\tx\tf", "o\tk\t1x\tf"}) {
    CAPTURE(bad);
    CHECK_FALSE(watch_file::split(bad.data(), &l, &k, &base, &f));
  }
}

TEST_CASE("watch_file: counter reads the number after a key at the start of a line only") {
  const char* v1 = "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n";
  CHECK(watch_file::counter(v1, "oom_kill") == 3);
  CHECK(watch_file::counter(v1, "under_oom") == 0);
  const char* v2 = "low 0\nhigh 0\nmax 12\noom 2\noom_kill 1\noom_group_kill 0\n";
  CHECK(watch_file::counter(v2, "max") == 12);
  CHECK(watch_file::counter(v2, "oom_kill") == 1);
  CHECK(watch_file::counter(v2, "oom") == 2);
  CHECK(watch_file::counter("max.imposed 4\n", "max") == 0);
  CHECK(watch_file::counter("", "max") == 0);
}
