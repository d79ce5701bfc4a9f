// Rootfs backends: a container's root filesystem assembled from an image's
// unpacked layers (store.hpp), in a directory of its own, DIR:
//   overlay  DIR/rootfs is an overlay mount: the layers read-only and shared
//            by every container of the image, DIR/upper and DIR/work the
//            container's own (chosen when the kernel has overlay);
//   copy     DIR/rootfs is a copy, the layers applied in order (whiteouts
//            remove, opaque directories hide what is below), hard links and
//            extended attributes kept;
//   bind     DIR/rootfs is the one layer of a single-layer image, bind
//            mounted read-only (as the Mesos containerizer's bind backend):
//            nothing copied, nothing writable.
// remove_rootfs undoes any of them: it unmounts, checks that nothing is
// mounted there any more, and only then removes DIR, which holds nothing of
// the store: a shared layer is never touched.
#pragma once

#include <string>

#include "images/store.hpp"

namespace berth::images {

enum class Backend { Auto, Overlay, Copy, Bind };

// The file in a bundle made from an image that says so (bundle.hpp).
inline constexpr const char* kBundleMarker = ".berth-image";

Result<Backend> parse_backend(const std::string& name);
const char* backend_name(Backend b);
// What Auto means here: overlay where the kernel has it, else copy.
Backend resolve_backend(Backend b);

// Makes DIR (which must not exist) and the rootfs in it.
Status make_rootfs(const Store& store, const ImageRecord& image, Backend backend, const std::string& dir);
// Unmounts and removes DIR; a missing DIR is no error.
Status remove_rootfs(const std::string& dir);

// Removes the bundle DIR if an image bundle made it for container id ("":
// `image bundle`'s own), as its marker says, and the store's note of it;
// any other directory is left alone. delete's part of a container made
// with --image.
Status remove_bundle_of(const std::string& dir, const std::string& id);

// The tree below the directory src copied into the directory dst, as the
// copy backend copies a layer (owners, modes, times, hard links, extended
// attributes).
Status copy_tree(int src, int dst);

}  // namespace berth::images
