// Pulling into the store from an OCI layout or a docker-archive; see pull.hpp.
#include "images/pull.hpp"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>

#include "images/path.hpp"
#include "images/registry.hpp"
#include "images/unpack.hpp"
#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"
#include "libcontainer/state/files.hpp"

namespace berth::images {
namespace {

constexpr const char* kRefName = "org.opencontainers.image.ref.name";

std::string base_name(std::string path) {
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

Status copy_blob_once(const Store& store, const std::string& path, const Descriptor& d, bool* resumed);

// A file of the layout into the store, verified against d. A resumed copy
// that does not verify (what a cut-off pull left was not this blob's
// start) is done again from the start, once.
Status copy_blob(const Store& store, const std::string& path, const Descriptor& d) {
  bool resumed = false;
  Status s = copy_blob_once(store, path, d, &resumed);
  if (!s.ok() && resumed) return copy_blob_once(store, path, d, &resumed);
  return s;
}

Status copy_blob_once(const Store& store, const std::string& path, const Descriptor& d, bool* resumed) {
  auto in = BERTH_TRY(store.ingest(d.digest, d.size));
  if (!in) return {};
  *resumed = in->offset() > 0;
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd) return Error(Code::NotFound, "blob " + d.digest.str() + ": " + path + ": " + strerror(errno), errno);
  if (in->offset() > 0 && lseek(fd.get(), in->offset(), SEEK_SET) != in->offset())
    return Error(Code::System, "seek " + path);
  char buf[1 << 16];
  for (;;) {
    ssize_t r = read(fd.get(), buf, sizeof buf);
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) return Error(Code::System, "read " + path + ": " + strerror(errno), errno);
    if (r == 0) break;
    BERTH_CHECK(in->write(buf, size_t(r)));
  }
  return in->commit();
}

Result<ImageRecord> pull_oci_layout(const Store& store, const std::string& spec, const PullOptions& o) {
  // DIR[:TAG]: the last ':' splits off a tag only if what is left is a directory
  std::string dir = spec, tag;
  if (size_t colon = spec.rfind(':'); colon != std::string::npos && access((spec + "/oci-layout").c_str(), F_OK) != 0)
    dir = spec.substr(0, colon), tag = spec.substr(colon + 1);
  auto layout = state::read_file(dir + "/oci-layout");
  if (!layout)
    return Error(Code::NotFound, "oci:" + spec + ": " + dir + " is not an OCI image layout (no oci-layout file)");
  auto ldoc = BERTH_TRY(json::Document::parse(*layout).context(dir + "/oci-layout"));
  if (ldoc.root().get("imageLayoutVersion").as_string() != "1.0.0")
    return Error(Code::Unsupported, dir + "/oci-layout: imageLayoutVersion is not 1.0.0");
  std::string index = BERTH_TRY(state::read_file(dir + "/index.json").context("oci:" + spec));
  auto entries = BERTH_TRY(parse_index(index).context(dir + "/index.json"));
  std::vector<Descriptor> hits;
  std::string names;
  for (const auto& e : entries) {
    auto it = e.annotations.find(kRefName);
    std::string ref = it == e.annotations.end() ? "" : it->second;
    names += (names.empty() ? "" : ", ") + (ref.empty() ? e.digest.str() : ref);
    if (tag.empty() || ref == tag) hits.push_back(e);
  }
  if (hits.size() != 1) {
    if (hits.empty() && !tag.empty())
      return Error(Code::NotFound,
                   "oci:" + spec + ": no image tagged " + tag + " in " + dir + " (it has: " + names + ")");
    if (hits.empty()) return Error(Code::NotFound, "oci:" + spec + ": " + dir + " holds no image");
    return Error(Code::Config,
                 "oci:" + spec + ": " + dir + " holds several images, name one with :TAG (" + names + ")");
  }
  auto blob = [&](const Descriptor& d) { return dir + "/blobs/" + d.digest.algorithm + "/" + d.digest.hex; };
  Descriptor d = hits[0];
  for (int depth = 0;; depth++) {
    BERTH_CHECK(copy_blob(store, blob(d), d).context("oci:" + spec));
    std::string text = BERTH_TRY(store.read_blob(d.digest));
    if (!is_index(text, d.media_type)) break;
    if (depth == 4) return Error(Code::Config, "oci:" + spec + ": indexes nested more than 4 deep");
    auto sub = BERTH_TRY(parse_index(text).context("oci:" + spec));
    d = BERTH_TRY(select_platform(sub, o.platform).context("oci:" + spec));
  }
  auto m = BERTH_TRY(parse_manifest(BERTH_TRY(store.read_blob(d.digest))).context("oci:" + spec));
  BERTH_CHECK(copy_blob(store, blob(m.config), m.config).context("oci:" + spec + ": config"));
  for (const auto& l : m.layers) BERTH_CHECK(copy_blob(store, blob(l), l).context("oci:" + spec + ": layer"));
  std::string name = !o.name.empty() ? o.name : base_name(dir) + ":" + (tag.empty() ? "latest" : tag);
  return finish_pull(store, name, "oci:" + spec, d.digest);
}

// ---- docker-archive ----

using ArchivePtr = std::unique_ptr<struct archive, int (*)(struct archive*)>;

Result<ArchivePtr> open_archive(const std::string& file) {
  ArchivePtr a(archive_read_new(), archive_read_free);
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_filter_zstd(a.get());
  if (archive_read_open_filename(a.get(), file.c_str(), 1 << 16) != ARCHIVE_OK)
    return Error(Code::NotFound, "docker-archive:" + file + ": " + archive_error_string(a.get()));
  return a;
}

// "a/b/../c" -> "a/c"; a name that leaves the archive is "".
std::string clean(const std::string& path) {
  std::vector<std::string> parts;
  for (auto& c : name_components(path)) {
    if (c != "..")
      parts.push_back(std::move(c));
    else if (parts.empty())
      return "";
    else
      parts.pop_back();
  }
  return join_components(parts, parts.size());
}

Result<ImageRecord> pull_docker_archive(const Store& store, const std::string& spec, const PullOptions& o) {
  std::string file = spec, want;
  if (access(spec.c_str(), F_OK) != 0)
    if (size_t colon = spec.find(':'); colon != std::string::npos)
      file = spec.substr(0, colon), want = spec.substr(colon + 1);
  std::string what = "docker-archive:" + spec;
  // Pass 1: manifest.json, the small JSON files (the configs), the symlinks
  // (docker save links a layer it has twice).
  std::map<std::string, std::string> json_files, links;
  {
    auto a = BERTH_TRY(open_archive(file));
    struct archive_entry* e;
    while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
      std::string name = clean(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
      if (archive_entry_filetype(e) == AE_IFLNK && archive_entry_symlink(e)) {
        std::string dir = name.find('/') == std::string::npos ? "" : name.substr(0, name.rfind('/') + 1);
        links[name] = clean(dir + archive_entry_symlink(e));
      } else if (archive_entry_filetype(e) == AE_IFREG && name.size() > 5 &&
                 name.compare(name.size() - 5, 5, ".json") == 0 && archive_entry_size(e) <= (4 << 20)) {
        std::string text(size_t(archive_entry_size(e)), '\0');
        if (archive_read_data(a.get(), text.data(), text.size()) != la_ssize_t(text.size()))
          return Error(Code::Config, what + ": " + name + ": " + archive_error_string(a.get()));
        json_files[name] = std::move(text);
      }
    }
    if (archive_errno(a.get()) != 0) return Error(Code::Config, what + ": " + archive_error_string(a.get()));
  }
  auto mf = json_files.find("manifest.json");
  if (mf == json_files.end()) return Error(Code::Config, what + ": no manifest.json (not a docker save archive)");
  auto doc = BERTH_TRY(json::Document::parse(mf->second).context(what + ": manifest.json"));
  json::Value all = doc.root(), pick;
  std::string tags;
  for (size_t i = 0; i < all.size(); i++) {
    json::Value t = all.at(i).get("RepoTags");
    for (size_t j = 0; j < t.size(); j++) {
      tags += (tags.empty() ? "" : ", ") + std::string(t.at(j).as_string());
      if (!want.empty() && (t.at(j).as_string() == want || std::string(t.at(j).as_string()) == want + ":latest"))
        pick = all.at(i);
    }
  }
  if (want.empty() && all.size() == 1) pick = all.at(0);
  if (!pick.present()) {
    if (!want.empty()) return Error(Code::NotFound, what + ": no image " + want + " in it (it has: " + tags + ")");
    return Error(Code::Config, what + ": it holds " + std::to_string(all.size()) + " images, name one (" + tags + ")");
  }
  std::string config_name = clean(std::string(pick.get("Config").as_string()));
  auto cf = json_files.find(config_name);
  if (cf == json_files.end()) return Error(Code::Config, what + ": its config " + config_name + " is not in it");
  auto config = BERTH_TRY(parse_config(cf->second).context(what + ": " + config_name));
  json::Value layers = pick.get("Layers");
  if (layers.size() != config.diff_ids.size())
    return Error(Code::Config, what + ": " + std::to_string(layers.size()) + " layers but " +
                                   std::to_string(config.diff_ids.size()) + " diff ids in its config");
  // Pass 2: each layer file into the store; an uncompressed layer is its
  // own diff id, which its digest must be.
  std::map<std::string, size_t> wanted;  // file -> layer index
  for (size_t i = 0; i < layers.size(); i++) {
    std::string n = clean(std::string(layers.at(i).as_string()));
    for (int hops = 0; links.count(n) && hops < 8; hops++) n = links[n];
    wanted[n] = i;
  }
  std::vector<int64_t> sizes(layers.size(), -1);
  {
    auto a = BERTH_TRY(open_archive(file));
    struct archive_entry* e;
    while (archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
      std::string name = clean(archive_entry_pathname(e) ? archive_entry_pathname(e) : "");
      auto w = wanted.find(name);
      if (w == wanted.end() || archive_entry_filetype(e) != AE_IFREG) continue;
      const Digest& id = config.diff_ids[w->second];
      sizes[w->second] = archive_entry_size(e);
      auto in = BERTH_TRY(store.ingest(id, archive_entry_size(e)));
      if (!in) continue;
      if (in->offset() > 0) BERTH_CHECK(in->restart());  // no resuming inside a tarball
      char buf[1 << 16];
      la_ssize_t r;
      while ((r = archive_read_data(a.get(), buf, sizeof buf)) > 0) BERTH_CHECK(in->write(buf, size_t(r)));
      if (r < 0) return Error(Code::Config, what + ": " + name + ": " + archive_error_string(a.get()));
      BERTH_CHECK(in->commit().context(what + ": layer " + name + " (a compressed layer is not supported here)"));
    }
  }
  for (size_t i = 0; i < layers.size(); i++)
    if (!store.has_blob(config.diff_ids[i]))
      return Error(Code::Config, what + ": its layer " + std::string(layers.at(i).as_string()) + " is not in it");
  // The image as an OCI manifest of its own, which the store keeps.
  Digest config_digest = digest_of(cf->second);
  BERTH_CHECK(store.put_blob(config_digest, cf->second));
  json::Writer m;
  m.begin_object().field_int("schemaVersion", 2).field("mediaType", media::kOciManifest);
  m.key("config").begin_object().field("mediaType", media::kOciConfig).field("digest", config_digest.str());
  m.field_int("size", int64_t(cf->second.size())).end_object();
  m.key("layers").begin_array();
  for (size_t i = 0; i < layers.size(); i++) {
    int64_t size = sizes[i];
    if (size < 0) size = int64_t(BERTH_TRY(store.read_blob(config.diff_ids[i], SIZE_MAX)).size());
    m.begin_object().field("mediaType", media::kOciLayer).field("digest", config.diff_ids[i].str());
    m.field_int("size", size).end_object();
  }
  m.end_array().end_object();
  std::string manifest = m.take();
  Digest md = digest_of(manifest);
  BERTH_CHECK(store.put_blob(md, manifest));
  std::string name = o.name;
  if (name.empty())
    name = !want.empty()                 ? want
           : pick.get("RepoTags").size() ? std::string(pick.get("RepoTags").at(0).as_string())
                                         : base_name(file) + ":latest";
  return finish_pull(store, name, what, md);
}

}  // namespace

