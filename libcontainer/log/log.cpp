// runc-compatible log lines; see log.hpp.
#include "libcontainer/log/log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>

#include "libcontainer/json/writer.hpp"
#include "libcontainer/state/rfc3339.hpp"

namespace berth::log {

bool Sink::open(const std::string& path, Format format, bool debug) {
  format_ = format;
  debug_ = debug;
  if (path.empty()) return true;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  fd_ = fd;
  return true;
}

Sink::~Sink() {
  if (fd_ > 2) close(fd_);
}

static const char* level_name(Level l) {
  switch (l) {
    case Level::Debug: return "debug";
    case Level::Info: return "info";
    case Level::Warn: return "warning";
    case Level::Error: return "error";
  }
  return "info";
}

void Sink::write(Level level, const std::string& msg) const {
  if (level == Level::Debug && !debug_) return;
  time_t now = time(nullptr);
  tm t;
  gmtime_r(&now, &t);
  char ts[80];  // as format_utc_seconds can write for any tm
  int n = state::format_utc_seconds(ts, sizeof ts - 1, t);
  if (n > 0) ts[n] = 'Z', ts[n + 1] = 0;
  std::string line;
  if (format_ == Format::Json) {
    json::Writer w;
    w.begin_object().field("level", level_name(level)).field("msg", msg).field("time", ts).end_object();
    line = w.str();
  } else {
    line = std::string("time=\"") + ts + "\" level=" + level_name(level) + " msg=";
    json::append_quoted(line, msg);
  }
  line += '\n';
  (void)!::write(fd_, line.data(), line.size());
  // runc also prints the bare error on stderr when the log goes to a file.
  if (fd_ > 2 && level == Level::Error) {
    std::string plain = msg + "\n";
    (void)!::write(2, plain.data(), plain.size());
  }
}

}  // namespace berth::log
