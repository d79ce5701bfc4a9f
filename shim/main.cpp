// berth-shim: one per container, the init's parent. It reaps the init (and,
// as a subreaper, any orphan of the container), writes the exit record
// atomically, and answers the CLI on <state>/shim.sock with one line per
// request: "wait" -> "exit CODE SIGNAL" once the init is gone, "shutdown" ->
// "ok" and exit. It exits on its own if the create that started it never
// completed (no state.json once the init is gone).
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "libcontainer/state/files.hpp"

namespace {

struct Shim {
  std::string dir;
  pid_t init = 0;
  int listen_fd = -1;
  bool exited = false;
  int exit_code = 0, signal = 0;
  std::vector<int> waiters;
  std::vector<std::pair<int, std::string>> clients;  // fd, partial line

  void reply(int fd, const std::string& line) {
    std::string l = line + "\n";
    (void)!send(fd, l.data(), l.size(), MSG_NOSIGNAL);
  }
  std::string exit_line() const { return "exit " + std::to_string(exit_code) + " " + std::to_string(signal); }

  void record_exit(int status) {
    exited = true;
    if (WIFSIGNALED(status)) {
      signal = WTERMSIG(status);
      exit_code = 128 + signal;
    } else {
      exit_code = WEXITSTATUS(status);
    }
    std::string rec = "{\"exitCode\":" + std::to_string(exit_code) + ",\"signal\":" + std::to_string(signal) +
                      ",\"exitedAt\":\"" + berth::state::now_rfc3339() + "\"}";
    (void)berth::state::write_file_atomic(dir + "/exit.json", rec);
    for (int w : waiters) reply(w, exit_line()), close(w);
    waiters.clear();
  }

  void reap() {
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, WNOHANG)) > 0)
      if (p == init) record_exit(status);
  }

  // Returns false when the shim should exit.
  bool handle_line(int fd, const std::string& line) {
    if (line == "wait") {
      if (exited) {
        reply(fd, exit_line());
        close(fd);
      } else {
        waiters.push_back(fd);
      }
      return true;
    }
    if (line == "shutdown") {
      reply(fd, "ok");
      close(fd);
      return false;
    }
    reply(fd, "error unknown request");
    close(fd);
    return true;
  }

  bool created() const {
    struct stat st;
    return stat((dir + "/state.json").c_str(), &st) == 0;
  }

  int run();
};

int Shim::run() {
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) return 1;
  reap();  // the init may have exited before the signalfd existed
  for (;;) {
    if (exited && waiters.empty() && !created()) return 0;  // create failed
    std::vector<pollfd> p = {{sfd, POLLIN, 0}, {listen_fd, POLLIN, 0}};
    for (auto& c : clients) p.push_back({c.first, POLLIN, 0});
    // Re-check the state file now and then only while a failed create is possible.
    int timeout = exited && !created() ? 100 : -1;
    int r = poll(p.data(), p.size(), timeout);
    if (r < 0 && errno != EINTR) return 1;
    if (r <= 0) continue;
    if (p[0].revents & POLLIN) {
      signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {
      }
      reap();
    }
    if (p[1].revents & POLLIN) {
      int c = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) clients.push_back({c, ""});
    }
    std::vector<std::pair<int, std::string>> keep;
    bool quit = false;
    for (size_t i = 0; i < clients.size(); i++) {
      auto& [fd, buf] = clients[i];
      if (!(p[i + 2].revents & (POLLIN | POLLHUP))) {
        keep.push_back(clients[i]);
        continue;
      }
      char tmp[256];
      ssize_t n = read(fd, tmp, sizeof tmp);
      if (n <= 0) {
        close(fd);
        continue;
      }
      buf.append(tmp, size_t(n));
      auto nl = buf.find('\n');
      if (nl == std::string::npos) {
        if (buf.size() < 4096) keep.push_back(clients[i]);
        else close(fd);
        continue;
      }
      if (!handle_line(fd, buf.substr(0, nl))) quit = true;
    }
    clients.swap(keep);
    if (quit) return 0;
  }
}

}  // namespace

int main(int argc, char** argv) {
  Shim s;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (!strncmp(a, "--state-dir=", 12)) s.dir = a + 12;
    else if (!strncmp(a, "--init-pid=", 11)) s.init = atoi(a + 11);
    else if (!strncmp(a, "--socket-fd=", 12)) s.listen_fd = atoi(a + 12);
  }
  if (s.dir.empty() || s.init <= 0 || s.listen_fd < 0) {
    fprintf(stderr, "berth-shim: started without --state-dir, --init-pid and --socket-fd\n");
    return 2;
  }
  return s.run();
}
