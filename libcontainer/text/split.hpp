// Splitting text at a separator, every field kept ("a,,b" is three; "" is
// one empty field): /proc lines, id lists, passwd lines, names.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace berth::text {

inline std::vector<std::string> split(std::string_view s, char sep) {
  std::vector<std::string> out;
  for (size_t start = 0;;) {
    size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) return out;
    start = end + 1;
  }
}

}  // namespace berth::text
