// Reading JSON: json::Document owns a yajl tree (yajl_tree_parse/free) and
// json::Value is a non-owning view into it, valid while the Document lives.
// Before yajl sees the text, parse() refuses what yajl_tree would silently
// mangle: NUL bytes (yajl reads a C string), "\u0000" escapes (strings are
// stored NUL-terminated), comments (yajl_tree enables them; JSON has none)
// and nesting deeper than max_depth (yajl_tree_free recurses); and invalid
// UTF-8, which yajl refuses without saying where. Those errors name the byte
// offset and, as json_path, the value it is in ("/process/args/0").
#pragma once

#include <yajl/yajl_tree.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "libcontainer/error/error.hpp"

namespace berth::json {

class Value {
 public:
  Value() = default;
  explicit Value(yajl_val v) : v_(v) {}

  // False when a lookup found nothing.
  bool present() const { return v_ != nullptr; }
  bool is_null() const { return v_ && v_->type == yajl_t_null; }
  bool is_bool() const { return v_ && (v_->type == yajl_t_true || v_->type == yajl_t_false); }
  bool is_string() const { return v_ && v_->type == yajl_t_string; }
  bool is_number() const { return v_ && v_->type == yajl_t_number; }
  bool is_object() const { return v_ && v_->type == yajl_t_object; }
  bool is_array() const { return v_ && v_->type == yajl_t_array; }
  // "string", "number", "object", "array", "boolean", "null" or "nothing".
  const char* kind_name() const;

  bool as_bool() const { return v_ && v_->type == yajl_t_true; }
  // Empty unless is_string().
  std::string_view as_string() const;
  // The number as written in the text ("" unless is_number()).
  std::string_view number_text() const;
  // Strict integer readers over number_text(): false for fractions,
  // exponents, out-of-range values and non-numbers.
  bool to_int64(int64_t& out) const;
  bool to_uint64(uint64_t& out) const;

  // Element count of an array or member count of an object; 0 otherwise.
  size_t size() const;
  Value at(size_t i) const;                 // array element
  std::string_view key_at(size_t i) const;  // object member name
  Value value_at(size_t i) const;           // object member value
  // The last member named key (JSON allows duplicates; Go keeps the last).
  Value get(std::string_view key) const;

  yajl_val raw() const { return v_; }

 private:
  yajl_val v_ = nullptr;
};

class Document {
 public:
  static constexpr size_t kDefaultMaxDepth = 256;
  // Errors are Code::Config with the parser's message and byte offset.
  static Result<Document> parse(std::string_view text, size_t max_depth = kDefaultMaxDepth);

  Document() = default;
  Document(Document&& o) noexcept : root_(o.root_) { o.root_ = nullptr; }
  Document& operator=(Document&& o) noexcept;
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;
  ~Document();

  Value root() const { return Value(root_); }

 private:
  explicit Document(yajl_val root) : root_(root) {}
  yajl_val root_ = nullptr;
};

// The value as compact JSON text (a part of a document kept as text).
std::string to_text(Value v);

// RFC 6901: "~" -> "~0", "/" -> "~1"; appends "/" + escaped token to path.
void append_pointer_token(std::string& path, std::string_view token);

}  // namespace berth::json
