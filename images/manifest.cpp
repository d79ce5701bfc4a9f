// Image index, manifest and config documents; see manifest.hpp.
#include "images/manifest.hpp"

#include <sys/utsname.h>

#include "libcontainer/json/tree.hpp"

namespace berth::images {
namespace {

Result<Descriptor> descriptor(json::Value v, const std::string& where) {
  if (!v.is_object()) return Error(Code::Config, where + ": not a descriptor object");
  Descriptor d;
  d.media_type = std::string(v.get("mediaType").as_string());
  d.digest = BERTH_TRY(parse_digest(v.get("digest").as_string()).context(where));
  if (!v.get("size").to_int64(d.size) || d.size < 0) return Error(Code::Config, where + ": no size");
  json::Value p = v.get("platform");
  if (p.is_object()) {
    d.platform.os = std::string(p.get("os").as_string());
    d.platform.architecture = std::string(p.get("architecture").as_string());
    d.platform.variant = std::string(p.get("variant").as_string());
  }
  json::Value a = v.get("annotations");
  for (size_t i = 0; i < a.size(); i++)
    d.annotations[std::string(a.key_at(i))] = std::string(a.value_at(i).as_string());
  return d;
}

std::vector<std::string> strings(json::Value a) {
  std::vector<std::string> out;
  for (size_t i = 0; i < a.size(); i++) out.emplace_back(a.at(i).as_string());
  return out;
}

std::string name(const Platform& p) { return p.os + "/" + p.architecture + (p.variant.empty() ? "" : "/" + p.variant); }

}  // namespace

Platform host_platform() {
  struct utsname u;
  uname(&u);
  std::string m = u.machine;
  Platform p;
  if (m == "x86_64")
    p.architecture = "amd64";
  else if (m == "aarch64")
    p.architecture = "arm64", p.variant = "v8";
  else if (m == "i686" || m == "i386")
    p.architecture = "386";
  else if (m.rfind("armv7", 0) == 0)
    p.architecture = "arm", p.variant = "v7";
  else if (m == "ppc64le" || m == "s390x" || m == "riscv64")
    p.architecture = m;
  else
    p.architecture = m;
  return p;
}

bool is_index(const std::string& text, const std::string& media_type) {
  if (media_type == media::kOciIndex || media_type == media::kDockerList) return true;
  if (!media_type.empty() && media_type != "application/json") return false;
  auto doc = json::Document::parse(text);
  if (!doc) return false;
  std::string_view mt = doc->root().get("mediaType").as_string();
  if (mt == media::kOciIndex || mt == media::kDockerList) return true;
  return mt.empty() && doc->root().get("manifests").is_array();
}

Result<std::vector<Descriptor>> parse_index(const std::string& text) {
  auto doc = BERTH_TRY(json::Document::parse(text).context("image index"));
  json::Value m = doc.root().get("manifests");
  if (!m.is_array()) return Error(Code::Config, "image index: no \"manifests\" array");
  std::vector<Descriptor> out;
  for (size_t i = 0; i < m.size(); i++)
    out.push_back(BERTH_TRY(descriptor(m.at(i), "image index: manifests/" + std::to_string(i))));
  return out;
}

Result<Descriptor> select_platform(const std::vector<Descriptor>& entries, const Platform& p) {
  const Descriptor* loose = nullptr;
  std::string there;
  for (const auto& d : entries) {
    there += (there.empty() ? "" : ", ") + name(d.platform);
    if (d.platform.os != p.os || d.platform.architecture != p.architecture) continue;
    if (d.platform.variant == p.variant) return d;
    if (!loose && (d.platform.variant.empty() || p.variant.empty())) loose = &d;
  }
  if (loose) return *loose;
  return Error(Code::NotFound, "the image index has no manifest for " + name(p) +
                                   " (it has: " + (there.empty() ? "none" : there) + ")");
}

Result<Manifest> parse_manifest(const std::string& text) {
  auto doc = BERTH_TRY(json::Document::parse(text).context("image manifest"));
  json::Value r = doc.root();
  int64_t schema = 0;
  if (!r.get("schemaVersion").to_int64(schema) || schema != 2)
    return Error(Code::Unsupported, "image manifest: schemaVersion " +
                                        std::string(r.get("schemaVersion").number_text()) +
                                        ", not 2 (Docker schema 1 is not supported)");
  Manifest m;
  m.media_type = std::string(r.get("mediaType").as_string());
  if (!m.media_type.empty() && m.media_type != media::kOciManifest && m.media_type != media::kDockerManifest)
    return Error(Code::Unsupported, "image manifest: media type " + m.media_type + " is not an image manifest");
  m.config = BERTH_TRY(descriptor(r.get("config"), "image manifest: config"));
  json::Value l = r.get("layers");
  if (!l.is_array()) return Error(Code::Config, "image manifest: no \"layers\" array");
  for (size_t i = 0; i < l.size(); i++) {
    m.layers.push_back(BERTH_TRY(descriptor(l.at(i), "image manifest: layers/" + std::to_string(i))));
    BERTH_TRY(layer_compression(m.layers.back().media_type).context("image manifest: layers/" + std::to_string(i)));
  }
  return m;
}

Result<ImageConfig> parse_config(const std::string& text) {
  auto doc = BERTH_TRY(json::Document::parse(text).context("image config"));
  json::Value r = doc.root();
  ImageConfig c;
  c.platform.os = std::string(r.get("os").as_string());
  c.platform.architecture = std::string(r.get("architecture").as_string());
  c.platform.variant = std::string(r.get("variant").as_string());
  json::Value cfg = r.get("config");
  c.entrypoint = strings(cfg.get("Entrypoint"));
  c.cmd = strings(cfg.get("Cmd"));
  c.env = strings(cfg.get("Env"));
  c.working_dir = std::string(cfg.get("WorkingDir").as_string());
  c.user = std::string(cfg.get("User").as_string());
  c.stop_signal = std::string(cfg.get("StopSignal").as_string());
  json::Value vol = cfg.get("Volumes");
  for (size_t i = 0; i < vol.size(); i++) c.volumes.emplace_back(vol.key_at(i));
  json::Value lab = cfg.get("Labels");
  for (size_t i = 0; i < lab.size(); i++)
    c.labels[std::string(lab.key_at(i))] = std::string(lab.value_at(i).as_string());
  json::Value rootfs = r.get("rootfs");
  if (rootfs.get("type").as_string() != "layers")
    return Error(Code::Config, "image config: rootfs.type is not \"layers\"");
  json::Value ids = rootfs.get("diff_ids");
  for (size_t i = 0; i < ids.size(); i++)
    c.diff_ids.push_back(
        BERTH_TRY(parse_digest(ids.at(i).as_string()).context("image config: rootfs.diff_ids/" + std::to_string(i))));
  return c;
}

Result<Compression> layer_compression(const std::string& mt) {
  if (mt == media::kOciLayer || mt == "application/vnd.docker.image.rootfs.diff.tar") return Compression::None;
  if (mt == media::kOciLayerGzip || mt == media::kDockerLayerGzip) return Compression::Gzip;
  if (mt == media::kOciLayerZstd) return Compression::Zstd;
  if (mt.find("nondistributable") != std::string::npos || mt.find("foreign") != std::string::npos)
    return Error(Code::Unsupported,
                 "layer media type " + mt + ": foreign (non-distributable) layers are not supported");
  return Error(Code::Unsupported, "layer media type " + mt + " is not a layer berth can unpack");
}

}  // namespace berth::images
