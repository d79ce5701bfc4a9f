// shim/log_writer.hpp: the container's output as CRI log entries (F for a
// line, P for a part), lines longer than the buffer cut, the last bytes
// without a newline kept, a pty's EIO taken as its end, and the rotation
// that keeps at most max_files files of at most max_size bytes.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "shim/log_writer.hpp"
#include "shim/shim.hpp"
#include "tests/unit/temp_tree.hpp"

using berth::shim::LinuxShimSys;
using berth::shim::LogStream;
using berth::shim::LogWriter;
using berth::test::TempTree;

namespace {

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// "STREAM TAG CONTENT" of each entry: the time stripped.
std::vector<std::string> entries(const std::string& path) {
  std::vector<std::string> out;
  for (const auto& l : lines_of(path)) {
    REQUIRE(l.size() > 31);
    CHECK(l[4] == '-');
    CHECK(l.find('Z') == 29);  // 2026-12-07T06:52:59.123456789Z
    out.push_back(l.substr(31));
  }
  return out;
}

// A pipe whose write end we feed; its read end non-blocking, as the shim's.
struct Pipe {
  int r = -1, w = -1;
  Pipe() {
    int p[2];
    REQUIRE(pipe2(p, O_CLOEXEC) == 0);
    r = p[0], w = p[1];
    fcntl(r, F_SETFL, O_NONBLOCK);
  }
  ~Pipe() {
    if (w >= 0) close(w);
  }
  void put(const std::string& s) { REQUIRE(write(w, s.data(), s.size()) == ssize_t(s.size())); }
  void end() {
    close(w);
    w = -1;
  }
};

}  // namespace

TEST_CASE("log writer: whole lines as F entries, per stream; the rest without newline as P at the end") {
  TempTree t;
  std::string path = t.at("c.log");
  LogWriter<LinuxShimSys> log;
  log.path = path.c_str();
  REQUIRE(log.open());
  Pipe out, err;
  static LogStream so, se;
  so.fd = out.r, so.name = "stdout";
  se.fd = err.r, se.name = "stderr";
  out.put("one\ntw");
  CHECK(log.pump(so));  // "tw" waits for the rest of its line
  err.put("oops\n");
  CHECK(log.pump(se));
  out.put("o\n\nlast");
  CHECK(log.pump(so));
  out.end();
  CHECK_FALSE(log.pump(so));
  CHECK(so.fd == -1);
  CHECK(entries(path) ==
        std::vector<std::string>{"stdout F one", "stderr F oops", "stdout F two", "stdout F ", "stdout P last"});
}

TEST_CASE("log writer: a line longer than the buffer is cut into P entries, its end an F one") {
  TempTree t;
  std::string path = t.at("c.log");
  LogWriter<LinuxShimSys> log;
  log.path = path.c_str();
  Pipe out;
  static LogStream s;
  s.fd = out.r;
  std::string big(berth::shim::kLogLineMax + 10, 'x');
  // Written by a child: more than a pipe holds at once.
  pid_t pid = fork();
  if (pid == 0) {
    (void)!write(out.w, (big + "\n").data(), big.size() + 1);
    _exit(0);
  }
  out.end();
  while (log.pump(s)) {
  }
  waitpid(pid, nullptr, 0);
  auto es = entries(path);
  REQUIRE(es.size() == 2);
  CHECK(es[0] == "stdout P " + std::string(berth::shim::kLogLineMax, 'x'));
  CHECK(es[1] == "stdout F " + std::string(10, 'x'));
}

TEST_CASE("log writer: rotated before a line would pass max_size; at most max_files files") {
  TempTree t;
  std::string path = t.at("c.log");
  LogWriter<LinuxShimSys> log;
  log.path = path.c_str();
  log.max_size = 200;  // about three entries of 50-odd bytes
  log.max_files = 3;
  for (int i = 0; i < 20; i++) {
    std::string line = "line " + std::to_string(i);
    log.entry("stdout", 'F', line.data(), line.size());
  }
  namespace fs = std::filesystem;
  CHECK(fs::exists(path));
  CHECK(fs::exists(path + ".1"));
  CHECK(fs::exists(path + ".2"));
  CHECK_FALSE(fs::exists(path + ".3"));
  for (const char* f : {"", ".1", ".2"}) CHECK(fs::file_size(path + f) <= 200);
  // The newest in PATH, the ones before it in .1: nothing in between lost.
  auto now = entries(path), before = entries(path + ".1");
  REQUIRE_FALSE(now.empty());
  CHECK(now.back() == "stdout F line 19");
  CHECK(before.back() == "stdout F line " + std::to_string(19 - int(now.size())));
}

TEST_CASE("log writer: a pty's EIO is its end") {
  TempTree t;
  std::string path = t.at("c.log");
  LogWriter<LinuxShimSys> log;
  log.path = path.c_str();
  int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(master >= 0);
  REQUIRE(grantpt(master) == 0);
  REQUIRE(unlockpt(master) == 0);
  int peer = open(ptsname(master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(peer >= 0);
  fcntl(master, F_SETFL, O_NONBLOCK);
  static LogStream s;
  s.fd = master;
  REQUIRE(write(peer, "hi\n", 3) == 3);
  close(peer);
  // The pty hands the bytes on asynchronously: wait for each readiness.
  for (int i = 0; i < 100; i++) {
    pollfd p{master, POLLIN, 0};
    poll(&p, 1, 5000);
    if (!log.pump(s)) break;
  }
  CHECK(s.fd == -1);
  auto es = entries(path);
  REQUIRE_FALSE(es.empty());
  CHECK(es[0].rfind("stdout F hi", 0) == 0);  // the pty adds its \r
}
