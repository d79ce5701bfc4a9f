// mountinfo parsing; see mountinfo.hpp. Line format (proc(5)):
//   ID PARENT MAJ:MIN ROOT MOUNT_POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER_OPTIONS
#include "libcontainer/sys/mountinfo.hpp"

#include "libcontainer/rootfs/mountinfo_line.hpp"

namespace berth::sys {

namespace {

// Splits on single spaces (the kernel writes exactly one; fields never hold
// a raw space, it is escaped).
std::vector<std::string_view> fields(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (start <= line.size()) {
    size_t end = line.find(' ', start);
    if (end == std::string_view::npos) end = line.size();
    out.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool parse_line(std::string_view line, MountInfo& m) {
  auto f = fields(line);
  size_t dash = 6;
  while (dash < f.size() && f[dash] != "-") dash++;
  if (dash + 2 >= f.size()) return false;  // no "-", FSTYPE or SOURCE
  m.id = f[0];
  m.parent = f[1];
  m.dev = f[2];
  m.root = unescape_mountinfo(f[3]);
  m.mount_point = unescape_mountinfo(f[4]);
  m.options = f[5];
  m.fstype = unescape_mountinfo(f[dash + 1]);
  m.source = unescape_mountinfo(f[dash + 2]);
  m.super_options = dash + 3 < f.size() ? std::string(f[dash + 3]) : std::string();
  return true;
}

}  // namespace

// One decoder for the CLI and the init: the init's allocation-free one.
std::string unescape_mountinfo(std::string_view s) {
  std::string out(s.size() + 1, '\0');  // decoding never lengthens
  long n = rootfs::decode_mountinfo_path(s.data(), s.size(), out.data(), out.size());
  out.resize(n < 0 ? 0 : size_t(n));
  return out;
}

std::vector<MountInfo> parse_mountinfo(std::string_view text) {
  std::vector<MountInfo> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    MountInfo m;
    if (parse_line(text.substr(start, end - start), m)) out.push_back(std::move(m));
    start = end + 1;
  }
  return out;
}

}  // namespace berth::sys
