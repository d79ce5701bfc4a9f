// berth-shim: one per container that outlives the command that made it
// (create, run -d, run --keep; a foreground run reaps its init itself), the
// init's parent. It reaps the init (and,
// as a subreaper, any orphan of the container), writes the exit record
// atomically with the limitations the isolators' watch() named (their
// counters, given as --watch= arguments, read when the init exits) durably,
// and answers the CLI on <state>/shim.sock with one line per request:
// "wait" -> "exit CODE SIGNAL" once the init is gone (a waiter that hangs up
// first is dropped); "created" -> "ok" (create has finished; the shim then
// fsyncs the state record create wrote without waiting for the disk);
// "shutdown" -> "ok" and exit. With --log= it writes the container's
// output to that log (log_writer.hpp) until the pipes' end, the exit
// record only after what the init wrote before its exit. It exits on its own
// once the init is gone if the create that started it never finished (no
// "created"), or if its state directory was removed without a delete: then
// it first removes the cgroups create made (--cgroup= arguments,
// orphan.hpp), which nothing else could find.
// It reads no JSON: the container's record is the CLI's.
// It uses libc only (no C++ library): one lives per container, so every
// page of text and heap it touches counts many times.
// The supervisor is a template over Sys, its seam to the kernel for the
// calls that leave a trace (files, replies, reaps): LinuxShimSys in the
// shim (main.cpp), a fake in tests/unit/shim that records and fails them.
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "libcontainer/state/rfc3339.hpp"
#include "libcontainer/state/watch_file.hpp"
#include "shim/log_writer.hpp"
#include "shim/orphan.hpp"

namespace berth::shim {

// The real calls; each as libc's (-1 and errno on failure).
struct LinuxShimSys {
  static int open(const char* path, int flags, mode_t mode = 0) { return ::open(path, flags, mode); }
  static ssize_t read(int fd, void* buf, size_t n) { return ::read(fd, buf, n); }
  static ssize_t write(int fd, const void* buf, size_t n) { return ::write(fd, buf, n); }
  static int fsync(int fd) { return ::fsync(fd); }
  static int rename(const char* from, const char* to) { return ::rename(from, to); }
  static int unlink(const char* path) { return ::unlink(path); }
  static int close(int fd) { return ::close(fd); }
  static ssize_t send(int fd, const void* buf, size_t n) { return ::send(fd, buf, n, MSG_NOSIGNAL); }
  static pid_t reap_any(int* status) { return ::waitpid(-1, status, WNOHANG); }
};

constexpr int kMaxClients = 64;
constexpr int kMaxWatches = 16;   // two today: oom, pids
constexpr int kMaxCgroups = 128;  // a few per hierarchy

struct Client {
  int fd;
  size_t len;
  char buf[64];
};

template <class Sys>
struct Shim {
  char dir[4096];
  pid_t init = 0;
  // The --watch= and --cgroup= values, in argv (kept, not copied).
  const char* watches[kMaxWatches];
  int n_watches = 0;
  const char* cgroups[kMaxCgroups];
  int n_cgroups = 0;
  bool created = false;
  int listen_fd = -1;
  berth::shim::StateDirWatch dir_watch;
  bool exited = false;
  int exit_code = 0, signal = 0;
  int waiters[kMaxClients];
  int n_waiters = 0;
  Client clients[kMaxClients];
  int n_clients = 0;
  // --logs: the container's output (log_writer.hpp): its stdout and stderr
  // pipes, or the pty master that arrives on console_fd.
  LogWriter<Sys> log;
  LogStream out, err;
  int console_fd = -1;

  void reply(int fd, const char* line) {
    char l[96];
    int n = snprintf(l, sizeof l, "%s\n", line);
    (void)!Sys::send(fd, l, size_t(n));
  }
  void reply_exit(int fd) {
    char l[64];
    snprintf(l, sizeof l, "exit %d %d", exit_code, signal);
    reply(fd, l);
    Sys::close(fd);
  }

  // The limitations the isolators asked us to watch (state/watch_file.hpp),
  // as JSON members: "\"oom\":1,\"pids\":3" (summed per limitation, those
  // not zero only). Read when the init has exited: the counters live in its
  // cgroups, which stay until delete. Sets *oom when "oom" is among them.
  void limitations(char* out, size_t size, bool* oom) {
    namespace wf = berth::state::watch_file;
    *out = 0;
    *oom = false;
    char lines[kMaxWatches][512];  // split in place: names[] points into them
    const char* names[kMaxWatches];
    long counts[kMaxWatches];
    int n = 0;
    for (int w = 0; w < n_watches; w++) {
      snprintf(lines[w], sizeof lines[w], "%s", watches[w]);
      char *limitation, *key, *file, text[2048];
      long base;
      if (wf::split(lines[w], &limitation, &key, &base, &file) && read_text(file, text, sizeof text)) {
        int i = 0;
        while (i < n && strcmp(names[i], limitation)) i++;
        if (i == n) names[n] = limitation, counts[n++] = 0;
        counts[i] += wf::counter(text, key) - base;
      }
    }
    size_t len = 0;
    for (int i = 0; i < n; i++) {
      if (counts[i] <= 0) continue;
      int w = snprintf(out + len, size - len, "%s\"%s\":%ld", len ? "," : "", names[i], counts[i]);
      if (w < 0 || size_t(w) >= size - len) break;
      len += size_t(w);
      if (!strcmp(names[i], "oom")) *oom = true;
    }
    out[len] = 0;
  }

