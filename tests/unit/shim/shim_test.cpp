// shim/shim.hpp: the supervisor's exit record (complete or absent, never a
// part, whichever call fails), the limitations it reports, the waiter
// protocol and the requests it serves, on a FakeShimSys that passes the
// calls to the real ones (files in a temp dir, socketpairs for clients),
// records them and fails call N.
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "shim/shim.hpp"
#include "tests/unit/temp_tree.hpp"

using berth::test::TempTree;

namespace {

struct FakeShimSys {
  static inline std::vector<std::string> calls;
  static inline int fail_at = 0;                          // 1-based; 0: none
  static inline std::deque<std::pair<pid_t, int>> exits;  // what reap_any returns, in order

  static void reset() {
    calls.clear();
    fail_at = 0;
    exits.clear();
  }
  // Records op; true when it is the call to fail (then with EIO).
  static bool fails(const std::string& op) {
    calls.push_back(op);
    if (int(calls.size()) != fail_at) return false;
    errno = EIO;
    return true;
  }
  static int open(const char* path, int flags, mode_t mode = 0) {
    std::string p(path);
    return fails("open " + p.substr(p.rfind('/') + 1)) ? -1 : ::open(path, flags, mode);
  }
  static ssize_t read(int fd, void* buf, size_t n) { return fails("read") ? -1 : ::read(fd, buf, n); }
  static ssize_t write(int fd, const void* buf, size_t n) { return fails("write") ? -1 : ::write(fd, buf, n); }
  static int fsync(int fd) { return fails("fsync") ? -1 : ::fsync(fd); }
  static int rename(const char* a, const char* b) { return fails("rename") ? -1 : ::rename(a, b); }
  static int unlink(const char* p) { return fails("unlink") ? -1 : ::unlink(p); }
  static int close(int fd) {
    calls.push_back("close");  // as close(2): the fd is gone whatever it returns
    return ::close(fd);
  }
  static ssize_t send(int fd, const void* buf, size_t n) {
    return fails("send") ? -1 : ::send(fd, buf, n, MSG_NOSIGNAL);
  }
  static pid_t reap_any(int* status) {
    if (exits.empty()) return 0;
    auto [pid, st] = exits.front();
    exits.pop_front();
    *status = st;
    return pid;
  }
};

using Shim = berth::shim::Shim<FakeShimSys>;

struct World {
  TempTree t;
  Shim shim;  // large (its client tables): one per test
  World() {
    FakeShimSys::reset();
    t.mkdirs("state");
    snprintf(shim.dir, sizeof shim.dir, "%s", t.at("state").c_str());
    shim.init = 42;
  }
  std::string read(const std::string& rel) const {
    std::ifstream in(t.at(rel));
    return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  }
  bool exists(const std::string& rel) const { return std::filesystem::exists(t.at(rel)); }
};

// A connected client: [0] the shim's end, [1] the CLI's.
struct Client {
  int fds[2];
  Client() { REQUIRE(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) == 0); }
  ~Client() { ::close(fds[1]); }
  std::string reply() const {
    char buf[128];
    ssize_t n = ::recv(fds[1], buf, sizeof buf, MSG_DONTWAIT);
    return n > 0 ? std::string(buf, size_t(n)) : std::string();
  }
  bool hung_up() const {  // the shim closed its end (with our bytes unread: a reset)
    char c;
    ssize_t n = ::recv(fds[1], &c, 1, MSG_DONTWAIT);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }
};

}  // namespace

TEST_CASE("shim: the exit record of a signalled init, fsync'ed before its rename and the directory after") {
  World w;
  FakeShimSys::exits = {{7, 0}, {42, SIGKILL}};  // an orphan of the container first
  w.shim.reap();
  CHECK(w.shim.exited);
  std::string rec = w.read("state/exit.json");
  CHECK(rec.rfind("{\"exitCode\":137,\"signal\":9,\"exitedAt\":\"", 0) == 0);
  CHECK(rec.back() == '}');
  CHECK(rec.find("oomKilled") == std::string::npos);
  CHECK_FALSE(w.exists("state/exit.json.tmp"));
  std::vector<std::string> want = {"open exit.json.tmp", "write", "fsync", "close", "rename",
                                   "open state",         "fsync", "close"};
  std::vector<std::string> got(FakeShimSys::calls.end() - long(want.size()), FakeShimSys::calls.end());
  CHECK(got == want);
}

