// The config Walker: path tracking, typed readers with precise type errors,
// and folding the collected problems into one berth::Error.
#include <charconv>
#include <limits>

#include "libcontainer/json/writer.hpp"
#include "libcontainer/spec/parse_internal.hpp"

namespace berth::spec::detail {

bool is_absolute(std::string_view p) { return !p.empty() && p[0] == '/'; }

std::string clean_absolute(std::string_view p) {
  std::string out;
  size_t i = 0;
  while (i < p.size()) {
    size_t end = p.find('/', i);
    if (end == std::string_view::npos) end = p.size();
    std::string_view c = p.substr(i, end - i);
    i = end + 1;
    if (c.empty() || c == ".") continue;
    if (c == "..") {
      size_t cut = out.rfind('/');
      out.resize(cut == std::string::npos ? 0 : cut);
      continue;
    }
    out += '/';
    out += c;
  }
  return out.empty() ? "/" : out;
}

std::string quoted(std::string_view s) {
  std::string out;
  json::append_quoted(out, s);
  return out;
}

Walker::Scope Walker::enter(std::string_view key) {
  size_t keep = path_.size();
  json::append_pointer_token(path_, key);
  return Scope(path_, keep);
}

Walker::Scope Walker::enter(size_t index) {
  size_t keep = path_.size();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, index);
  path_ += '/';
  path_.append(buf, r.ptr);
  return Scope(path_, keep);
}

void Walker::fail(std::string what) { problems_.push_back({path_, std::move(what), false}); }

void Walker::refuse_unsupported(Value obj, std::string_view name, std::string_view why) {
  Value v = member(obj, name);
  // {} or [] asks for nothing; generators (containerd, podman) emit them.
  if (!v.present() || ((v.is_object() || v.is_array()) && v.size() == 0)) return;
  auto s = enter(name);
  std::string what = "not supported yet";
  if (!why.empty()) {
    what += " (";
    what += why;
    what += ")";
  }
  problems_.push_back({path_, std::move(what), true});
}

Status Walker::finish() {
  if (problems_.empty()) return {};
  bool all_unsupported = true;
  for (const auto& p : problems_) all_unsupported = all_unsupported && p.unsupported;
  const Problem& first = problems_.front();
  Error e(all_unsupported ? Code::Unsupported : Code::Config, first.path + ": " + first.what, 0, first.path);
  for (size_t i = 1; i < problems_.size(); i++) e.add_note(problems_[i].path + ": " + problems_[i].what);
  return e;
}

void Walker::type_error(Value v, const char* expected) {
  std::string what = "expected ";
  what += expected;
  what += ", got ";
  what += v.kind_name();
  fail(std::move(what));
}

bool Walker::as_object(Value v) {
  if (v.is_object()) return true;
  type_error(v, "an object");
  return false;
}

bool Walker::as_array(Value v) {
  if (v.is_array()) return true;
  type_error(v, "an array");
  return false;
}

bool Walker::as_str(Value v, std::string& out) {
  if (!v.is_string()) {
    type_error(v, "a string");
    return false;
  }
  out = v.as_string();
  return true;
}

bool Walker::as_u64(Value v, uint64_t& out) {
  if (!v.is_number()) {
    type_error(v, "an unsigned integer");
    return false;
  }
  if (v.to_uint64(out)) return true;
  std::string_view t = v.number_text();
  if (t.find_first_of(".eE") != std::string_view::npos)
    fail("expected an integer, got " + std::string(t));
  else if (!t.empty() && t[0] == '-')
    fail("must not be negative, got " + std::string(t));
  else
    fail("out of range, got " + std::string(t));
  return false;
}

bool Walker::as_u32(Value v, uint32_t& out) {
  uint64_t x;
  if (!as_u64(v, x)) return false;
  if (x > std::numeric_limits<uint32_t>::max()) {
    fail("must be at most 4294967295, got " + std::to_string(x));
    return false;
  }
  out = static_cast<uint32_t>(x);
  return true;
}

