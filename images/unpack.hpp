// Unpacking a layer: its blob (a tar, plain, gzip or zstd) read once, the
// uncompressed stream hashed on the way (it must be the diff id the image
// config names), every entry written through fd-relative resolution inside
// a new directory of the store (SECURITY.md: the same openat2
// RESOLVE_IN_ROOT as the mounts):
//   - a name with a ".." component is refused, naming the entry; a leading
//     "/" or "./" is dropped (the name is the rootfs's, as tar has it);
//   - the parent directories of an entry are resolved inside the layer, so a
//     symlink the layer made (to "/", to "../../..") leads back into it, and
//     a file written "through" it stays in the layer;
//   - a hard link's target is resolved the same way and must be in the layer;
//   - regular files, directories, symlinks, hard links, fifos and device
//     nodes are made with their owner, mode (setuid bits kept), times and
//     extended attributes, except trusted.overlay.* (only berth writes
//     those); sockets and anything else are refused;
//   - a stream that ends early (a header claiming more than there is) or
//     trails garbage after its digest fails, and the partial directory goes.
// The result is in overlay's form (store.hpp): a whiteout ".wh.NAME" is a
// 0/0 character device NAME, ".wh..wh..opq" marks its directory opaque. A
// directory the layer does not list but needs is made with the mode and
// owner it has in the layers below (the merged view shows the top one's).
#pragma once

#include <vector>

#include "images/manifest.hpp"
#include "images/store.hpp"

namespace berth::images {

// Unpacks the layer blob into STORE/layers/<diff_id>, unless it is there;
// lowers are the diff ids of the layers below it, bottom first (unpacked).
Status unpack_layer(const Store& store, const Descriptor& layer, const Digest& diff_id,
                    const std::vector<Digest>& lowers);

}  // namespace berth::images
