// berth::Error and Result<T>: the one error type of the library.
// An Error carries the errno of the failed syscall (0 when none), a coarse Code,
// the RFC 6901 JSON path of the config field at fault (empty when none) and
// context frames, innermost first. Wrapping never drops errno or json_path.
#pragma once

#include <cerrno>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace berth {

enum class Code { Config, NotFound, Exists, Permission, Busy, Unsupported, Child, Internal, System };

class Error {
 public:
  Error() = default;
  Error(Code code, std::string msg, int sys_errno = 0, std::string json_path = {})
      : code_(code), sys_errno_(sys_errno), json_path_(std::move(json_path)) {
    frames_.push_back(std::move(msg));
  }

  Code code() const { return code_; }
  int sys_errno() const { return sys_errno_; }
  const std::string& json_path() const { return json_path_; }
  const std::vector<std::string>& frames() const { return frames_; }
  const std::vector<std::string>& notes() const { return notes_; }

  // Adds an outer frame: "outer: inner".
  Error& context(std::string frame) & {
    frames_.push_back(std::move(frame));
    return *this;
  }
  Error&& context(std::string frame) && {
    frames_.push_back(std::move(frame));
    return std::move(*this);
  }
  // A secondary failure (e.g. an undo step that failed while unwinding).
  void add_note(std::string note) { notes_.push_back(std::move(note)); }
  Error& with_path(std::string p) {
    json_path_ = std::move(p);
    return *this;
  }

  // "outer: inner: strerror (ENAME) [config /path]"
  std::string message() const;

 private:
  Code code_ = Code::Internal;
  int sys_errno_ = 0;
  std::string json_path_;
  std::vector<std::string> frames_;
  std::vector<std::string> notes_;
};

// An error from a failed syscall: errno is kept and named in message().
Error sys_error(int err, std::string what);
inline Error config_error(std::string json_path, std::string what) {
  return Error(Code::Config, std::move(what), 0, std::move(json_path));
}
const char* errno_name(int err);

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
  Result(Error e) : v_(std::in_place_index<1>, std::move(e)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  T* operator->() { return &value(); }
  const T& value() const& { return std::get<0>(v_); }
  Error& error() & { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }
  const Error& error() const& { return std::get<1>(v_); }
  // The value, or alt when this is an error (which is then dropped).
  T value_or(T alt) && { return ok() ? std::get<0>(std::move(v_)) : std::move(alt); }
  Result context(std::string frame) && {
    if (!ok()) std::get<1>(v_).context(std::move(frame));
    return std::move(*this);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error e) : err_(std::move(e)), ok_(false) {}
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  Error& error() & { return err_; }
  Error&& error() && { return std::move(err_); }
  const Error& error() const& { return err_; }
  Result context(std::string frame) && {
    if (!ok_) err_.context(std::move(frame));
    return std::move(*this);
  }

 private:
  Error err_;
  bool ok_ = true;
};

using Status = Result<void>;

}  // namespace berth

// Propagates an error; yields the value otherwise (GNU statement expression).
#define BERTH_TRY(expr)                                             \
  ({                                                                \
    auto berth_try_r_ = (expr);                                     \
    if (!berth_try_r_.ok()) return std::move(berth_try_r_).error(); \
    std::move(berth_try_r_).value();                                \
  })
// For Result<void>.
#define BERTH_CHECK(expr)                                           \
  do {                                                              \
    auto berth_try_r_ = (expr);                                     \
    if (!berth_try_r_.ok()) return std::move(berth_try_r_).error(); \
  } while (0)