  static bool read_text(const char* path, char* buf, size_t size) {
    int fd = Sys::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t n = Sys::read(fd, buf, size - 1);
    Sys::close(fd);
    if (n < 0) return false;
    buf[n] = 0;
    return true;
  }

  // exit.json, written to a temp file, fsync'ed, renamed so readers see all
  // or nothing, and the directory fsync'ed so the rename itself survives a
  // crash of the host (ARCHITECTURE.md: the exit record is durable). A
  // failed write leaves no temp file behind. Up to the rename: returns the
  // directory for record_exit to fsync, or -1 (none, or no record).
  int write_record() {
    char when[96];
    berth::state::format_rfc3339_now(when, sizeof when);
    char lims[512], rec[1024], tmp[4200], path[4200];
    bool oom;
    limitations(lims, sizeof lims, &oom);
    int len =
        snprintf(rec, sizeof rec, "{\"exitCode\":%d,\"signal\":%d,\"exitedAt\":\"%s\"%s%s%s%s}", exit_code, signal,
                 when, oom ? ",\"oomKilled\":true" : "", lims[0] ? ",\"limitations\":{" : "", lims, lims[0] ? "}" : "");
    snprintf(tmp, sizeof tmp, "%s/exit.json.tmp", dir);
    snprintf(path, sizeof path, "%s/exit.json", dir);
    int fd = Sys::open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return -1;
    bool ok = Sys::write(fd, rec, size_t(len)) == len && Sys::fsync(fd) == 0;
    Sys::close(fd);
    if (!ok || Sys::rename(tmp, path) != 0) {
      Sys::unlink(tmp);
      return -1;
    }
    return Sys::open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  }

  // create saves the state record without fsync, on its critical path
  // (launcher/create.cpp); once it has said "created" and been answered,
  // the shim makes the record and its directory entry durable. Nothing
  // waits for this: a crash before it lands loses only the record of a
  // container whose processes and cgroups that crash took with it.
  void make_record_durable() {
    char path[4200];
    snprintf(path, sizeof path, "%s/state.json", dir);
    const char* files[] = {path, dir};
    for (const char* p : files) {
      int fd = Sys::open(p, O_RDONLY | O_CLOEXEC);
      if (fd < 0) continue;  // deleted meanwhile
      (void)Sys::fsync(fd);
      Sys::close(fd);
    }
  }

  // Everything the container wrote so far, into the log: the record of its
  // exit then comes after its last output (`berth logs --follow` relies on it).
  void drain_logs() {
    if (!log.enabled()) return;
    log.pump(out);
    log.pump(err);
  }

  // The pty master, sent once the init has made it.
  void take_console() {
    char c[16];
    int fd = -1;
    iovec iov{c, sizeof c};
    alignas(cmsghdr) char ctl[CMSG_SPACE(sizeof(int))];
    msghdr m{};
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = ctl;
    m.msg_controllen = sizeof ctl;
    ssize_t n = recvmsg(console_fd, &m, MSG_CMSG_CLOEXEC);
    cmsghdr* h = n > 0 ? CMSG_FIRSTHDR(&m) : nullptr;
    if (h && h->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(h), sizeof fd);
    Sys::close(console_fd);
    console_fd = -1;
    if (fd < 0) return;
    fcntl(fd, F_SETFL, O_NONBLOCK);
    out.fd = fd;
  }

  void record_exit(int status) {
    drain_logs();
    exited = true;
    if (WIFSIGNALED(status)) {
      signal = WTERMSIG(status);
      exit_code = 128 + signal;
    } else {
      exit_code = WEXITSTATUS(status);
    }
    int d = write_record();
    // Once the record is in place, before the directory's fsync (1-15 ms
    // here): what a waiter reads next is there for every process already.
    for (int i = 0; i < n_waiters; i++) reply_exit(waiters[i]);
    n_waiters = 0;
    if (d >= 0) {
      (void)Sys::fsync(d);
      Sys::close(d);
    }
  }

  void reap() {
    int status;
    pid_t p;
    while ((p = Sys::reap_any(&status)) > 0)
      if (p == init) record_exit(status);
  }

