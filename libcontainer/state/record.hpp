// The container's record, <root>/<id>/state.json: its format (store.hpp
// describes it), its reader and writer, and Record, the record in memory
// with where it is saved.
#pragma once

#include <string>
#include <string_view>

#include "libcontainer/error/error.hpp"
#include "libcontainer/state/container_state.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/sys/kernel.hpp"

namespace berth::json {
class Writer;
}

namespace berth::state {

inline constexpr int kRecordVersion = 1;
inline constexpr const char* kRecordFile = "state.json";

std::string format_record(const ContainerState& s);
// Code::Unsupported for a version this berth does not read (naming it) and
// for the state.json of a berth from before the record (no version);
// Code::Internal for text that is no record.
Result<ContainerState> parse_record(std::string_view text);

// "annotations": {...} when there are any (the record and the OCI state).
void write_annotations(json::Writer& w, const std::map<std::string, std::string>& a);

// The record in <dir>, in either phase; the error says "state of ID: ...".
// sys_errno ENOENT when there is none (yet).
Result<ContainerState> read_record(const std::string& dir);
// Replaces <dir>/state.json (temp file, fsync unless Sync::None, rename).
Status write_record(sys::Kernel& kernel, const std::string& dir, const ContainerState& s, Sync sync = Sync::File);

// A container's record in memory and the directory it is saved in. create
// builds one and hands it to the isolators (ContainerContext::record), which
// put their sections into it; it is saved only when a crash from then on
// must find what it holds (record.cpp counts the writes). A command that
// changes a section of an existing container (update) loads one.
// Each save replaces the file atomically; create's record is saved without
// fsync and with a spare (Sync::Spare: its saves are on the critical path of
// every create) and made durable by the shim once create has finished
// (shim/shim.hpp); a loaded record is saved with fsync.
class Record {
 public:
  Record(sys::Kernel& kernel, std::string dir, Sync sync = Sync::File)
      : kernel_(&kernel), dir_(std::move(dir)), sync_(sync) {}
  static Result<Record> load(sys::Kernel& kernel, std::string dir);

  ContainerState st;

  const std::string& dir() const { return dir_; }
  // Written with the next save().
  void put(const std::string& section, std::string json) {
    st.sections[section] = std::move(json);
    st.section_values.erase(section);
  }
  // The section's JSON text, "" when there is none.
  const std::string& section(const std::string& name) const;
  Status save() const { return write_record(*kernel_, dir_, st, sync_); }

 private:
  sys::Kernel* kernel_;  // a pointer: a Record can be assigned
  std::string dir_;
  Sync sync_;
};

}  // namespace berth::state
