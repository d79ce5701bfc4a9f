// The CLI's value parsers: kill's signal (runc's names and numbers), events'
// --interval (Go's durations) and update's runc flags to a resources document.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>

#include "runtime/commands.hpp"
#include "runtime/events.hpp"
#include "runtime/update.hpp"

using namespace berth;
using namespace std::chrono_literals;

TEST_CASE("kill signal: a name with or without SIG, any case, or a number") {
  const std::pair<const char*, int> ok[] = {
      {"KILL", SIGKILL}, {"SIGKILL", SIGKILL}, {"sigterm", SIGTERM}, {"hup", SIGHUP}, {"9", 9}, {"0", 0}};
  for (const auto& [text, want] : ok) {
    CAPTURE(std::string(text));
    auto r = cli::parse_signal(text);
    REQUIRE(r.ok());
    CHECK(*r == want);
  }
  for (const char* bad : {"", "NOPE", "SIG", "-1", "9x", "65"}) {
    CAPTURE(std::string(bad));
    auto r = cli::parse_signal(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code() == Code::Config);
  }
}

TEST_CASE("events interval: Go's durations") {
  const std::pair<const char*, std::chrono::nanoseconds> ok[] = {
      {"5s", 5s}, {"100ms", 100ms}, {"1m30s", 90s}, {"1.5h", 90min}, {"0", 0ns}, {"250us", 250us}, {"-2s", -2s}};
  for (const auto& [text, want] : ok) {
    CAPTURE(std::string(text));
    auto r = cli::parse_duration(text);
    REQUIRE(r.ok());
    CHECK(r->count() == want.count());
  }
  for (const char* bad : {"", "5", "s", "5x", "1e3s", "99999999999h"}) {
    CAPTURE(std::string(bad));
    auto r = cli::parse_duration(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find("--interval") != std::string::npos);
  }
}

TEST_CASE("update flags: sizes with runc's suffixes, numbers, and the sections they fill") {
  auto r =
      cli::resources_from_flags({{"memory", "1m"}, {"memory-swap", "-1"}, {"cpu-quota", "-1"}, {"pids-limit", "10"}});
  REQUIRE(r.ok());
  REQUIRE(r->memory);
  CHECK(r->memory->limit == 1 << 20);
  CHECK(r->memory->swap == -1);
  CHECK_FALSE(r->memory->reservation);
  REQUIRE(r->cpu);
  CHECK(r->cpu->quota == -1);
  CHECK_FALSE(r->cpu->period);
  CHECK(r->pids_limit == 10);

  auto mem_only = cli::resources_from_flags({{"memory-reservation", "2gb"}});
  REQUIRE(mem_only.ok());
  CHECK_FALSE(mem_only->cpu);
  CHECK(mem_only->memory->reservation == int64_t(2) << 30);

  auto none = cli::resources_from_flags({});
  REQUIRE(none.ok());
  CHECK_FALSE(none->memory);
  CHECK_FALSE(none->cpu);
}

TEST_CASE("update flags: bad values and unsupported flags name the flag") {
  const std::pair<std::map<std::string, std::string>, const char*> bad[] = {
      {{{"memory", "lots"}}, "--memory"},
      {{{"cpu-period", "-5"}}, "--cpu-period"},
      {{{"pids-limit", "ten"}}, "--pids-limit"},
      {{{"blkio-weight", "10"}}, "--blkio-weight"},
      {{{"l3-cache-schema", "x"}}, "--l3-cache-schema"},
      {{{"memory", "1q"}}, "--memory"}};
  for (const auto& [values, flag] : bad) {
    CAPTURE(std::string(flag));
    auto r = cli::resources_from_flags(values);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message().find(flag) != std::string::npos);
  }
}
