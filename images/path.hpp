// Slash-separated names (of tar entries, of files in an archive) as
// components: "" and "." dropped, ".." kept for each caller to judge (the
// unpacker refuses it, the docker-archive reader resolves it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::images {

inline std::vector<std::string> name_components(std::string_view name) {
  std::vector<std::string> out;
  for (size_t at = 0; at <= name.size();) {
    size_t end = std::min(name.find('/', at), name.size());
    std::string_view c = name.substr(at, end - at);
    at = end + 1;
    if (!c.empty() && c != ".") out.emplace_back(c);
  }
  return out;
}

// The first n components joined with '/'.
inline std::string join_components(const std::vector<std::string>& parts, size_t n) {
  std::string s;
  for (size_t i = 0; i < n && i < parts.size(); i++) s += (i ? "/" : "") + parts[i];
  return s;
}

}  // namespace berth::images
