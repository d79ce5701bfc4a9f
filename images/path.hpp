// Slash-separated names (of tar entries, of files in an archive) as
// components: "" and "." dropped, ".." kept for each caller to judge (the
// unpacker refuses it, the docker-archive reader resolves it).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "libcontainer/text/split.hpp"

namespace berth::images {

inline std::vector<std::string> name_components(std::string_view name) {
  std::vector<std::string> out;
  for (auto& c : text::split(name, '/'))
    if (!c.empty() && c != ".") out.push_back(std::move(c));
  return out;
}

// The first n components joined with '/'.
inline std::string join_components(const std::vector<std::string>& parts, size_t n) {
  std::string s;
  for (size_t i = 0; i < n && i < parts.size(); i++) s += (i ? "/" : "") + parts[i];
  return s;
}

}  // namespace berth::images
