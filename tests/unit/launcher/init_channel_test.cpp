// The typed sync channel, both ends over a real SOCK_SEQPACKET pair: each
// step arrives as itself, a wrong or unknown step is refused naming the step
// awaited and the one received, on either side, and the init's Failed comes
// back as its ChildError.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "libcontainer/launcher/init_channel.hpp"

using namespace berth;
using berth::child::RuntimeChannel;
using berth::launcher::InitChannel;

namespace {

struct Pair {
  int runtime_end = -1, init_end = -1;
  Pair() {
    int sp[2];
    REQUIRE(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == 0);
    runtime_end = sp[0];
    init_end = sp[1];
  }
  ~Pair() {
    if (init_end >= 0) close(init_end);
  }
  InitChannel runtime() {
    int fd = std::exchange(runtime_end, -1);
    return InitChannel(UniqueFd(fd), [] { return Error(Code::Child, "the init is gone"); });
  }
  RuntimeChannel init() const { return RuntimeChannel(init_end); }
};

std::string message(const Status& s) { return s.ok() ? "" : s.error().message(); }

}  // namespace

TEST_CASE("sync channel: every step in order, with its fds") {
  Pair p;
  InitChannel rt = p.runtime();
  RuntimeChannel in = p.init();
  REQUIRE(rt.send_isolated().ok());
  in.await_isolated();
  REQUIRE(in.send_runtime_ready() == 0);
  REQUIRE(rt.await_runtime_ready().ok());
  int pp[2];
  REQUIRE(pipe2(pp, O_CLOEXEC) == 0);
  REQUIRE(rt.send_hooks_done(pp[0]).ok());
  int state = in.await_hooks_done();
  CHECK(state >= 0);
  REQUIRE(in.send_console(pp[1]) == 0);
  auto console = rt.await_console();
  REQUIRE(console.ok());
  CHECK(console->valid());
  REQUIRE(in.send_seccomp_fd(pp[1]) == 0);
  REQUIRE(rt.await_seccomp_fd().ok());
  REQUIRE(in.send_created() == 0);
  CHECK(rt.await_created().ok());
  close(state);
  close(pp[0]);
  close(pp[1]);
}

TEST_CASE("sync channel: the runtime refuses a step out of order, naming both") {
  Pair p;
  InitChannel rt = p.runtime();
  REQUIRE(p.init().send_seccomp_fd(-1) == 0);
  Status s = rt.await_created();
  REQUIRE_FALSE(s.ok());
  CHECK(s.error().code() == Code::Child);
  CHECK(message(s).find("expected created from the container init, received seccomp-fd") != std::string::npos);
}

TEST_CASE("sync channel: an unknown step is refused by its number") {
  Pair p;
  InitChannel rt = p.runtime();
  child::SyncMsg m{};
  m.magic = child::kSyncMagic;
  m.kind = static_cast<child::SyncKind>(42);
  REQUIRE(send(p.init_end, &m, sizeof m, 0) == ssize_t(sizeof m));
  Status s = rt.await_runtime_ready();
  REQUIRE_FALSE(s.ok());
  CHECK(message(s).find("expected runtime-ready from the container init, received an unknown step (kind 42)") !=
        std::string::npos);
}

TEST_CASE("sync channel: the init's Failed is its error; its death is the gone error") {
  Pair p;
  InitChannel rt = p.runtime();
  child::ChildError e{};
  e.sys_errno = ENOENT;
  snprintf(e.step, sizeof e.step, "mount proc");
  snprintf(e.json_path, sizeof e.json_path, "/mounts/2");
  REQUIRE(p.init().send_failed(e) == 0);
  CHECK(rt.pending_failure().has_value());
  REQUIRE(p.init().send_failed(e) == 0);
  auto c = rt.await_console();
  REQUIRE_FALSE(c.ok());
  CHECK(c.error().sys_errno() == ENOENT);
  CHECK(c.error().json_path() == "/mounts/2");
  CHECK(c.error().message().find("mount proc") != std::string::npos);
  CHECK_FALSE(rt.pending_failure().has_value());  // nothing waiting
  close(std::exchange(p.init_end, -1));
  Status s = rt.await_created();
  REQUIRE_FALSE(s.ok());
  CHECK(message(s).find("the init is gone") != std::string::npos);
}

TEST_CASE("sync channel: the init refuses a step out of order, reports both, and exits") {
  Pair p;
  InitChannel rt = p.runtime();
  REQUIRE(rt.send_isolated().ok());
  pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    (void)p.init().await_hooks_done();  // receives isolated: reports and _exits
    _exit(0);
  }
  close(std::exchange(p.init_end, -1));  // the child's copy is the init's only end
  int status = 0;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 1);
  Status s = rt.await_runtime_ready();
  REQUIRE_FALSE(s.ok());
  CHECK(message(s).find("expected hooks-done from the runtime, received isolated") != std::string::npos);
  CHECK(s.error().sys_errno() == EPROTO);
}
