// An OCI bundle from a stored image; see bundle.hpp.
#include "images/bundle.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include <cerrno>
#include <cstring>

#include "images/manifest.hpp"
#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"
#include "libcontainer/rootfs/resolve.hpp"
#include "libcontainer/spec/default_spec.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/text/split.hpp"

namespace berth::images {
namespace {

// A file of the image's rootfs, read inside it ("" when missing).
std::string image_file(int root, const char* path) {
  int fd = rootfs::open_in_root(root, path, O_RDONLY);
  if (fd < 0) return "";
  UniqueFd f(fd);
  return state::read_all(f.get()).value_or("");
}

bool number(const std::string& s, uint32_t& out) {
  if (s.empty() || s.size() > 10) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + uint64_t(c - '0');
  }
  if (v > UINT32_MAX) return false;
  out = uint32_t(v);
  return true;
}

// The image's User ("name", "uid", "name:group", "uid:gid") as ids, with the
// groups /etc/group lists the user in.
Status resolve_user(int root, const std::string& user, spec::SpecOptions& o) {
  if (user.empty()) return {};
  std::string u = user.substr(0, user.find(':')),
              g = user.find(':') == std::string::npos ? "" : user.substr(user.find(':') + 1);
  std::string passwd = image_file(root, "/etc/passwd"), group = image_file(root, "/etc/group");
  std::string name;
  bool found = false;
  for (size_t at = 0; at < passwd.size();) {
    size_t end = std::min(passwd.find('\n', at), passwd.size());
    auto f = text::split(std::string_view(passwd).substr(at, end - at), ':');
    at = end + 1;
    uint32_t uid, gid;
    if (f.size() < 4 || !number(f[2], uid) || !number(f[3], gid)) continue;
    if (f[0] == u || f[2] == u) {
      o.uid = uid, o.gid = gid, name = f[0], found = true;
      break;
    }
  }
  if (!found && !number(u, o.uid))
    return Error(Code::Config, "the image's user " + user + ": no user " + u + " in its /etc/passwd");
  if (!found) o.gid = 0;
  bool group_found = false;
  for (size_t at = 0; at < group.size();) {
    size_t end = std::min(group.find('\n', at), group.size());
    auto f = text::split(std::string_view(group).substr(at, end - at), ':');
    at = end + 1;
    uint32_t gid;
    if (f.size() < 4 || !number(f[2], gid)) continue;
    if (!g.empty() && (f[0] == g || f[2] == g)) o.gid = gid, group_found = true;
    if (!name.empty() && g.empty())
      for (const auto& member : text::split(f[3], ','))
        if (member == name && gid != o.gid) o.additional_gids.push_back(gid);
  }
  if (!g.empty() && !group_found && !number(g, o.gid))
    return Error(Code::Config, "the image's user " + user + ": no group " + g + " in its /etc/group");
  return {};
}

std::string config_json(const ImageConfig& c, const BundleOptions& b, spec::SpecOptions o, const ImageRecord& image) {
  std::vector<std::string> entry = c.entrypoint, cmd = b.args.empty() ? c.cmd : b.args;
  if (b.entrypoint_set)
    entry = b.entrypoint.empty() ? std::vector<std::string>{} : std::vector<std::string>{b.entrypoint};
  if (b.entrypoint_set && b.args.empty()) cmd.clear();  // as podman: a new entrypoint drops the image's Cmd
  o.args = entry;
  o.args.insert(o.args.end(), cmd.begin(), cmd.end());
  o.env = c.env;
  bool path = false;
  for (const auto& e : o.env) path = path || e.rfind("PATH=", 0) == 0;
  if (!path) o.env.insert(o.env.begin(), "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
  if (b.terminal) o.env.push_back("TERM=xterm");
  o.cwd = c.working_dir.empty() ? "/" : c.working_dir;
  o.terminal = b.terminal;
  o.hostname = b.hostname;
  o.annotations.push_back({"run.berth.image.name", image.name});
  o.annotations.push_back({"run.berth.image.manifest", image.manifest.str()});
  if (!c.stop_signal.empty()) o.annotations.push_back({"org.opencontainers.image.stopSignal", c.stop_signal});
  return spec::spec_json(o);
}

}  // namespace

Status make_bundle(const Store& store, const ImageRecord& image, const std::string& dir, const BundleOptions& b) {
  auto config = BERTH_TRY(parse_config(BERTH_TRY(store.read_blob(image.config))).context(image.name));
  Backend backend = resolve_backend(b.backend);
  BERTH_CHECK(make_rootfs(store, image, backend, dir));
  auto undo = [&](Error e) {
    (void)remove_rootfs(dir);
    return e;
  };
  UniqueFd root(open((dir + "/rootfs").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root) return undo(sys_error(errno, "open " + dir + "/rootfs"));
  spec::SpecOptions o;
  o.readonly_root = backend == Backend::Bind;
  if (Status s = resolve_user(root.get(), config.user, o); !s.ok())
    return undo(std::move(s).error().context(image.name));
  // Volumes: a directory of the bundle each, with what the image has there.
  if (!config.volumes.empty() && mkdir((dir + "/volumes").c_str(), 0700) != 0)
    return undo(sys_error(errno, "mkdir " + dir + "/volumes"));
  for (size_t i = 0; i < config.volumes.size(); i++) {
    std::string src = dir + "/volumes/" + std::to_string(i);
    if (mkdir(src.c_str(), 0755) != 0) return undo(sys_error(errno, "mkdir " + src));
    int from = rootfs::open_in_root(root.get(), config.volumes[i].c_str(), O_RDONLY | O_DIRECTORY);
    if (from >= 0) {
      UniqueFd f(from), to(open(src.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
      struct stat st;
      if (fstat(f.get(), &st) == 0) {
        fchown(to.get(), st.st_uid, st.st_gid);
        fchmod(to.get(), st.st_mode & 07777);
      }
      if (Status s = copy_tree(f.get(), to.get()); !s.ok())
        return undo(std::move(s).error().context("volume " + config.volumes[i]));
    }
    o.extra_mounts.push_back({config.volumes[i], "bind", src, {"rbind", "rw"}});
  }
  std::string text = config_json(config, b, o, image);
  if (Status s = state::write_file_atomic(dir + "/config.json", text + "\n", 0644); !s.ok())
    return undo(std::move(s).error());
  // The marker, and the store's note that this bundle uses the layers
  // (gc keeps them while the bundle is there, its image removed or not).
  char abs[PATH_MAX];
  if (!realpath(dir.c_str(), abs)) return undo(sys_error(errno, "realpath " + dir));
  std::string ref = store.root() + "/refs/" + digest_of(abs).hex;
  std::vector<std::string> layers;
  for (const auto& l : image.diff_ids) layers.push_back(l.str());
  json::Writer m;
  m.begin_object()
      .field("image", image.name)
      .field("manifest", image.manifest.str())
      .field("backend", backend_name(backend));
  m.field("container", b.container).field("dir", abs).field("ref", ref).field_strings("diffIds", layers).end_object();
  std::string marker = m.take() + "\n";
  if (Status s = state::write_file_atomic(ref, marker, 0600); !s.ok()) return undo(std::move(s).error());
  if (Status s = state::write_file_atomic(dir + "/" + kBundleMarker, marker, 0600); !s.ok()) {
    unlink(ref.c_str());
    return undo(std::move(s).error());
  }
  return {};
}

Status remove_bundle(const std::string& dir) {
  auto marker = state::read_file(dir + "/" + kBundleMarker);
  if (!marker) return Error(Code::Config, dir + " is not a bundle berth made from an image (no " + kBundleMarker + ")");
  auto doc = BERTH_TRY(json::Document::parse(*marker).context(dir + "/" + kBundleMarker));
  return remove_bundle_of(dir, std::string(doc.root().get("container").as_string()));
}

}  // namespace berth::images
