// berth::json::Writer: streams JSON text into a string (state, spec and
// features output). Compact by default; with an indent string it prints like
// Go's json.MarshalIndent, so `berth spec` and `berth state` match runc byte
// for byte. The caller is trusted to nest begin/end and key/value correctly.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace berth::json {

class Writer {
 public:
  struct Options {
    std::string indent;        // "" = compact; "\t" or "  " = one line per value
    bool escape_html = false;  // write <, >, & as \u003c ... (Go's default)
  };
  Writer() = default;
  explicit Writer(Options opts) : opts_(std::move(opts)) {}

  Writer& begin_object();
  Writer& end_object();
  Writer& begin_array();
  Writer& end_array();
  // In an object, every value is preceded by key().
  Writer& key(std::string_view k);

  Writer& string(std::string_view s);
  Writer& int64(int64_t v);
  Writer& uint64(uint64_t v);
  Writer& boolean(bool v);
  Writer& null();
  // A value that is JSON text already (a record's section), written as is.
  Writer& raw(std::string_view json);

  // key(k) followed by the value.
  Writer& field(std::string_view k, std::string_view s) { return key(k).string(s); }
  Writer& field(std::string_view k, const char* s) { return key(k).string(s); }
  Writer& field_int(std::string_view k, int64_t v) { return key(k).int64(v); }
  Writer& field_uint(std::string_view k, uint64_t v) { return key(k).uint64(v); }
  Writer& field_bool(std::string_view k, bool v) { return key(k).boolean(v); }
  // An array of strings as the value of key k.
  Writer& field_strings(std::string_view k, const std::vector<std::string>& v);

  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }

 private:
  struct Level {
    bool object;
    size_t count;
  };
  void before_value();
  void newline_indent(size_t depth);
  void open(char c, bool object);
  void close(char c);

  Options opts_;
  std::string out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
};

// Appends s to out as a quoted JSON string. Invalid UTF-8 becomes U+FFFD so
// the output is always valid JSON, whatever bytes a config or a process gave.
void append_quoted(std::string& out, std::string_view s, bool escape_html = false);

}  // namespace berth::json
