// The image store: one content-addressed blob store shared by every image,
// the layers unpacked from those blobs, and the names of the images.
//
//   STORE/blobs/ALGO/HEX       each blob, written once, read-only, verified
//                              against its digest before it became visible
//   STORE/ingest/ALGO-HEX      a blob on its way in: appended to (a pull cut
//                              off resumes from its size), renamed into
//                              blobs/ only once its digest matched; one
//                              writer at a time (a lock file beside it), so
//                              two pulls of one image share the work
//   STORE/layers/ALGO/HEX/     a layer unpacked (HEX: its diff id, the
//                              digest of the uncompressed tar), in overlay's
//                              own form: whiteouts are 0/0 character
//                              devices, opaque directories carry
//                              trusted.overlay.opaque; made in a temporary
//                              directory and renamed into place
//   STORE/images.json          the images by name: manifest, config, layers
//   STORE/refs/HEX             a bundle made from the store (HEX: the hash of
//                              its path): its layers, which gc keeps while
//                              the bundle is there
//   STORE/containers/ID/       the bundle of a container run with --image
//   STORE/lock                 taken (flock) around every change of
//                              images.json
//   STORE/gc.lock              shared by every pull and bundle while it
//                              runs, exclusive for gc
//
// STORE is --image-store, by default ROOT/images (ROOT: berth's --root).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "images/digest.hpp"
#include "libcontainer/fd/unique_fd.hpp"

namespace berth::images {

// One image the store knows by name.
struct ImageRecord {
  std::string name;              // "NAME:TAG" as pulled ("docker.io/library/busybox:latest", "multi:latest")
  std::string source;            // where it came from (the reference as given)
  Digest manifest;               // the image manifest chosen (after an index)
  Digest config;                 // its config blob
  std::vector<Digest> layers;    // the manifest's layer blobs, bottom first
  std::vector<Digest> diff_ids;  // the config's rootfs.diff_ids, one per layer
  std::string created;           // when it was stored (RFC 3339)
};

class Store;

// A blob being written: appended to, then committed (verified and renamed
// into blobs/) or left for a later resume.
class Ingest {
 public:
  // Bytes already there (a resumed download starts at this offset).
  int64_t offset() const { return size_; }
  Status write(const void* data, size_t n);
  // Drops what was written: the next byte written is the blob's first (a
  // server that ignored a Range request sends it all again).
  Status restart();
  // Checks the digest (and the size, when known) and makes the blob visible;
  // a mismatch removes the partial file and is an error naming both digests.
  Status commit();

 private:
  friend class Store;
  Ingest(const Store& s, Digest d, int64_t expected) : store_(&s), want_(std::move(d)), expected_(expected) {}
  const Store* store_;
  Digest want_;
  int64_t expected_;  // -1: unknown
  int64_t size_ = 0;
  UniqueFd fd_, lock_;
  std::optional<Hasher> hasher_;
};

class Store {
 public:
  explicit Store(std::string root) : root_(std::move(root)) {}
  const std::string& root() const { return root_; }
  // Makes the directories (0700: the unpacked layers keep setuid files and
  // device nodes, which only the containers are meant to see).
  Status init() const;

  std::string blob_path(const Digest& d) const { return root_ + "/blobs/" + d.algorithm + "/" + d.hex; }
  // Where blob d is written on its way in (its lock: this + ".lock").
  std::string partial_path(const Digest& d) const { return root_ + "/ingest/" + d.algorithm + "-" + d.hex; }
  std::string layer_dir(const Digest& diff_id) const {
    return root_ + "/layers/" + diff_id.algorithm + "/" + diff_id.hex;
  }
  bool has_blob(const Digest& d) const;
  bool has_layer(const Digest& diff_id) const;

  // Starts (or resumes) writing blob d, whose size is expected_size (-1:
  // unknown); waits while another process writes the same blob. nullopt
  // when the blob is already there (written meanwhile, perhaps by that
  // other process).
  Result<std::optional<Ingest>> ingest(const Digest& d, int64_t expected_size) const;
  // A whole blob in memory (manifests, configs): verified and stored.
  Status put_blob(const Digest& d, std::string_view data) const;
  // A stored blob's bytes, checked again against d (small blobs only: the
  // JSON ones); larger than max_size is an error.
  Result<std::string> read_blob(const Digest& d, size_t max_size = 4 << 20) const;
  // A stored blob opened for reading.
  Result<UniqueFd> open_blob(const Digest& d) const;

  // The images, by name; a missing images.json is an empty store.
  Result<std::vector<ImageRecord>> images() const;
  // Finds by exact name, by name with ":latest" added, or by manifest
  // digest (or a unique prefix of 12 or more hex digits of it).
  Result<ImageRecord> find(const std::string& name) const;
  // Adds or replaces (same name) an image; removes one. Both under STORE/lock.
  Status put_image(const ImageRecord& r) const;
  Status remove_image(const std::string& name) const;

  // Holds STORE/lock until the fd goes.
  Result<UniqueFd> lock() const;
  // STORE/gc.lock: shared (a pull, a bundle) or exclusive (gc).
  Result<UniqueFd> gc_lock(bool exclusive) const;

 private:
  friend class Ingest;
  Result<std::vector<ImageRecord>> read_images() const;
  Status write_images(const std::vector<ImageRecord>& all) const;
  std::string root_;
};

}  // namespace berth::images
