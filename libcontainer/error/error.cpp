// Formatting of berth::Error.
#include "libcontainer/error/error.hpp"

#include <cstring>

namespace berth {

const char* errno_name(int err) {
  // strerrorname_np is glibc >= 2.32.
  const char* n = strerrorname_np(err);
  return n ? n : "E?";
}

Error sys_error(int err, std::string what) { return Error(Code::System, std::move(what), err); }

std::string Error::message() const {
  std::string out;
  for (auto it = frames_.rbegin(); it != frames_.rend(); ++it) {
    if (!out.empty()) out += ": ";
    out += *it;
  }
  if (sys_errno_ != 0) {
    out += ": ";
    out += strerror(sys_errno_);
    out += " (";
    out += errno_name(sys_errno_);
    out += ")";
  }
  if (!json_path_.empty()) out += " [config " + json_path_ + "]";
  for (const auto& n : notes_) out += "; also: " + n;
  return out;
}

}  // namespace berth
