// log::Sink: where the CLI's messages go, in runc's formats so that
// containerd and conmon can read the last error from the --log file:
//   json: {"level":"error","msg":"...","time":"2006-01-02T15:04:05Z"}
//   text: time="2006-01-02T15:04:05Z" level=error msg="..."
// Without --log, messages go to stderr in the text format.
#pragma once

#include <string>

namespace berth::log {

enum class Format { Text, Json };
enum class Level { Debug, Info, Warn, Error };

class Sink {
 public:
  Sink() = default;
  // An empty path means stderr. Returns false if the file cannot be opened.
  bool open(const std::string& path, Format format, bool debug);
  ~Sink();
  Sink(const Sink&) = delete;
  Sink& operator=(const Sink&) = delete;

  void write(Level level, const std::string& msg) const;
  void error(const std::string& msg) const { write(Level::Error, msg); }
  void warn(const std::string& msg) const { write(Level::Warn, msg); }
  void debug(const std::string& msg) const { write(Level::Debug, msg); }
  bool to_file() const { return fd_ > 2; }

 private:
  int fd_ = 2;
  Format format_ = Format::Text;
  bool debug_ = false;
};

}  // namespace berth::log