TEST_CASE("shim: a waiter is answered once the record is in place, before the directory's fsync") {
  World w;
  Client waiter;
  REQUIRE(w.shim.handle_line(waiter.fds[0], "wait"));
  FakeShimSys::exits = {{42, 0}};
  w.shim.reap();
  CHECK(waiter.reply() == "exit 0 0\n");
  std::vector<std::string> want = {"fsync", "close", "rename", "open state", "send", "close", "fsync", "close"};
  std::vector<std::string> got(FakeShimSys::calls.end() - long(want.size()), FakeShimSys::calls.end());
  CHECK(got == want);
}

TEST_CASE("shim: an orphan's exit is not the init's") {
  World w;
  FakeShimSys::exits = {{7, 3 << 8}};
  w.shim.reap();
  CHECK_FALSE(w.shim.exited);
  CHECK_FALSE(w.exists("state/exit.json"));
}

TEST_CASE("shim: the limitations the watch list names go into the record, oom as oomKilled") {
  World w;
  std::ofstream(w.t.at("memory.events")) << "low 0\noom 1\noom_kill 3\n";
  std::ofstream(w.t.at("pids.events")) << "max 5\n";
  // As create passes them: --watch=LIMITATION<tab>KEY<tab>BASE<tab>FILE.
  std::string oom = "oom\toom_kill\t1\t" + w.t.at("memory.events"), pids = "pids\tmax\t5\t" + w.t.at("pids.events");
  w.shim.watches[0] = oom.c_str();
  w.shim.watches[1] = pids.c_str();
  w.shim.n_watches = 2;
  FakeShimSys::exits = {{42, 2 << 8}};
  w.shim.reap();
  std::string rec = w.read("state/exit.json");
  CHECK(rec.find("\"exitCode\":2,\"signal\":0") != std::string::npos);
  CHECK(rec.find(",\"oomKilled\":true,\"limitations\":{\"oom\":2}}") != std::string::npos);
}

TEST_CASE("shim: whichever call of the record fails, exit.json is whole or absent, and no temp file is left") {
  size_t total;
  {
    World w;
    FakeShimSys::exits = {{42, 0}};
    w.shim.reap();
    total = FakeShimSys::calls.size();
  }
  for (size_t n = 1; n <= total; n++) {
    World w;
    Client waiter;
    REQUIRE(w.shim.handle_line(waiter.fds[0], "wait"));
    size_t before = FakeShimSys::calls.size();
    FakeShimSys::fail_at = int(before + n);
    FakeShimSys::exits = {{42, 0}};
    w.shim.reap();
    INFO("failed call ", n, ": ", FakeShimSys::calls[before + n - 1]);
    CHECK_FALSE(w.exists("state/exit.json.tmp"));
    if (w.exists("state/exit.json")) CHECK(w.read("state/exit.json").rfind("{\"exitCode\":0,", 0) == 0);
    // The waiter hears the status even when the record could not be written
    // (unless the failed call is its own reply).
    if (FakeShimSys::calls[before + n - 1] != "send") CHECK(waiter.reply() == "exit 0 0\n");
  }
}

TEST_CASE("shim: a waiter is parked until the init exits, then answered and let go; later ones at once") {
  World w;
  Client a, b;
  REQUIRE(w.shim.handle_line(a.fds[0], "wait"));
  REQUIRE(w.shim.handle_line(b.fds[0], "wait"));
  CHECK(w.shim.n_waiters == 2);
  CHECK(a.reply().empty());
  FakeShimSys::exits = {{42, SIGTERM}};
  w.shim.reap();
  CHECK(w.shim.n_waiters == 0);
  CHECK(a.reply() == "exit 143 15\n");
  CHECK(b.reply() == "exit 143 15\n");
  CHECK(a.hung_up());
  Client c;
  REQUIRE(w.shim.handle_line(c.fds[0], "wait"));
  CHECK(c.reply() == "exit 143 15\n");
  CHECK(w.shim.n_waiters == 0);
}

