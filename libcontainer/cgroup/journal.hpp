// The cgroups journal, <state>/cgroups: written by the cgroups isolator
// before it makes any directory, read by its cleanup and by the commands
// that act on a container's processes (ps, pause, resume, kill --all).
// One line per entry, tab-separated:
//   made MOUNT PATH   a directory create made (removed on cleanup, innermost first)
//   leaf MOUNT PATH   the container's cgroup in one hierarchy
// PATH is below the hierarchy's MOUNT and starts with '/'.
#pragma once

#include <string>
#include <vector>

namespace berth::cgroup {

inline constexpr const char* kJournalFile = "cgroups";

struct JournalEntry {
  std::string kind;  // "made" or "leaf"
  std::string mount;
  std::string path;
  std::string dir() const { return path == "/" ? mount : mount + path; }
};

std::string journal_line(const char* kind, const std::string& mount, const std::string& path);
// Empty when there is no journal (a container made before cgroups, or none).
std::vector<JournalEntry> read_journal(const std::string& state_dir);
// The container's cgroup in each hierarchy, as absolute host paths.
std::vector<JournalEntry> leaves(const std::string& state_dir);

}  // namespace berth::cgroup
