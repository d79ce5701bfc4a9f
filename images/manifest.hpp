// The OCI image spec's (and Docker schema 2's) JSON documents, as a puller
// reads them: an index (manifest list) that names one manifest per
// platform, a manifest that names a config and the layers, and the config
// whose rootfs.diff_ids check the unpacked layers and whose entrypoint,
// cmd, env, working dir, user and volumes become a bundle's process.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "images/digest.hpp"

namespace berth::images {

namespace media {
inline constexpr const char* kOciIndex = "application/vnd.oci.image.index.v1+json";
inline constexpr const char* kOciManifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr const char* kOciConfig = "application/vnd.oci.image.config.v1+json";
inline constexpr const char* kOciLayer = "application/vnd.oci.image.layer.v1.tar";
inline constexpr const char* kOciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
inline constexpr const char* kOciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
inline constexpr const char* kDockerList = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr const char* kDockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
inline constexpr const char* kDockerConfig = "application/vnd.docker.container.image.v1+json";
inline constexpr const char* kDockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
}  // namespace media

struct Platform {
  std::string os = "linux", architecture, variant;
};
// This machine's, in the spec's words (amd64, arm64 + v8, ...).
Platform host_platform();

struct Descriptor {
  std::string media_type;
  Digest digest;
  int64_t size = -1;
  Platform platform;  // an index's entries
  std::map<std::string, std::string> annotations;
};

enum class Compression { None, Gzip, Zstd };

struct Manifest {
  std::string media_type;
  Descriptor config;
  std::vector<Descriptor> layers;
};

struct ImageConfig {
  Platform platform;
  std::vector<std::string> entrypoint, cmd, env;
  std::string working_dir, user, stop_signal;
  std::vector<std::string> volumes;
  std::map<std::string, std::string> labels;
  std::vector<Digest> diff_ids;
};

// An index or manifest list (by its mediaType, else by its "manifests").
bool is_index(const std::string& text, const std::string& media_type = "");
// The index's entries; errors name what is wrong with the document.
Result<std::vector<Descriptor>> parse_index(const std::string& text);
// The entry for platform p (os and architecture equal, the variant when
// both name one); none is an error listing the platforms there are.
Result<Descriptor> select_platform(const std::vector<Descriptor>& entries, const Platform& p);
Result<Manifest> parse_manifest(const std::string& text);
Result<ImageConfig> parse_config(const std::string& text);
// How a layer of this media type is compressed; foreign or unknown types
// are refused, named.
Result<Compression> layer_compression(const std::string& media_type);

}  // namespace berth::images