TEST_CASE("shim: a waiter that hung up is dropped and its fd closed") {
  World w;
  Client a, b;
  REQUIRE(w.shim.handle_line(a.fds[0], "wait"));
  REQUIRE(w.shim.handle_line(b.fds[0], "wait"));
  w.shim.drop_waiter(0);
  CHECK(w.shim.n_waiters == 1);
  CHECK(w.shim.waiters[0] == b.fds[0]);
  CHECK(a.hung_up());
}

TEST_CASE("shim: shutdown is answered ok and stops it; an unknown request is answered and it goes on") {
  World w;
  Client a, b;
  CHECK(w.shim.handle_line(a.fds[0], "status please"));
  CHECK(a.reply() == "error unknown request\n");
  CHECK(a.hung_up());
  CHECK_FALSE(w.shim.handle_line(b.fds[0], "shutdown"));
  CHECK(b.reply() == "ok\n");
}

TEST_CASE("shim: \"created\" is answered ok and marks its create finished (it then outlives its init)") {
  World w;
  Client a;
  CHECK_FALSE(w.shim.created);
  CHECK(w.shim.handle_line(a.fds[0], "created"));
  CHECK(a.reply() == "ok\n");
  CHECK(w.shim.created);
}

TEST_CASE("shim: after answering \"created\" it makes the state record and its directory durable") {
  World w;
  w.t.write("state/state.json", "{}");
  Client a;
  CHECK(w.shim.handle_line(a.fds[0], "created"));
  std::vector<std::string> want = {"send",  "close",      "open state.json", "fsync",
                                   "close", "open state", "fsync",           "close"};
  CHECK(FakeShimSys::calls == want);
  CHECK(a.reply() == "ok\n");
}

TEST_CASE("shim: what a foreground run once asked (it has no shim now) is an unknown request, changing nothing") {
  World w;
  w.t.write("state/state.json", "{}");
  for (const char* req : {"created transient", "wait delete"}) {
    CAPTURE(req);
    Client a;
    CHECK(w.shim.handle_line(a.fds[0], req));
    CHECK(a.reply() == "error unknown request\n");
  }
  CHECK_FALSE(w.shim.created);
  FakeShimSys::exits = {{42, 0}};
  w.shim.reap();
  CHECK(w.exists("state/exit.json"));  // no waiter asked for none
}

TEST_CASE("shim: \"created\" for a directory deleted meanwhile is still answered, and nothing is synced") {
  World w;
  std::filesystem::remove_all(w.t.at("state"));
  Client a;
  CHECK(w.shim.handle_line(a.fds[0], "created"));
  CHECK(a.reply() == "ok\n");
  std::vector<std::string> want = {"send", "close", "open state.json", "open state"};
  CHECK(FakeShimSys::calls == want);
}

TEST_CASE("shim: a request is read up to its newline, in pieces; one longer than the buffer is dropped") {
  World w;
  Client a;
  w.shim.clients[0] = {a.fds[0], 0, {}};
  w.shim.n_clients = 1;
  REQUIRE(::send(a.fds[1], "wa", 2, 0) == 2);
  bool done = true;
  CHECK(w.shim.serve(0, &done));
  CHECK_FALSE(done);
  REQUIRE(::send(a.fds[1], "it\n", 3, 0) == 3);
  CHECK(w.shim.serve(0, &done));
  CHECK(done);
  CHECK(w.shim.n_waiters == 1);  // parked, not answered

  Client b;
  w.shim.clients[0] = {b.fds[0], 0, {}};
  std::string junk(sizeof w.shim.clients[0].buf, 'x');
  REQUIRE(::send(b.fds[1], junk.data(), junk.size(), 0) == ssize_t(junk.size()));
  CHECK(w.shim.serve(0, &done));
  CHECK(done);
  CHECK(b.hung_up());
}
