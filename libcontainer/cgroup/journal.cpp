// The cgroups journal; see journal.hpp.
#include "libcontainer/cgroup/journal.hpp"

#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"

namespace berth::cgroup {

std::string journal_line(const char* kind, const std::string& mount, const std::string& path, const char* freezer) {
  std::string line = std::string(kind) + "\t" + mount + "\t" + path;
  if (freezer) line += std::string("\t") + freezer;
  return line + "\n";
}

Status save_journal(state::Record& record, std::string_view lines) {
  json::Writer w;
  w.begin_array();
  while (!lines.empty()) {
    size_t nl = lines.find('\n');
    std::string_view line = lines.substr(0, nl);
    lines = nl == std::string_view::npos ? std::string_view() : lines.substr(nl + 1);
    size_t a = line.find('\t'), b = line.find('\t', a + 1);
    if (b == std::string_view::npos) return Error(Code::Internal, "not a journal line: " + std::string(line));
    size_t c = line.find('\t', b + 1);
    w.begin_object()
        .field("kind", line.substr(0, a))
        .field("mount", line.substr(a + 1, b - a - 1))
        .field("path", line.substr(b + 1, c == std::string_view::npos ? c : c - b - 1));
    if (c != std::string_view::npos) w.field("freezer", line.substr(c + 1));
    w.end_object();
  }
  w.end_array();
  record.put(kJournalSection, w.take());
  return record.save().context("journal the cgroups");
}

std::vector<JournalEntry> read_journal(const state::ContainerState& s) {
  std::vector<JournalEntry> out;
  json::Document parsed;  // the text's, when the record was not read as parsed
  json::Value entries;
  if (auto v = s.section_values.find(kJournalSection); v != s.section_values.end()) {
    entries = v->second;
  } else {
    auto it = s.sections.find(kJournalSection);
    if (it == s.sections.end()) return out;
    auto doc = json::Document::parse(it->second);
    if (!doc) return out;
    parsed = std::move(*doc);
    entries = parsed.root();
  }
  for (size_t i = 0; i < entries.size(); i++) {
    json::Value e = entries.at(i);
    out.push_back({std::string(e.get("kind").as_string()), std::string(e.get("mount").as_string()),
                   std::string(e.get("path").as_string()), std::string(e.get("freezer").as_string())});
  }
  return out;
}

std::vector<JournalEntry> read_journal(const std::string& state_dir) {
  auto s = state::read_record(state_dir);
  return s ? read_journal(*s) : std::vector<JournalEntry>{};
}

std::vector<JournalEntry> leaves(const state::ContainerState& s) {
  std::vector<JournalEntry> out;
  for (auto& e : read_journal(s))
    if (e.kind == "leaf") out.push_back(std::move(e));
  return out;
}

std::vector<JournalEntry> leaves(const std::string& state_dir) {
  auto s = state::read_record(state_dir);
  return s ? leaves(*s) : std::vector<JournalEntry>{};
}

}  // namespace berth::cgroup
