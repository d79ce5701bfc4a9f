// yajl tree ownership, the pre-scan that guards yajl_tree_parse, and the
// strict number readers used by the config parser.
#include "libcontainer/json/tree.hpp"

#include <charconv>
#include <cstdio>
#include <string>
#include <vector>

#include "libcontainer/json/utf8.hpp"
#include "libcontainer/json/writer.hpp"

namespace berth::json {

namespace {

// The RFC 6901 path of the value the text is in at offset, read with a
// minimal tokenizer (the text is only known to be JSON up to there): "" at
// the top level, the enclosing object's path inside a member name. Only
// called to describe an error.
std::string pointer_at(std::string_view text, size_t offset) {
  struct Frame {
    bool array;
    size_t index = 0;
    std::string_view key;  // as written, escapes included
    bool in_value = false;
  };
  std::vector<Frame> st;
  bool in_string = false, is_key = false;
  size_t str_start = 0;
  for (size_t i = 0; i < offset && i < text.size(); i++) {
    char c = text[i];
    if (in_string) {
      if (c == '\\')
        i++;
      else if (c == '"') {
        in_string = false;
        if (is_key) st.back().key = text.substr(str_start, i - str_start);
      }
      continue;
    }
    switch (c) {
      case '"':
        in_string = true;
        str_start = i + 1;
        is_key = !st.empty() && !st.back().array && !st.back().in_value;
        break;
      case ':':
        if (!st.empty() && !st.back().array) st.back().in_value = true;
        break;
      case ',':
        if (st.empty()) break;
        if (st.back().array)
          st.back().index++;
        else
          st.back().in_value = false;
        break;
      case '{': st.push_back({false}); break;
      case '[': st.push_back({true}); break;
      case '}':
      case ']':
        if (!st.empty()) st.pop_back();
        break;
      default: break;
    }
  }
  std::string path;
  for (const Frame& f : st) {
    if (f.array)
      path += "/" + std::to_string(f.index);
    else if (f.in_value)
      append_pointer_token(path, f.key);
    else
      break;  // in a member name: the object is the place
  }
  return path;
}

Error text_error(std::string_view text, size_t offset, std::string what) {
  std::string path = pointer_at(text, offset);
  what += " at byte offset " + std::to_string(offset);
  if (!path.empty()) what += " (in " + path + ")";
  return config_error(path, std::move(what));
}

// One pass over the raw text: refuses bytes and forms that yajl_tree would
// accept but misrepresent, and bounds nesting before yajl allocates. Also
// checks UTF-8 (RFC 8259 8.1), which yajl does too but without saying where.
Status prescan(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); i++) {
    char c = text[i];
    if (c == '\0') return text_error(text, i, "JSON text contains a NUL byte");
    if (static_cast<unsigned char>(c) >= 0x80) {
      unsigned cp;
      size_t n = utf8_sequence_length(text, i, cp);
      if (n == 0) {
        char hex[8];
        snprintf(hex, sizeof hex, "0x%02x", static_cast<unsigned char>(c));
        return text_error(text, i, std::string("JSON text is not valid UTF-8: byte ") + hex);
      }
      i += n - 1;
      continue;
    }
    if (in_string) {
      if (c == '"') {
        in_string = false;
      } else if (c == '\\' && i + 1 < text.size()) {
        if (text.substr(i + 1, 5) == "u0000") return text_error(text, i, "JSON string contains \\u0000");
        i++;  // skip the escaped character, which may be '"' or '\\'
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '{':
      case '[':
        if (++depth > max_depth)
          return config_error("", "JSON nested deeper than " + std::to_string(max_depth) + " levels");
        break;
      case '}':
      case ']':
        if (depth > 0) depth--;
        break;
      case '/': return text_error(text, i, "JSON text contains a comment");
      default: break;
    }
  }
  return {};
}

// yajl's verbose message spans several lines; the first says what is wrong.
std::string first_line(const char* msg) {
  std::string s(msg);
  size_t nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.pop_back();
  return s.empty() ? "invalid JSON" : s;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

}  // namespace

const char* Value::kind_name() const {
  if (!v_) return "nothing";
  switch (v_->type) {
    case yajl_t_string: return "string";
    case yajl_t_number: return "number";
    case yajl_t_object: return "object";
    case yajl_t_array: return "array";
    case yajl_t_true:
    case yajl_t_false: return "boolean";
    case yajl_t_null: return "null";
    default: return "unknown";
  }
}

std::string_view Value::as_string() const {
  if (!is_string() || !v_->u.string) return {};
  return v_->u.string;
}

std::string_view Value::number_text() const {
  if (!is_number() || !v_->u.number.r) return {};
  return v_->u.number.r;
}

bool Value::to_int64(int64_t& out) const {
  std::string_view t = number_text();
  std::string_view digits = t.substr(!t.empty() && t[0] == '-' ? 1 : 0);
  if (!all_digits(digits)) return false;
  auto r = std::from_chars(t.data(), t.data() + t.size(), out);
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

bool Value::to_uint64(uint64_t& out) const {
  std::string_view t = number_text();
  if (!all_digits(t)) return false;
  auto r = std::from_chars(t.data(), t.data() + t.size(), out);
  return r.ec == std::errc() && r.ptr == t.data() + t.size();
}

size_t Value::size() const {
  if (is_array()) return v_->u.array.len;
  if (is_object()) return v_->u.object.len;
  return 0;
}

Value Value::at(size_t i) const {
  if (!is_array() || i >= v_->u.array.len) return Value();
  return Value(v_->u.array.values[i]);
}

std::string_view Value::key_at(size_t i) const {
  if (!is_object() || i >= v_->u.object.len || !v_->u.object.keys[i]) return {};
  return v_->u.object.keys[i];
}

Value Value::value_at(size_t i) const {
  if (!is_object() || i >= v_->u.object.len) return Value();
  return Value(v_->u.object.values[i]);
}

Value Value::get(std::string_view key) const {
  if (!is_object()) return Value();
  for (size_t i = v_->u.object.len; i-- > 0;)
    if (v_->u.object.keys[i] && key == v_->u.object.keys[i]) return Value(v_->u.object.values[i]);
  return Value();
}

Result<Document> Document::parse(std::string_view text, size_t max_depth) {
  BERTH_CHECK(prescan(text, max_depth));
  // yajl_tree_parse wants a NUL-terminated buffer; a string_view may not be.
  std::string copy(text);
  char err[256] = {0};
  yajl_val root = yajl_tree_parse(copy.c_str(), err, sizeof err);
  if (!root) return config_error("", "invalid JSON: " + first_line(err));
  return Document(root);
}

Document& Document::operator=(Document&& o) noexcept {
  if (this != &o) {
    if (root_) yajl_tree_free(root_);
    root_ = o.root_;
    o.root_ = nullptr;
  }
  return *this;
}

Document::~Document() {
  if (root_) yajl_tree_free(root_);
}

namespace {

void write_value(Writer& w, Value v) {
  if (v.is_object()) {
    w.begin_object();
    for (size_t i = 0; i < v.size(); i++) write_value(w.key(v.key_at(i)), v.value_at(i));
    w.end_object();
  } else if (v.is_array()) {
    w.begin_array();
    for (size_t i = 0; i < v.size(); i++) write_value(w, v.at(i));
    w.end_array();
  } else if (v.is_string()) {
    w.string(v.as_string());
  } else if (v.is_number()) {
    w.raw(v.number_text());
  } else if (v.is_bool()) {
    w.boolean(v.as_bool());
  } else {
    w.null();
  }
}

}  // namespace

std::string to_text(Value v) {
  Writer w;
  write_value(w, v);
  return w.take();
}

void append_pointer_token(std::string& path, std::string_view token) {
  path += '/';
  for (char c : token) {
    if (c == '~')
      path += "~0";
    else if (c == '/')
      path += "~1";
    else
      path += c;
  }
}

}  // namespace berth::json
