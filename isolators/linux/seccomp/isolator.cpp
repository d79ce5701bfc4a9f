// linux/seccomp isolator: compiles linux.seccomp to BPF in the parent; the
// init only loads it (see child/process_setup.cpp for when). Compiling a
// container engine's default profile takes about 2 ms, a tenth of a whole
// `run`, so programs are cached by profile hash under <root>/.seccomp-cache:
// prepare reads the cache (or compiles), provision writes a new entry.
#include <sys/stat.h>

#include <cstdio>
#include <cstring>

#include "isolators/linux/seccomp/compile.hpp"
#include "isolators/registry.hpp"
#include "libcontainer/state/files.hpp"

namespace berth::isolators {
namespace {

// Bump when the program berth makes from a profile changes (not the profile:
// the hash covers that, and libseccomp's version).
constexpr uint32_t kCacheFormat = 2;

struct CacheHeader {
  uint32_t format;
  uint32_t flags;
  uint32_t needs_listener;
  uint32_t n_insns;
};

std::string cache_path(const ContainerContext& ctx, const spec::Seccomp& sc) {
  std::string root = ctx.state_dir.substr(0, ctx.state_dir.rfind('/'));
  char name[64];
  snprintf(name, sizeof name, "/%016llx.bpf", static_cast<unsigned long long>(seccomp::seccomp_profile_hash(sc)));
  return root + "/.seccomp-cache" + name;
}

// A cached program, or nothing when missing or malformed (then it is rebuilt).
std::optional<seccomp::SeccompProgram> read_cached(const std::string& path) {
  auto text = state::read_file(path);
  if (!text || text->size() < sizeof(CacheHeader)) return std::nullopt;
  CacheHeader h;
  memcpy(&h, text->data(), sizeof h);
  size_t body = text->size() - sizeof h;
  if (h.format != kCacheFormat || h.n_insns == 0 || h.n_insns > BPF_MAXINSNS || body != h.n_insns * sizeof(sock_filter))
    return std::nullopt;
  seccomp::SeccompProgram p;
  p.flags = h.flags;
  p.needs_listener = h.needs_listener != 0;
  p.filter.resize(h.n_insns);
  memcpy(p.filter.data(), text->data() + sizeof h, body);
  return p;
}

void write_cached(sys::Kernel& k, const std::string& path, const seccomp::SeccompProgram& p) {
  CacheHeader h{kCacheFormat, p.flags, p.needs_listener, uint32_t(p.filter.size())};
  std::string data(reinterpret_cast<const char*>(&h), sizeof h);
  data.append(reinterpret_cast<const char*>(p.filter.data()), p.filter.size() * sizeof(sock_filter));
  std::string dir = path.substr(0, path.rfind('/'));
  // A cache: failing to write it costs only time. The state root may not
  // exist yet on a first create.
  (void)k.make_dir(dir.substr(0, dir.rfind('/')), 0711);
  (void)k.make_dir(dir, 0700);
  (void)k.write_file(path, data, 0600);
}

class Seccomp final : public Isolator {
 public:
  explicit Seccomp(sys::Kernel& k) : kernel_(k) {}
  const char* name() const override { return "linux/seccomp"; }
  Status prepare(const ContainerContext& ctx, Fragment& f) override {
    const auto& sc = ctx.config.linux.seccomp;
    if (!sc) return {};
    std::string path = cache_path(ctx, *sc);
    std::optional<seccomp::SeccompProgram> prog = read_cached(path);
    if (!prog) {
      prog = BERTH_TRY(seccomp::compile_seccomp(*sc));
      uncached_ = {path, *prog};
    }
    if (prog->needs_listener && sc->listener_path.empty())
      return config_error("/linux/seccomp/listenerPath", "SCMP_ACT_NOTIFY needs a listenerPath");
    Fragment::Seccomp out;
    out.bpf.resize(prog->filter.size() * sizeof(sock_filter));
    memcpy(out.bpf.data(), prog->filter.data(), out.bpf.size());
    out.flags = prog->flags;
    out.listener = prog->needs_listener;
    out.listener_path = sc->listener_path;
    out.listener_metadata = sc->listener_metadata;
    f.seccomp = std::move(out);
    return {};
  }

  // An exec'd process gets the container's program (from the cache
  // create filled).
  Status enter(const EnterContext& ctx, Fragment& f) override { return prepare(ctx.container(), f); }

  Status provision(const ContainerContext&, Fragment&) override {
    if (uncached_) write_cached(kernel_, uncached_->first, uncached_->second);
    return {};
  }

 private:
  sys::Kernel& kernel_;
  // A program prepare compiled: the cache entry provision writes.
  std::optional<std::pair<std::string, seccomp::SeccompProgram>> uncached_;
};

Need needs(const spec::Config& c) { return Need::required(c.linux.seccomp ? "/linux/seccomp" : ""); }

}  // namespace

extern const Entry kSeccomp{"linux/seccomp", needs, [](const Deps& d) -> std::unique_ptr<Isolator> {
                              return std::make_unique<Seccomp>(d.kernel);
                            }};

}  // namespace berth::isolators
