// Cgroup usage: the parsers of the control files' text, read_stats on a
// fake v1 and v2 tree, and the JSON in runc 1.1's shape (omitempty rules).
#include <doctest/doctest.h>
#include <fcntl.h>

#include <fstream>
#include <limits>
#include <string>

#include "libcontainer/cgroup/stats.hpp"
#include "libcontainer/fd/unique_fd.hpp"
#include "tests/unit/temp_tree.hpp"

using namespace berth;
using namespace berth::cgroup;

namespace {
void put(const test::TempTree& t, const std::string& rel, const std::string& text) { std::ofstream(t.at(rel)) << text; }
// read_stats over the leaf dirs rel, below t.
Usage stats_of(const test::TempTree& t, std::initializer_list<const char*> rels) {
  std::vector<UniqueFd> open;
  std::vector<int> fds;
  for (const char* rel : rels) {
    open.emplace_back(::open(t.at(rel).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(open.back());
    fds.push_back(open.back().get());
  }
  Usage u;
  read_stats(fds, u);
  return u;
}
}  // namespace

TEST_CASE("stats parsers: key/value files, numbers, lists") {
  auto kv = parse::key_values(
      "cache 4096\nrss 8192\ntotal_rss 12288\nbogus\nhierarchical_memory_limit 9223372036854771712\n");
  CHECK(kv.size() == 4);
  CHECK(kv["cache"] == 4096);
  CHECK(kv["hierarchical_memory_limit"] == 9223372036854771712ULL);
  auto cpu = parse::key_values(
      "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 3\nnr_throttled 2\nthrottled_usec 70");
  CHECK(cpu["usage_usec"] == 1500);
  CHECK(cpu["throttled_usec"] == 70);
  CHECK(parse::key_values("user 3\nsystem 2\n")["system"] == 2);  // cpuacct.stat
  CHECK(parse::key_values("low 0\nhigh 0\nmax 4\noom 1\noom_kill 1\n")["oom_kill"] == 1);
  CHECK(parse::uint_value("max\n") == std::numeric_limits<uint64_t>::max());
  CHECK(parse::uint_value("42\n") == 42u);
  CHECK(!parse::uint_value("-1"));
  CHECK(!parse::uint_value("99999999999999999999999"));
  CHECK(parse::uint_list("10 20 30 \n") == std::vector<uint64_t>{10, 20, 30});
  CHECK(parse::cpu_list("0-2,5\n") == std::vector<uint16_t>{0, 1, 2, 5});
  CHECK(parse::cpu_list("").empty());
  std::vector<uint64_t> k, u;
  parse::usage_all("cpu user system\n0 28000000 16000000\n1 4000000 8000000\n", k, u);
  CHECK(u == std::vector<uint64_t>{28000000, 4000000});
  CHECK(k == std::vector<uint64_t>{16000000, 8000000});
  auto b = parse::blkio("8:0 Read 4096\n8:0 Write 0\n8:0 Total 4096\nTotal 4096\n");
  REQUIRE(b.size() == 3);
  CHECK(b[0].major == 8);
  CHECK(b[0].op == "Read");
  CHECK(b[0].value == 4096);
  CHECK(parse::blkio("Total 0\n").empty());
  std::vector<BlkioEntry> bytes, ios;
  parse::io_stat("254:0 rbytes=1024 wbytes=2048 rios=1 wios=2 dbytes=0 dios=0\n", bytes, ios);
  REQUIRE(bytes.size() == 2);
  CHECK(bytes[1].op == "Write");
  CHECK(bytes[1].value == 2048);
  REQUIRE(ios.size() == 2);
  CHECK(ios[0].major == 254);
}

TEST_CASE("read_stats on a fake v2 leaf: cpu.stat in ns, memory with swap added as runc does, pids") {
  test::TempTree t;
  t.mkdirs("c");
  put(t, "c/cgroup.controllers", "cpu memory pids\n");
  put(t, "c/cpu.stat",
      "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 3\nnr_throttled 2\nthrottled_usec 7\n");
  put(t, "c/memory.stat", "anon 4096\nfile 8192\n");
  put(t, "c/memory.current", "12288\n");
  put(t, "c/memory.max", "16777216\n");
  put(t, "c/memory.swap.current", "0\n");
  put(t, "c/memory.swap.max", "max\n");
  put(t, "c/memory.events", "low 0\nhigh 0\nmax 9\noom 1\noom_kill 1\n");
  put(t, "c/pids.current", "2\n");
  put(t, "c/pids.max", "max\n");
  Usage s = stats_of(t, {"c"});
  CHECK(s.cgroup == "v2");
  CHECK(s.cpu.total == 1500000);
  CHECK(s.cpu.kernel == 500000);
  CHECK(s.throttling.throttled_time == 7000);
  CHECK(s.memory.cache == 8192);
  CHECK(s.memory.usage.usage == 12288);
  CHECK(s.memory.swap.usage == 12288);
  CHECK(s.memory.swap.limit == std::numeric_limits<uint64_t>::max());
  CHECK(s.memory.oom_kill == 1);
  CHECK(s.pids.current == 2);
  CHECK(s.pids.limit == 0);
  std::string j = event_json("stats", "x", &s);
  CHECK(j.find(R"("usage":{"total":1500000,"kernel":500000,"user":1000000})") != std::string::npos);
  CHECK(j.find(R"("throttling":{"periods":3,"throttledPeriods":2,"throttledTime":7000})") != std::string::npos);
  CHECK(j.find(R"("pids":{"current":2})") != std::string::npos);
  // v2 has no cpuset stats in runc: the non-omitempty fields only, all 0.
  CHECK(j.find(R"("cpuset":{"cpu_exclusive":0,"mem_hardwall":0,)") != std::string::npos);
  CHECK(j.find(R"("raw":{"anon":4096,"file":8192})") != std::string::npos);
  CHECK(j.find(R"("kernel":{"limit":0,"failcnt":0})") != std::string::npos);
  CHECK(j.find(R"("blkio":{},"hugetlb":{},"intel_rdt":{},"network_interfaces":null})") != std::string::npos);
}

TEST_CASE("read_stats prefers the v1 leaves on a hybrid host; an OOM event line has no data") {
  test::TempTree t;
  t.mkdirs("memory/c");
  t.mkdirs("unified/c");
  put(t, "unified/c/cgroup.controllers", "hugetlb\n");
  put(t, "unified/c/cpu.stat", "usage_usec 99\n");
  put(t, "memory/c/memory.stat", "cache 0\nrss 4096\n");
  put(t, "memory/c/memory.usage_in_bytes", "4096\n");
  put(t, "memory/c/memory.max_usage_in_bytes", "8192\n");
  put(t, "memory/c/memory.failcnt", "0\n");
  put(t, "memory/c/memory.limit_in_bytes", "9223372036854771712\n");
  Usage s = stats_of(t, {"memory/c", "unified/c"});
  CHECK(s.cgroup == "v1");
  CHECK(s.cpu.total == 0);
  CHECK(s.memory.usage.max == 8192);
  std::string j = event_json("stats", "x", &s);
  CHECK(j.find(R"("memory":{"usage":{"limit":9223372036854771712,"usage":4096,"max":8192,"failcnt":0})") !=
        std::string::npos);
  CHECK(event_json("oom", "x", nullptr) == R"({"type":"oom","id":"x"})");
}