Result<ImageRecord> finish_pull(const Store& store, const std::string& name, const std::string& source,
                                const Digest& manifest) {
  auto m = BERTH_TRY(parse_manifest(BERTH_TRY(store.read_blob(manifest))).context(source));
  auto config = BERTH_TRY(parse_config(BERTH_TRY(store.read_blob(m.config.digest))).context(source));
  if (config.platform.os != "linux")
    return Error(Code::Unsupported, source + ": an image for " + config.platform.os + ", not linux");
  if (config.diff_ids.size() != m.layers.size())
    return Error(Code::Config, source + ": the manifest has " + std::to_string(m.layers.size()) +
                                   " layers, its config " + std::to_string(config.diff_ids.size()) + " diff ids");
  for (size_t i = 0; i < m.layers.size(); i++)
    BERTH_CHECK(unpack_layer(store, m.layers[i], config.diff_ids[i],
                             std::vector<Digest>(config.diff_ids.begin(), config.diff_ids.begin() + long(i)))
                    .context(source));
  ImageRecord r;
  r.name = name;
  r.source = source;
  r.manifest = manifest;
  r.config = m.config.digest;
  for (const auto& l : m.layers) r.layers.push_back(l.digest);
  r.diff_ids = config.diff_ids;
  r.created = state::now_rfc3339();
  BERTH_CHECK(store.put_image(r));
  return r;
}

bool has_transport(const std::string& r) {
  return r.rfind("oci:", 0) == 0 || r.rfind("docker-archive:", 0) == 0 || r.rfind("docker://", 0) == 0;
}

Result<ImageRecord> pull(const Store& store, const std::string& reference, const PullOptions& o) {
  BERTH_CHECK(store.init());
  if (reference.rfind("oci:", 0) == 0) return pull_oci_layout(store, reference.substr(4), o);
  if (reference.rfind("docker-archive:", 0) == 0) return pull_docker_archive(store, reference.substr(15), o);
  if (reference.rfind("docker://", 0) == 0) return pull_registry(store, reference.substr(9), o);
  return Error(Code::Config, "image reference " + reference +
                                 ": name its transport: oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG] or "
                                 "docker://HOST/NAME[:TAG|@DIGEST]");
}

}  // namespace berth::images
