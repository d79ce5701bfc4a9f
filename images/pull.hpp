// Pulling an image into the store, from any of its sources:
//   oci:DIR[:TAG]                  an OCI image layout directory (TAG: the
//                                  index entry whose ref name it is; none:
//                                  the layout's only image)
//   docker-archive:FILE[:NAME:TAG] a tarball as `docker save` / `podman
//                                  save` write it (NAME:TAG picks one of
//                                  several images)
//   docker://HOST/NAME[:TAG|@DIGEST] a registry (registry.hpp)
// Every blob is verified against its digest on the way into the store; an
// index is resolved to this platform's manifest; each layer is unpacked
// (unpack.hpp) and checked against the config's diff ids; only then is the
// image named in images.json.
#pragma once

#include <string>

#include "images/manifest.hpp"
#include "images/store.hpp"

namespace berth::images {

struct PullOptions {
  std::string name;  // the image's name in the store (default: from the reference)
  Platform platform = host_platform();
  // docker://: plain HTTP, credentials
  bool insecure = false;
  std::string auth_file, creds, cert_dir;
  bool quiet = false;
};

Result<ImageRecord> pull(const Store& store, const std::string& reference, const PullOptions& opts);
// Whether reference names a transport (oci:, docker-archive:, docker://),
// not an image of the store.
bool has_transport(const std::string& reference);

// What every source ends with: the manifest (in the store) and what it
// names fetched, the layers unpacked, the image named.
Result<ImageRecord> finish_pull(const Store& store, const std::string& name, const std::string& source,
                                const Digest& manifest);

}  // namespace berth::images