bool Walker::as_id(Value v, uint32_t& out) {
  uint64_t x;
  if (!as_u64(v, x)) return false;
  if (x > kMaxId) {
    fail("uids and gids must be in range 0-" + std::to_string(kMaxId) + ", got " + std::to_string(x));
    return false;
  }
  out = static_cast<uint32_t>(x);
  return true;
}

bool Walker::id(Value obj, std::string_view name, uint32_t& out) {
  Value v = member(obj, name);
  if (!v.present()) return false;
  auto s = enter(name);
  return as_id(v, out);
}

bool Walker::as_i64(Value v, int64_t& out) {
  if (!v.is_number()) {
    type_error(v, "an integer");
    return false;
  }
  if (v.to_int64(out)) return true;
  std::string_view t = v.number_text();
  if (t.find_first_of(".eE") != std::string_view::npos)
    fail("expected an integer, got " + std::string(t));
  else
    fail("out of range, got " + std::string(t));
  return false;
}

bool Walker::str(Value obj, std::string_view name, std::string& out) {
  Value v = member(obj, name);
  if (!v.present()) return false;
  auto s = enter(name);
  return as_str(v, out);
}

bool Walker::boolean(Value obj, std::string_view name, bool& out) {
  Value v = member(obj, name);
  if (!v.present()) return false;
  auto s = enter(name);
  if (!v.is_bool()) {
    type_error(v, "a boolean");
    return false;
  }
  out = v.as_bool();
  return true;
}

bool Walker::u32(Value obj, std::string_view name, uint32_t& out) {
  Value v = member(obj, name);
  if (!v.present()) return false;
  auto s = enter(name);
  return as_u32(v, out);
}

bool Walker::u64(Value obj, std::string_view name, uint64_t& out) {
  Value v = member(obj, name);
  if (!v.present()) return false;
  auto s = enter(name);
  return as_u64(v, out);
}

bool Walker::i64(Value obj, std::string_view name, int64_t& out) {
  Value v = member(obj, name);
  if (!v.present()) return false;
  auto s = enter(name);
  return as_i64(v, out);
}

bool Walker::i32(Value obj, std::string_view name, int& out) {
  Value v = member(obj, name);
  if (!v.present()) return false;
  auto s = enter(name);
  int64_t x;
  if (!as_i64(v, x)) return false;
  if (x < std::numeric_limits<int>::min() || x > std::numeric_limits<int>::max()) {
    fail("out of range for a 32-bit integer, got " + std::to_string(x));
    return false;
  }
  out = static_cast<int>(x);
  return true;
}

bool Walker::strings(Value obj, std::string_view name, std::vector<std::string>& out) {
  Value v = member(obj, name);
  if (!v.present()) return false;
  auto s = enter(name);
  if (!as_array(v)) return false;
  out.clear();
  out.reserve(v.size());
  bool good = true;
  for (size_t i = 0; i < v.size(); i++) {
    auto si = enter(i);
    std::string e;
    if (as_str(v.at(i), e))
      out.push_back(std::move(e));
    else
      good = false;
  }
  return good;
}

bool Walker::string_map(Value obj, std::string_view name, std::map<std::string, std::string>& out) {
  Value v = member(obj, name);
  if (!v.present()) return false;
  auto s = enter(name);
  if (!as_object(v)) return false;
  out.clear();
  bool good = true;
  for (size_t i = 0; i < v.size(); i++) {
    std::string_view k = v.key_at(i);
    auto sk = enter(k);
    std::string val;
    if (as_str(v.value_at(i), val))
      out.insert_or_assign(std::string(k), std::move(val));
    else
      good = false;
  }
  return good;
}

bool Walker::require(Value obj, std::string_view name) {
  if (member(obj, name).present()) return true;
  auto s = enter(name);
  fail("required");
  return false;
}

}  // namespace berth::spec::detail
