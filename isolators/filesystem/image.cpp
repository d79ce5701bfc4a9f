// filesystem/image isolator: a container whose bundle was made from an
// image for it (`berth run --image`, `berth image bundle --container ID`):
// its cleanup removes that bundle, the rootfs unmounted (overlay, bind) and
// the container's own layer removed, never a layer of the store
// (images/backend.hpp). A bundle made for no container, or for another, is
// left alone. Made when the config names its image (run.berth.image.name,
// which image bundles write); nothing to do before delete: the bundle is
// made before create, by berth-image.
#include "images/backend.hpp"
#include "isolators/registry.hpp"

namespace berth::isolators {
namespace {

constexpr const char* kImageAnnotation = "run.berth.image.name";

class FilesystemImage final : public Isolator {
 public:
  const char* name() const override { return "filesystem/image"; }

  Status cleanup(const std::string&, const state::ContainerState& record) override {
    if (record.bundle.empty() || record.id.empty()) return {};
    return images::remove_bundle_of(record.bundle, record.id);
  }
};

Need needs(const spec::Config& c) {
  return Need::required(c.annotations.count(kImageAnnotation) ? std::string("/annotations/") + kImageAnnotation : "");
}

}  // namespace

extern const Entry kFilesystemImage{"filesystem/image", needs, [](const Deps&) -> std::unique_ptr<Isolator> {
                                      return std::make_unique<FilesystemImage>();
                                    }};

}  // namespace berth::isolators
