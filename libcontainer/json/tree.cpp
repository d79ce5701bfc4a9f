// yajl tree ownership, the pre-scan that guards yajl_tree_parse, and the
// strict number readers used by the config parser.
#include "libcontainer/json/tree.hpp"

#include <charconv>
#include <string>

namespace berth::json {

namespace {

// One pass over the raw text: refuses bytes and forms that yajl_tree would
// accept but misrepresent, and bounds nesting before yajl allocates.
Status prescan(std::string_view text, size_t max_depth) {
  size_t depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); i++) {
    char c = text[i];
    if (c == '\0') return config_error("", "JSON text contains a NUL byte at offset " + std::to_string(i));
    if (in_string) {
      if (c == '"') {
        in_string = false;
      } else if (c == '\\' && i + 1 < text.size()) {
        if (text.substr(i + 1, 5) == "u0000")
          return config_error("", "JSON string contains \\u0000 at offset " + std::to_string(i));
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
      case '/': return config_error("", "JSON text contains a comment at offset " + std::to_string(i));
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

void append_pointer_token(std::string& path, std::string_view token) {
  path += '/';
  for (char c : token) {
    if (c == '~') path += "~0";
    else if (c == '/') path += "~1";
    else path += c;
  }
}

}  // namespace berth::json
