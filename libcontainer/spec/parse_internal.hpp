// Private to libcontainer/spec/parse*.cpp: the Walker that tracks the RFC 6901
// path of the value being read, reads typed values out of a json::Value and
// collects problems instead of stopping at the first.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "libcontainer/error/error.hpp"
#include "libcontainer/json/tree.hpp"
#include "libcontainer/spec/config.hpp"

namespace berth::spec::detail {

using json::Value;

// A present, non-null member (JSON null reads as absent).
inline Value member(Value obj, std::string_view name) {
  Value v = obj.get(name);
  return v.is_null() ? Value() : v;
}

struct Problem {
  std::string path;
  std::string what;
  bool unsupported = false;
};

class Walker {
 public:
  // Pushes one path token for its lifetime (the path is one string that is
  // only copied when a problem is recorded).
  class Scope {
   public:
    Scope(std::string& path, size_t keep) : path_(path), keep_(keep) {}
    Scope(const Scope&) = delete;
    Scope& operator=(const Scope&) = delete;
    ~Scope() { path_.resize(keep_); }

   private:
    std::string& path_;
    size_t keep_;
  };
  [[nodiscard]] Scope enter(std::string_view key);
  [[nodiscard]] Scope enter(size_t index);
  const std::string& path() const { return path_; }

  // Record a problem at the current path.
  void fail(std::string what);
  // A field the spec defines and berth does not implement; v null/empty is
  // no request at all and is let through.
  void refuse_unsupported(Value obj, std::string_view name, std::string_view why);
  bool ok() const { return problems_.empty(); }
  size_t problem_count() const { return problems_.size(); }
  // The Error described in parse.hpp, or nothing when no problem was seen.
  Status finish();

  // Member readers: read obj[name] into out. Absent or null members leave out
  // untouched and return false; a wrong type is recorded and returns false.
  bool str(Value obj, std::string_view name, std::string& out);
  bool boolean(Value obj, std::string_view name, bool& out);
  bool u32(Value obj, std::string_view name, uint32_t& out);
  bool u64(Value obj, std::string_view name, uint64_t& out);
  bool i64(Value obj, std::string_view name, int64_t& out);
  bool i32(Value obj, std::string_view name, int& out);
  bool strings(Value obj, std::string_view name, std::vector<std::string>& out);
  bool string_map(Value obj, std::string_view name, std::map<std::string, std::string>& out);
  // Records "required" if obj[name] is absent or null.
  bool require(Value obj, std::string_view name);

  // Value readers at the current path.
  bool as_str(Value v, std::string& out);
  bool as_u32(Value v, uint32_t& out);
  bool as_u64(Value v, uint64_t& out);
  bool as_i64(Value v, int64_t& out);
  // A uid or gid: 0..2147483647, as runc requires. Larger values are refused:
  // 4294967295 is (uid_t)-1, which setresuid/setgroups/chown read as "leave
  // unchanged", so a process asked to be 4294967295 would stay root.
  bool as_id(Value v, uint32_t& out);
  bool id(Value obj, std::string_view name, uint32_t& out);
  bool as_object(Value v);  // records a type error unless v is an object
  bool as_array(Value v);

  // Calls f(element) with the path at obj[name]/i for each element that is
  // an object (others are recorded as type errors). Returns false if the
  // member is absent, null or not an array.
  template <typename F>
  bool each_object(Value obj, std::string_view name, F&& f) {
    return each(obj, name, [&](Value e) {
      if (as_object(e)) f(e);
    });
  }
  // Same for an array member whose elements are any value.
  template <typename F>
  bool each(Value obj, std::string_view name, F&& f) {
    Value v = member(obj, name);
    if (!v.present()) return false;
    auto s = enter(name);
    if (!as_array(v)) return false;
    for (size_t i = 0; i < v.size(); i++) {
      auto si = enter(i);
      f(v.at(i));
    }
    return true;
  }

 private:
  void type_error(Value v, const char* expected);
  std::string path_;
  std::vector<Problem> problems_;
};

// The largest uid/gid berth accepts (runc: "uids and gids must be in range
// 0-2147483647").
inline constexpr uint32_t kMaxId = 2147483647;

bool is_absolute(std::string_view p);
// p taken from "/" and cleaned lexically as Go's path.Clean does: "/" joins,
// "." and empty components dropped, ".." removes the previous component and
// stops at "/", no trailing "/". "a/../../b/" -> "/b".
std::string clean_absolute(std::string_view p);
std::string quoted(std::string_view s);  // "\"s\"" with JSON escaping

void parse_process(Walker& w, Value v, Process& out);
void parse_linux(Walker& w, Value v, Linux& out);
void parse_resources_object(Walker& w, Value v, Resources& out);
void parse_seccomp(Walker& w, Value v, Seccomp& out);
// parse_process_attrs.cpp: process.scheduler, process.ioPriority (of a
// process object), linux.memoryPolicy, linux.personality (of the linux object).
void parse_scheduler(Walker& w, Value process, std::optional<Scheduler>& out);
void parse_io_priority(Walker& w, Value process, std::optional<IoPriority>& out);
void parse_memory_policy(Walker& w, Value linux, std::optional<MemoryPolicy>& out);
void parse_personality(Walker& w, Value linux, std::optional<Personality>& out);
void parse_id_mappings(Walker& w, Value obj, std::string_view name, std::vector<IdMapping>& out);
// Cross-field rules that need both process/mounts and linux parsed.
void check_namespace_rules(Walker& w, const Config& c, Value root);

}  // namespace berth::spec::detail
