// `berth events` (runc 1.1's: a stream of JSON events, or one stats event
// with --stats) and `berth stats` (berth's own: one human-readable snapshot).
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "libcontainer/isolator/usage.hpp"
#include "libcontainer/error/error.hpp"
#include "runtime/commands.hpp"

namespace CLI {
class App;
}

namespace berth::cli {

struct EventsFlags {
  std::string id;
  std::string interval = "5s";  // a Go duration, as runc's --interval
  bool stats = false;
};

void add_events_options(CLI::App* cmd, EventsFlags& f);
Result<int> cmd_events(const Globals& g, const EventsFlags& f);
Result<int> cmd_stats(const Globals& g, const std::string& id);

// Go's time.ParseDuration: "5s", "100ms", "1m30s", "1.5h", "0"; exposed for tests.
Result<std::chrono::nanoseconds> parse_duration(std::string_view text);
// The `berth stats` text for a snapshot; exposed for tests.
std::string stats_text(const std::string& id, const Usage& s);

}  // namespace berth::cli
