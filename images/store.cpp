// The image store; see store.hpp.
#include "images/store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"
#include "libcontainer/state/files.hpp"

namespace berth::images {
namespace {

Status make_dir(const std::string& path) {
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return sys_error(errno, "mkdir " + path);
  return {};
}

Result<UniqueFd> take_lock(const std::string& path, int how = LOCK_EX) {
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) return sys_error(errno, "open " + path);
  while (flock(fd.get(), how) != 0)
    if (errno != EINTR) return sys_error(errno, "flock " + path);
  return fd;
}

Status write_all(int fd, const void* data, size_t n) {
  const char* p = static_cast<const char*>(data);
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w < 0) return sys_error(errno, "write");
    p += w, n -= size_t(w);
  }
  return {};
}

std::vector<std::string> strings(const std::vector<Digest>& ds) {
  std::vector<std::string> out;
  for (const auto& d : ds) out.push_back(d.str());
  return out;
}

Result<std::vector<Digest>> digests(json::Value a, const std::string& where) {
  std::vector<Digest> out;
  for (size_t i = 0; i < a.size(); i++) out.push_back(BERTH_TRY(parse_digest(a.at(i).as_string()).context(where)));
  return out;
}

}  // namespace

Status Ingest::write(const void* data, size_t n) {
  BERTH_CHECK(write_all(fd_.get(), data, n));
  hasher_->update(data, n);
  size_ += int64_t(n);
  if (expected_ >= 0 && size_ > expected_) {
    unlink(store_->partial_path(want_).c_str());
    return Error(Code::Config,
                 "blob " + want_.str() + ": more than the " + std::to_string(expected_) + " bytes its descriptor says");
  }
  return {};
}

Status Ingest::restart() {
  if (ftruncate(fd_.get(), 0) != 0 || lseek(fd_.get(), 0, SEEK_SET) != 0)
    return sys_error(errno, "truncate the partial blob " + want_.str());
  hasher_.emplace(want_.algorithm);
  size_ = 0;
  return {};
}

Status Ingest::commit() {
  std::string partial = store_->partial_path(want_);
  Digest got = hasher_->finish();
  if (got != want_ || (expected_ >= 0 && size_ != expected_)) {
    unlink(partial.c_str());
    if (got != want_)
      return Error(Code::Config, "blob " + want_.str() + " does not match its digest: its content is " + got.str());
    return Error(Code::Config, "blob " + want_.str() + ": " + std::to_string(size_) + " bytes, not the " +
                                   std::to_string(expected_) + " its descriptor says");
  }
  if (fsync(fd_.get()) != 0) return sys_error(errno, "fsync " + partial);
  fchmod(fd_.get(), 0444);
  if (rename(partial.c_str(), store_->blob_path(want_).c_str()) != 0)
    return sys_error(errno, "rename " + partial + " to " + store_->blob_path(want_));
  fd_.reset();
  return {};
}

Status Store::init() const {
  // its parents too (berth's --root may not exist yet, as runc's)
  for (size_t at = root_.find('/', 1); at != std::string::npos; at = root_.find('/', at + 1))
    BERTH_CHECK(make_dir(root_.substr(0, at)).context("image store " + root_));
  for (const std::string& d :
       {root_, root_ + "/blobs", root_ + "/blobs/sha256", root_ + "/blobs/sha512", root_ + "/ingest", root_ + "/layers",
        root_ + "/layers/sha256", root_ + "/layers/sha512", root_ + "/containers", root_ + "/refs"})
    BERTH_CHECK(make_dir(d).context("image store " + root_));
  return {};
}

bool Store::has_blob(const Digest& d) const { return access(blob_path(d).c_str(), F_OK) == 0; }
bool Store::has_layer(const Digest& diff_id) const { return access(layer_dir(diff_id).c_str(), F_OK) == 0; }

