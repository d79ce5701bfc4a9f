// TempTree: a throw-away directory for unit tests (a rootfs, a state root), removed on destruction,
// with small helpers to lay out files, directories and symlinks below it.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace berth::test {

class TempTree {
 public:
  TempTree() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "berth-rootfs-XXXXXX").string();
    if (mkdtemp(tmpl.data()) != nullptr) path_ = tmpl;
  }
  ~TempTree() {
    std::error_code ec;
    if (!path_.empty()) std::filesystem::remove_all(path_, ec);  // never follows symlinks
  }
  TempTree(const TempTree&) = delete;
  TempTree& operator=(const TempTree&) = delete;

  const std::string& path() const { return path_; }
  std::string at(const std::string& rel) const { return path_ + "/" + rel; }
  void mkdirs(const std::string& rel) const { std::filesystem::create_directories(at(rel)); }
  void touch(const std::string& rel) const { std::ofstream(at(rel)).put('x'); }
  void write(const std::string& rel, const std::string& text) const { std::ofstream(at(rel)) << text; }
  // A file's text without its trailing newlines, as a control file reads.
  std::string read(const std::string& rel) const {
    std::ifstream in(at(rel));
    std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    while (!s.empty() && s.back() == '\n') s.pop_back();
    return s;
  }
  void symlink(const std::string& target, const std::string& rel) const {
    std::filesystem::create_symlink(target, at(rel));
  }
  // An O_PATH fd of a directory below the tree, to act as a container root.
  int open_dir(const std::string& rel) const { return ::open(at(rel).c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC); }
  bool is_empty_dir(const std::string& rel) const { return std::filesystem::is_empty(at(rel)); }

 private:
  std::string path_;
};

}  // namespace berth::test
