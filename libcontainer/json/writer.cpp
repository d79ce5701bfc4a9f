// JSON text output: structure bookkeeping, Go-compatible indentation and
// string escaping (control characters, U+2028/U+2029, invalid UTF-8).
#include "libcontainer/json/writer.hpp"

#include <charconv>

#include "libcontainer/json/utf8.hpp"

namespace berth::json {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned cp) {
  out += "\\u";
  out += kHex[(cp >> 12) & 0xf];
  out += kHex[(cp >> 8) & 0xf];
  out += kHex[(cp >> 4) & 0xf];
  out += kHex[cp & 0xf];
}

}  // namespace

void append_quoted(std::string& out, std::string_view s, bool escape_html) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          if (c < 0x20 || (escape_html && (c == '<' || c == '>' || c == '&')))
            append_u_escape(out, c);
          else
            out += static_cast<char>(c);
      }
      i++;
      continue;
    }
    unsigned cp = 0;
    size_t n = utf8_sequence_length(s, i, cp);
    if (n == 0) {
      out += "\ufffd";
      i++;
    } else if (cp == 0x2028 || cp == 0x2029) {
      // Valid JSON, but they end a line in JavaScript; Go escapes them too.
      append_u_escape(out, cp);
      i += n;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  out += '"';
}

void Writer::newline_indent(size_t depth) {
  out_ += '\n';
  for (size_t i = 0; i < depth; i++) out_ += opts_.indent;
}

void Writer::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty()) return;
  Level& l = stack_.back();
  if (l.count++ > 0) out_ += ',';
  if (!opts_.indent.empty()) newline_indent(stack_.size());
}

void Writer::open(char c, bool object) {
  before_value();
  out_ += c;
  stack_.push_back({object, 0});
}

void Writer::close(char c) {
  if (stack_.empty()) return;
  bool had_items = stack_.back().count > 0;
  stack_.pop_back();
  if (had_items && !opts_.indent.empty()) newline_indent(stack_.size());
  out_ += c;
}

Writer& Writer::begin_object() {
  open('{', true);
  return *this;
}
Writer& Writer::end_object() {
  close('}');
  return *this;
}
Writer& Writer::begin_array() {
  open('[', false);
  return *this;
}
Writer& Writer::end_array() {
  close(']');
  return *this;
}

Writer& Writer::key(std::string_view k) {
  before_value();
  append_quoted(out_, k, opts_.escape_html);
  out_ += opts_.indent.empty() ? ":" : ": ";
  after_key_ = true;
  return *this;
}

Writer& Writer::string(std::string_view s) {
  before_value();
  append_quoted(out_, s, opts_.escape_html);
  return *this;
}

Writer& Writer::int64(int64_t v) {
  before_value();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

Writer& Writer::uint64(uint64_t v) {
  before_value();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, r.ptr);
  return *this;
}

Writer& Writer::boolean(bool v) {
  before_value();
  out_ += v ? "true" : "false";
  return *this;
}

Writer& Writer::null() {
  before_value();
  out_ += "null";
  return *this;
}

Writer& Writer::raw(std::string_view json) {
  before_value();
  out_ += json;
  return *this;
}

Writer& Writer::field_strings(std::string_view k, const std::vector<std::string>& v) {
  key(k).begin_array();
  for (const auto& s : v) string(s);
  return end_array();
}

}  // namespace berth::json