Result<std::optional<Ingest>> Store::ingest(const Digest& d, int64_t expected_size) const {
  std::string partial = partial_path(d);
  Ingest in(*this, d, expected_size);
  in.lock_ = BERTH_TRY(take_lock(partial + ".lock"));
  if (has_blob(d)) return std::optional<Ingest>();
  in.fd_ = UniqueFd(open(partial.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!in.fd_) return sys_error(errno, "open " + partial);
  // What a cut-off pull left: hashed again, and appended to.
  in.hasher_.emplace(d.algorithm);
  char buf[1 << 16];
  for (;;) {
    ssize_t r = read(in.fd_.get(), buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return sys_error(errno, "read " + partial);
    if (r == 0) break;
    in.hasher_->update(buf, size_t(r));
    in.size_ += r;
  }
  if (expected_size >= 0 && in.size_ > expected_size) BERTH_CHECK(in.restart());  // not a prefix of this blob
  return std::optional<Ingest>(std::move(in));
}

Status Store::put_blob(const Digest& d, std::string_view data) const {
  auto in = BERTH_TRY(ingest(d, int64_t(data.size())));
  if (!in) return {};
  if (in->offset() > 0) BERTH_CHECK(in->restart());  // a leftover of the same blob: it is small
  BERTH_CHECK(in->write(data.data(), data.size()));
  return in->commit();
}

Result<UniqueFd> Store::open_blob(const Digest& d) const {
  UniqueFd fd(open(blob_path(d).c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT) return Error(Code::NotFound, "blob " + d.str() + " is not in the store " + root_);
    return sys_error(errno, "open " + blob_path(d));
  }
  return fd;
}

Result<std::string> Store::read_blob(const Digest& d, size_t max_size) const {
  auto fd = BERTH_TRY(open_blob(d));
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return sys_error(errno, "fstat " + blob_path(d));
  if (size_t(st.st_size) > max_size)
    return Error(Code::Config, "blob " + d.str() + ": " + std::to_string(st.st_size) + " bytes, more than the " +
                                   std::to_string(max_size) + " a manifest or config may have");
  std::string data = BERTH_TRY(state::read_all(fd.get()));
  if (digest_of(data, d.algorithm) != d)
    return Error(Code::Config, "blob " + d.str() + " in the store no longer matches its digest");
  return data;
}

Result<UniqueFd> Store::lock() const { return take_lock(root_ + "/lock"); }

Result<UniqueFd> Store::gc_lock(bool exclusive) const {
  return take_lock(root_ + "/gc.lock", exclusive ? LOCK_EX : LOCK_SH);
}

Result<std::vector<ImageRecord>> Store::read_images() const {
  auto text = state::read_file(root_ + "/images.json");
  if (!text) {
    if (text.error().sys_errno() == ENOENT) return std::vector<ImageRecord>{};
    return std::move(text).error();
  }
  auto doc = BERTH_TRY(json::Document::parse(*text).context(root_ + "/images.json"));
  std::vector<ImageRecord> out;
  json::Value a = doc.root().get("images");
  for (size_t i = 0; i < a.size(); i++) {
    json::Value v = a.at(i);
    ImageRecord r;
    std::string where = root_ + "/images.json: image " + std::to_string(i);
    r.name = std::string(v.get("name").as_string());
    r.source = std::string(v.get("source").as_string());
    r.created = std::string(v.get("created").as_string());
    r.manifest = BERTH_TRY(parse_digest(v.get("manifest").as_string()).context(where));
    r.config = BERTH_TRY(parse_digest(v.get("config").as_string()).context(where));
    r.layers = BERTH_TRY(digests(v.get("layers"), where));
    r.diff_ids = BERTH_TRY(digests(v.get("diffIds"), where));
    out.push_back(std::move(r));
  }
  return out;
}

Status Store::write_images(const std::vector<ImageRecord>& all) const {
  json::Writer w;
  w.begin_object().field_int("version", 1).key("images").begin_array();
  for (const auto& r : all)
    w.begin_object()
        .field("name", r.name)
        .field("source", r.source)
        .field("created", r.created)
        .field("manifest", r.manifest.str())
        .field("config", r.config.str())
        .field_strings("layers", strings(r.layers))
        .field_strings("diffIds", strings(r.diff_ids))
        .end_object();
  w.end_array().end_object();
  return state::write_file_atomic(root_ + "/images.json", w.take() + "\n", 0600, state::Sync::File);
}

Result<std::vector<ImageRecord>> Store::images() const { return read_images(); }

Result<ImageRecord> Store::find(const std::string& name) const {
  auto all = BERTH_TRY(read_images());
  for (const auto& r : all)
    if (r.name == name || r.name == name + ":latest" || r.manifest.str() == name) return r;
  std::string hex = name.rfind("sha256:", 0) == 0 ? name.substr(7) : name;
  const ImageRecord* hit = nullptr;
  if (hex.size() >= 12)
    for (const auto& r : all)
      if (r.manifest.hex.rfind(hex, 0) == 0) {
        if (hit && hit->manifest != r.manifest)
          return Error(Code::Config, "image id " + name + " names more than one image");
        hit = &r;
      }
  if (hit) return *hit;
  return Error(Code::NotFound, "no image " + name + " in the store " + root_);
}

Status Store::put_image(const ImageRecord& r) const {
  auto l = BERTH_TRY(lock());
  auto all = BERTH_TRY(read_images());
  bool replaced = false;
  for (auto& o : all)
    if (o.name == r.name) o = r, replaced = true;
  if (!replaced) all.push_back(r);
  return write_images(all);
}

Status Store::remove_image(const std::string& name) const {
  auto l = BERTH_TRY(lock());
  auto all = BERTH_TRY(read_images());
  size_t before = all.size();
  std::erase_if(all, [&](const ImageRecord& r) { return r.name == name; });
  if (all.size() == before) return Error(Code::NotFound, "no image " + name + " in the store " + root_);
  return write_images(all);
}

}  // namespace berth::images