  // Returns false when the shim should exit.
  bool handle_line(int fd, const char* line) {
    if (!strcmp(line, "wait")) {
      if (exited)
        reply_exit(fd);
      else if (n_waiters < kMaxClients)
        waiters[n_waiters++] = fd;
      else
        Sys::close(fd);
      return true;
    }
    if (!strcmp(line, "created")) {
      created = true;
      reply(fd, "ok");
      Sys::close(fd);
      make_record_durable();
      return true;
    }
    if (!strcmp(line, "shutdown")) {
      reply(fd, "ok");
      Sys::close(fd);
      return false;
    }
    reply(fd, "error unknown request");
    Sys::close(fd);
    return true;
  }

  // Reads from client i; returns false when the shim should exit. A client
  // done with (answered, closed or parked as a waiter) leaves the table.
  bool serve(int i, bool* done) {
    Client& c = clients[i];
    ssize_t n = Sys::read(c.fd, c.buf + c.len, sizeof c.buf - 1 - c.len);
    *done = true;
    if (n <= 0) {
      Sys::close(c.fd);
      return true;
    }
    c.len += size_t(n);
    c.buf[c.len] = 0;
    char* nl = strchr(c.buf, '\n');
    if (!nl) {
      if (c.len < sizeof c.buf - 1)
        *done = false;
      else
        Sys::close(c.fd);
      return true;
    }
    *nl = 0;
    return handle_line(c.fd, c.buf);
  }

  // A waiter whose client hung up (poll said POLLHUP or POLLERR)
  // leaves the list, and its fd is closed.
  void drop_waiter(int i) {
    Sys::close(waiters[i]);
    waiters[i] = waiters[--n_waiters];
  }

  int run();
};

template <class Sys>
int Shim<Sys>::run() {
  prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
  ::signal(SIGPIPE, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) return 1;
  err.name = "stderr";
  if (out.fd >= 0) fcntl(out.fd, F_SETFL, O_NONBLOCK);
  if (err.fd >= 0) fcntl(err.fd, F_SETFL, O_NONBLOCK);
  if (log.enabled()) log.open();
  reap();  // the init may have exited before the signalfd existed
  dir_watch.open(dir);
  // p: the signalfd, the listener, the state dir watch (fd -1: ignored),
  // the container's output (three, -1 each when none), then the clients
  // being read, then the parked waiters.
  constexpr int kFixed = 6;
  pollfd p[kFixed + 2 * kMaxClients];
  for (;;) {
    if (exited) {
      dir_watch.arm();
      if (dir_watch.gone()) {  // orphaned: no delete will ever come
        remove_cgroups(cgroups, n_cgroups);
        return 0;
      }
      if (n_waiters == 0 && !created) return 0;  // its create failed
    }
    p[0] = {sfd, POLLIN, 0};
    p[1] = {listen_fd, n_clients < kMaxClients ? short(POLLIN) : short(0), 0};
    p[2] = {dir_watch.fd(), POLLIN, 0};
    p[3] = {out.fd, POLLIN, 0};
    p[4] = {err.fd, POLLIN, 0};
    p[5] = {console_fd, POLLIN, 0};
    for (int i = 0; i < n_clients; i++) p[kFixed + i] = {clients[i].fd, POLLIN, 0};
    // A parked waiter sends nothing more: watch only for its hang-up
    // (POLLHUP, always reported: the peer closed both ways; a client that
    // only shut down its writing side still waits for the answer).
    for (int i = 0; i < n_waiters; i++) p[kFixed + n_clients + i] = {waiters[i], 0, 0};
    int polled = n_clients, parked = n_waiters;
    int r = poll(p, nfds_t(kFixed + polled + parked), dir_watch.timeout_ms());
    if (r < 0 && errno != EINTR) return 1;
    if (r <= 0) continue;
    if (p[0].revents & POLLIN) {
      signalfd_siginfo si;
      while (read(sfd, &si, sizeof si) == sizeof si) {
      }
      reap();
    }
    if (p[2].revents) dir_watch.drain();
    if (p[3].revents) log.pump(out);
    if (p[4].revents) log.pump(err);
    if (p[5].revents) take_console();
    // Before serving: serve() may park new waiters at the end of the list.
    // After reap(): record_exit() answered and emptied it.
    for (int i = parked - 1; i >= 0 && n_waiters == parked; i--)
      if (p[kFixed + polled + i].revents & (POLLHUP | POLLERR)) drop_waiter(i), parked--;
    bool quit = false;
    for (int i = polled - 1; i >= 0; i--) {
      if (!(p[kFixed + i].revents & (POLLIN | POLLHUP))) continue;
      bool done;
      if (!serve(i, &done)) quit = true;
      if (done) clients[i] = clients[--n_clients];
    }
    if (quit) return 0;
    if (p[1].revents & POLLIN) {
      int c = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) clients[n_clients++] = Client{c, 0, {}};
    }
  }
}

}  // namespace berth::shim
