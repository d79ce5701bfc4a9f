// Helpers for the config parser tests: build small configs from fragments
// and look for one problem among all the problems an Error reports.
#pragma once

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <vector>

#include "libcontainer/spec/parse.hpp"

namespace berth::spec::test {

// A minimal valid config with extra top-level members appended. A member
// given twice is read from its last occurrence, so extra can override.
inline std::string config(std::string_view extra = "") {
  std::string s = R"({"ociVersion":"1.2.0","root":{"path":"rootfs"})";
  if (!extra.empty()) {
    s += ',';
    s += extra;
  }
  s += '}';
  return s;
}

// A config whose process has args and cwd, plus extra process members.
inline std::string with_process(std::string_view extra) {
  std::string p = R"("process":{"args":["sh"],"cwd":"/")";
  if (!extra.empty()) {
    p += ',';
    p += extra;
  }
  p += '}';
  return config(p);
}

inline std::string with_linux(std::string_view extra) {
  return config(std::string(R"("linux":{)") + std::string(extra) + "}");
}

// "PATH: what" for every problem: the first frame, then the notes.
inline std::vector<std::string> problems(const Error& e) {
  std::vector<std::string> out;
  if (!e.frames().empty()) out.push_back(e.frames().front());
  for (const auto& n : e.notes()) out.push_back(n);
  return out;
}

// Parses text, expects it to be refused, and returns the problems.
inline std::vector<std::string> refused(const std::string& text) {
  auto r = parse_config(text);
  REQUIRE_MESSAGE(!r.ok(), text);
  return problems(r.error());
}

// True if some problem is exactly at path and mentions what.
inline bool has_problem(const std::vector<std::string>& ps, std::string_view path, std::string_view what) {
  for (const auto& p : ps)
    if (p.rfind(std::string(path) + ": ", 0) == 0 && p.find(what) != std::string::npos) return true;
  return false;
}

inline std::string joined(const std::vector<std::string>& ps) {
  std::string s;
  for (const auto& p : ps) s += p + "\n";
  return s;
}

// Expects text to be refused with a problem at path mentioning what.
#define CHECK_REFUSED(text, path, what)                                                                              \
  do {                                                                                                               \
    auto ps_ = ::berth::spec::test::refused(text);                                                                   \
    CHECK_MESSAGE(::berth::spec::test::has_problem(ps_, path, what), "wanted " << path << ": ..." << what            \
                                                                               << "\ngot:\n"                         \
                                                                               << ::berth::spec::test::joined(ps_)); \
  } while (0)

inline Config parsed(const std::string& text) {
  auto r = parse_config(text);
  REQUIRE_MESSAGE(r.ok(), (r.ok() ? std::string() : r.error().message()));
  return std::move(r).value();
}

}  // namespace berth::spec::test
