// An OCI bundle from a stored image: DIR/rootfs by a backend (backend.hpp)
// and DIR/config.json from the image config, on berth's `spec` template:
// the process is the image's Entrypoint + Cmd (or the command given), its
// Env (PATH added when the image sets none), WorkingDir and User (a name
// looked up in the image's own /etc/passwd and /etc/group, read inside the
// rootfs); each of its Volumes a directory of the bundle bound there,
// holding what the image has at that path. DIR/.berth-image records what
// made it (the image, the backend, the container it was made for), so that
// `berth image unbundle DIR` and the delete of that container remove it.
#pragma once

#include <string>
#include <vector>

#include "images/backend.hpp"
#include "images/store.hpp"

namespace berth::images {

struct BundleOptions {
  Backend backend = Backend::Auto;
  std::vector<std::string> args;  // replaces the image's Cmd
  std::string entrypoint;         // replaces the image's Entrypoint ("" keeps it)
  bool entrypoint_set = false;
  bool terminal = false;
  std::string hostname = "berth";
  std::string container;  // the container it is made for ("": none, `image bundle`)
};

Status make_bundle(const Store& store, const ImageRecord& image, const std::string& dir, const BundleOptions& o);
// Removes a bundle make_bundle made (refuses any other directory).
Status remove_bundle(const std::string& dir);

}  // namespace berth::images
