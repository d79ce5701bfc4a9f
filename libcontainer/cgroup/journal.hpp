// The cgroups journal: the "cgroups" section of the container's record
// (state/store.hpp), saved by the cgroups isolator before it makes any
// directory, read by its cleanup and by ContainerCgroups::open
// (container_cgroups.hpp), through which the commands act on a container's
// cgroups. One entry each:
//   {"kind": "made", "mount": MOUNT, "path": PATH}   a directory create made
//                                  (removed on cleanup, innermost first)
//   {"kind": "leaf", "mount": MOUNT, "path": PATH, "freezer": KIND}
//                                  the container's cgroup in one hierarchy;
//                                  KIND says whether it can be frozen: "v1"
//                                  (the freezer controller's), "v2" (any
//                                  cgroup2 cgroup) or "none" (a record from
//                                  before the field has none: the files
//                                  tell)
// PATH is below the hierarchy's MOUNT and starts with '/'; parents come
// before their children.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/state/record.hpp"

namespace berth::cgroup {

inline constexpr const char* kJournalSection = "cgroups";

struct JournalEntry {
  std::string kind;  // "made" or "leaf"
  std::string mount;
  std::string path;
  std::string freezer;  // a leaf's: "v1", "v2", "none"; "" when not recorded
  std::string dir() const { return path == "/" ? mount : mount + path; }
};

// One entry as a line, "KIND<TAB>MOUNT<TAB>PATH[<TAB>FREEZER]\n": the
// isolator gathers them and hands them to save_journal.
std::string journal_line(const char* kind, const std::string& mount, const std::string& path,
                         const char* freezer = nullptr);
// Puts the journal_line()s into the record and saves it: after a crash from
// here on, cleanup finds what is about to be made.
Status save_journal(state::Record& record, std::string_view lines);
// Empty when there is no journal (a container made without cgroups, or none).
std::vector<JournalEntry> read_journal(const std::string& state_dir);
std::vector<JournalEntry> read_journal(const state::ContainerState& s);
// The container's cgroup in each hierarchy, as absolute host paths.
std::vector<JournalEntry> leaves(const std::string& state_dir);
std::vector<JournalEntry> leaves(const state::ContainerState& s);

}  // namespace berth::cgroup
