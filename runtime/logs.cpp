// logs: a container's output as its shim keeps it (create --logs;
// shim/log_writer.hpp has the format): the rotated files oldest first, each
// entry's bytes to our stdout or stderr as the container wrote them to its
// own; --tail N the last N lines; --follow on until the container has exited
// and its shim has written all of it (the shim writes the exit record only
// once it has read the container's pipes to their end).
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <string_view>
#include <vector>

#include "libcontainer/fd/unique_fd.hpp"
#include "libcontainer/state/files.hpp"
#include "runtime/commands.hpp"

namespace berth::cli {
namespace {

struct Entry {
  bool err;    // stderr
  bool whole;  // F: a newline follows the content
  std::string_view content;
};

// "TIME STREAM TAG CONTENT"; a line that is not one is skipped.
bool parse_entry(std::string_view line, Entry* e) {
  size_t a = line.find(' ');
  if (a == std::string_view::npos) return false;
  size_t b = line.find(' ', a + 1);
  if (b == std::string_view::npos || b + 2 > line.size()) return false;
  std::string_view stream = line.substr(a + 1, b - a - 1);
  char tag = line[b + 1];
  if ((stream != "stdout" && stream != "stderr") || (tag != 'F' && tag != 'P')) return false;
  e->err = stream == "stderr";
  e->whole = tag == 'F';
  e->content = b + 3 <= line.size() ? line.substr(b + 3) : std::string_view();
  return true;
}

void write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    s.remove_prefix(size_t(n));
  }
}

void print(const Entry& e) {
  int fd = e.err ? 2 : 1;
  if (!e.whole) return write_all(fd, e.content);
  std::string s(e.content);
  s += '\n';
  write_all(fd, s);
}

// The entries of text's complete lines (a last line without its newline is
// left in text for the next read).
void take_entries(std::string& text, std::vector<Entry>& out, std::vector<std::string>& keep) {
  size_t end = text.rfind('\n');
  if (end == std::string::npos) return;
  keep.push_back(text.substr(0, end + 1));
  text.erase(0, end + 1);
  std::string_view all = keep.back();
  while (!all.empty()) {
    size_t nl = all.find('\n');
    Entry e;
    if (parse_entry(all.substr(0, nl), &e)) out.push_back(e);
    all.remove_prefix(nl + 1);
  }
}

// The files of path, oldest first: path.N ... path.1, path.
std::vector<std::string> log_files(const std::string& path) {
  std::vector<std::string> files;
  for (int i = 1;; i++) {
    std::string f = path + "." + std::to_string(i);
    if (access(f.c_str(), F_OK) != 0) break;
    files.insert(files.begin(), f);
  }
  files.push_back(path);
  return files;
}

// The index of the first entry of the last n lines (a line: P entries
// ending with an F one, or with the end).
size_t tail_start(const std::vector<Entry>& es, long n) {
  size_t i = es.size();
  long lines = 0;
  while (i > 0) {
    // es[i-1] ends a line when it is F or the very last entry.
    if (es[i - 1].whole || i == es.size()) {
      if (lines == n) return i;
      lines++;
    }
    i--;
  }
  return 0;
}

ssize_t read_more(int fd, std::string& text) {
  char buf[65536];
  ssize_t total = 0, n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    text.append(buf, size_t(n));
    total += n;
  }
  return n < 0 ? n : total;
}

bool same_inode(int fd, const std::string& path) {
  struct stat a, b;
  return fstat(fd, &a) == 0 && stat(path.c_str(), &b) == 0 && a.st_ino == b.st_ino && a.st_dev == b.st_dev;
}

// --follow: what the current file gets from now on, across rotations,
// until the exit record exists and the file has been read to its end, or
// the container is deleted.
Status follow(const std::string& path, const std::string& state_dir, UniqueFd fd, std::string text) {
  UniqueFd in(inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
  if (!in) return sys_error(errno, "inotify");
  std::string dir = path.substr(0, path.rfind('/'));
  if (inotify_add_watch(in.get(), dir.c_str(), IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF) < 0)
    return sys_error(errno, "watch " + dir);
  if (state_dir != dir) (void)inotify_add_watch(in.get(), state_dir.c_str(), IN_CREATE | IN_MOVED_TO | IN_DELETE_SELF);
  std::string exit_record = state_dir + "/exit.json";
  for (;;) {
    // Whether it has ended is read before the file: what the shim wrote
    // before the exit record is then read below.
    bool ended = access(exit_record.c_str(), F_OK) == 0 || access(state_dir.c_str(), F_OK) != 0;
    std::vector<Entry> es;
    std::vector<std::string> keep;
    read_more(fd.get(), text);
    if (!same_inode(fd.get(), path)) {  // rotated: the rest of the old file, then the new one
      read_more(fd.get(), text);
      take_entries(text, es, keep);
      UniqueFd next(open(path.c_str(), O_RDONLY | O_CLOEXEC));
      if (next) fd = std::move(next);
      read_more(fd.get(), text);
    }
    take_entries(text, es, keep);
    for (const auto& e : es) print(e);
    if (ended && same_inode(fd.get(), path)) return {};
    pollfd p{in.get(), POLLIN, 0};
    if (poll(&p, 1, -1) < 0 && errno != EINTR) return sys_error(errno, "poll");
    char ev[4096];
    while (read(in.get(), ev, sizeof ev) > 0) {
    }
  }
}

}  // namespace

Result<int> cmd_logs(const Globals& g, const LogsFlags& f) {
  state::Store store = g.store();
  auto st = BERTH_TRY(store.read(f.id));
  if (st.log_path.empty())
    return Error(Code::NotFound, "container " + f.id +
                                     " keeps no logs: its output went where its caller said "
                                     "(create or run -d it with --logs)");
  std::vector<Entry> es;
  std::vector<std::string> keep;
  std::string text;
  UniqueFd last;
  for (const auto& file : log_files(st.log_path)) {
    UniqueFd fd(open(file.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) continue;  // rotated away meanwhile, or nothing written yet
    read_more(fd.get(), text);
    take_entries(text, es, keep);
    if (file == st.log_path) last = std::move(fd);
  }
  for (size_t i = f.tail < 0 ? 0 : tail_start(es, f.tail); i < es.size(); i++) print(es[i]);
  if (!f.follow) return 0;
  if (!last) last.reset(open(st.log_path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!last) return sys_error(errno, "open " + st.log_path);
  BERTH_CHECK(follow(st.log_path, store.dir(f.id), std::move(last), std::move(text)));
  return 0;
}

}  // namespace berth::cli
