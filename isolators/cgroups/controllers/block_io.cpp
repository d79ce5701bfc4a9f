// linux.resources.blockIO: v1 blkio (weights, leaf weights, throttles per
// device), v2 io (io.weight from the blkio weight as runc maps it, io.max
// for the throttles). v2 has no leaf weights: refused.
#include "isolators/cgroups/controllers/controller.hpp"
#include "libcontainer/cgroup/controllers.hpp"

namespace berth::isolators::cgroups {
namespace {

Status weights_v1(sys::Kernel& k, int fd, const spec::BlockIOResources& b, const std::string& p) {
  namespace v1 = cgroup::v1::blkio;
  if (b.weight) BERTH_CHECK(at(p + "weight", v1::set_weight(k, fd, *b.weight)));
  if (b.leaf_weight) BERTH_CHECK(at(p + "leafWeight", v1::set_leaf_weight(k, fd, *b.leaf_weight)));
  for (size_t i = 0; i < b.weight_device.size(); i++) {
    const auto& d = b.weight_device[i];
    std::string jp = p + "weightDevice/" + std::to_string(i);
    if (d.weight) BERTH_CHECK(at(jp, v1::set_weight_device(k, fd, d.major, d.minor, *d.weight)));
    if (d.leaf_weight) BERTH_CHECK(at(jp, v1::set_leaf_weight_device(k, fd, d.major, d.minor, *d.leaf_weight)));
  }
  return {};
}

Status weights_v2(sys::Kernel& k, int fd, const spec::BlockIOResources& b, const std::string& p) {
  namespace io = cgroup::v2::io;
  if (b.leaf_weight) return no_v2(p + "leafWeight", "there are no leaf weights");
  if (b.weight) BERTH_CHECK(at(p + "weight", io::set_weight(k, fd, io::weight_of_blkio(*b.weight))));
  for (size_t i = 0; i < b.weight_device.size(); i++) {
    const auto& d = b.weight_device[i];
    std::string jp = p + "weightDevice/" + std::to_string(i);
    if (d.leaf_weight) return no_v2(jp + "/leafWeight", "there are no leaf weights");
    if (d.weight) BERTH_CHECK(at(jp, io::set_weight_device(k, fd, d.major, d.minor, io::weight_of_blkio(*d.weight))));
  }
  return {};
}

// The four throttle lists: the OCI field, the v1 file, the v2 io.max key.
struct Throttle {
  const char* field;
  const char* v1_file;
  const char* v2_key;
  std::vector<spec::BlockIODevice> spec::BlockIOResources::*list;
};
constexpr Throttle kThrottles[] = {
    {"throttleReadBpsDevice", "read_bps_device", "rbps", &spec::BlockIOResources::throttle_read_bps},
    {"throttleWriteBpsDevice", "write_bps_device", "wbps", &spec::BlockIOResources::throttle_write_bps},
    {"throttleReadIOPSDevice", "read_iops_device", "riops", &spec::BlockIOResources::throttle_read_iops},
    {"throttleWriteIOPSDevice", "write_iops_device", "wiops", &spec::BlockIOResources::throttle_write_iops},
};

class BlockIo final : public Controller {
 public:
  Status check(Scope& s, const spec::Resources& r) override {
    return r.block_io ? s.require(io_controller(s), s.json_root + "/blockIO") : Status{};
  }

  Status update(Scope& s, const spec::Resources& r) override {
    if (!r.block_io) return {};
    const spec::BlockIOResources& b = *r.block_io;
    const std::string p = s.json_root + "/blockIO/";
    int fd = s.fd_of(io_controller(s));
    bool v2 = s.is_v2(io_controller(s));
    BERTH_CHECK(v2 ? weights_v2(s.kernel, fd, b, p) : weights_v1(s.kernel, fd, b, p));
    for (const auto& t : kThrottles)
      for (size_t i = 0; i < (b.*t.list).size(); i++) {
        const auto& d = (b.*t.list)[i];
        std::string jp = p + t.field + "/" + std::to_string(i);
        BERTH_CHECK(at(jp, v2 ? cgroup::v2::io::set_max(s.kernel, fd, d.major, d.minor, t.v2_key, d.rate)
                              : cgroup::v1::blkio::set_throttle(s.kernel, fd, t.v1_file, d.major, d.minor, d.rate)));
      }
    return {};
  }

 private:
  // blkio on v1, io on v2.
  static const char* io_controller(const Scope& s) {
    const cgroup::Hierarchy* h = s.layout.find("blkio");
    return h && !h->v2 ? "blkio" : "io";
  }
};

}  // namespace

std::unique_ptr<Controller> make_block_io() { return std::make_unique<BlockIo>(); }

}  // namespace berth::isolators::cgroups
