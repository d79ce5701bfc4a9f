// The cgroups journal; see journal.hpp.
#include "libcontainer/cgroup/journal.hpp"

#include <sstream>

#include "libcontainer/state/files.hpp"

namespace berth::cgroup {

std::string journal_line(const char* kind, const std::string& mount, const std::string& path) {
  return std::string(kind) + "\t" + mount + "\t" + path + "\n";
}

std::vector<JournalEntry> read_journal(const std::string& state_dir) {
  std::vector<JournalEntry> out;
  auto text = state::read_file(state_dir + "/" + kJournalFile);
  if (!text) return out;
  std::istringstream in(*text);
  for (std::string line; std::getline(in, line);) {
    size_t a = line.find('\t'), b = line.find('\t', a + 1);
    if (a == std::string::npos || b == std::string::npos) continue;
    out.push_back({line.substr(0, a), line.substr(a + 1, b - a - 1), line.substr(b + 1)});
  }
  return out;
}

std::vector<JournalEntry> leaves(const std::string& state_dir) {
  std::vector<JournalEntry> out;
  for (auto& e : read_journal(state_dir))
    if (e.kind == "leaf") out.push_back(std::move(e));
  return out;
}

}  // namespace berth::cgroup
