// CNI network configurations; see network.hpp.
#include "isolators/network/cni/network.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "libcontainer/json/tree.hpp"
#include "libcontainer/state/files.hpp"

namespace berth::cni {
namespace {

constexpr const char* kVersions[] = {"0.3.0", "0.3.1", "0.4.0", "1.0.0", "1.1.0"};

Error conf_error(const std::string& file, const std::string& what) {
  return Error(Code::Config, "CNI configuration " + file + ": " + what);
}

Result<Plugin> parse_plugin(json::Value v, const std::string& file, const std::string& where) {
  if (!v.is_object()) return conf_error(file, where + " is " + v.kind_name() + ", not an object");
  json::Value type = v.get("type");
  if (!type.is_string() || type.as_string().empty())
    return conf_error(file, where + " has no \"type\" (the plugin's program)");
  Plugin p;
  p.type = std::string(type.as_string());
  p.text = json::to_text(v);
  json::Value caps = v.get("capabilities");
  if (caps.present() && !caps.is_object())
    return conf_error(file, where + ": \"capabilities\" is " + caps.kind_name() + ", not an object");
  for (size_t i = 0; i < caps.size(); i++)
    if (caps.value_at(i).as_bool()) p.capabilities.emplace_back(caps.key_at(i));
  return p;
}

bool conf_file_name(const std::string& n) {
  for (const char* ext : {".conf", ".conflist", ".json"}) {
    size_t len = strlen(ext);
    if (n.size() > len && n.compare(n.size() - len, len, ext) == 0) return true;
  }
  return false;
}

}  // namespace

bool known_version(std::string_view v) {
  return std::any_of(std::begin(kVersions), std::end(kVersions), [&](const char* k) { return v == k; });
}

bool version_at_least(std::string_view v, std::string_view at) {
  unsigned a[3] = {0, 0, 0}, b[3] = {0, 0, 0};
  if (sscanf(std::string(v).c_str(), "%u.%u.%u", &a[0], &a[1], &a[2]) < 1) return false;
  sscanf(std::string(at).c_str(), "%u.%u.%u", &b[0], &b[1], &b[2]);
  return std::lexicographical_compare(b, b + 3, a, a + 3) || std::equal(a, a + 3, b);
}

Result<NetworkList> parse_network(std::string_view text, const std::string& file) {
  auto doc = json::Document::parse(text);
  if (!doc) return conf_error(file, "not JSON: " + doc.error().message());
  json::Value root = doc->root();
  if (!root.is_object()) return conf_error(file, std::string("is ") + root.kind_name() + ", not an object");
  NetworkList n;
  n.file = file;
  n.text = std::string(text);
  json::Value name = root.get("name"), version = root.get("cniVersion");
  if (!name.is_string() || name.as_string().empty()) return conf_error(file, "no \"name\"");
  n.name = std::string(name.as_string());
  if (!version.is_string()) return conf_error(file, "no \"cniVersion\"");
  n.cni_version = std::string(version.as_string());
  if (!known_version(n.cni_version))
    return conf_error(
        file, "cniVersion \"" + n.cni_version + "\" is not one berth speaks (0.3.0, 0.3.1, 0.4.0, 1.0.0, 1.1.0)");
  json::Value plugins = root.get("plugins");
  if (!plugins.present()) {
    n.plugins.push_back(BERTH_TRY(parse_plugin(root, file, "the network")));
    return n;
  }
  if (!plugins.is_array() || plugins.size() == 0) return conf_error(file, "\"plugins\" is not a list of plugins");
  n.disable_check = root.get("disableCheck").as_bool();
  for (size_t i = 0; i < plugins.size(); i++)
    n.plugins.push_back(BERTH_TRY(parse_plugin(plugins.at(i), file, "plugins[" + std::to_string(i) + "]")));
  return n;
}

Result<NetworkList> find_network(const std::string& conf_dir, const std::string& name) {
  DIR* d = opendir(conf_dir.c_str());
  if (!d) return sys_error(errno, "read the CNI configuration directory " + conf_dir);
  std::vector<std::string> files;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.' && conf_file_name(e->d_name)) files.emplace_back(e->d_name);
  closedir(d);
  std::sort(files.begin(), files.end());
  std::vector<std::string> names;
  for (const auto& f : files) {
    std::string path = conf_dir + "/" + f;
    auto text = state::read_file(path);
    if (!text) continue;
    auto doc = json::Document::parse(*text);
    std::string_view found = doc ? doc->root().get("name").as_string() : std::string_view();
    if (found != name) {
      if (!found.empty()) names.emplace_back(found);
      continue;
    }
    return parse_network(*text, path);
  }
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  return Error(Code::NotFound, "no CNI network named \"" + name + "\" in " + conf_dir +
                                   (known.empty() ? " (it has none)" : " (it has: " + known + ")"));
}

Result<std::string> find_plugin(const std::vector<std::string>& bin_dirs, const std::string& type,
                                const NetworkList& net) {
  if (type.find('/') != std::string::npos || type == "." || type == "..")
    return conf_error(net.file, "plugin type \"" + type + "\" is not a program name");
  for (const auto& dir : bin_dirs) {
    std::string path = dir + "/" + type;
    struct stat st;
    if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(path.c_str(), X_OK) == 0) return path;
  }
  std::string dirs;
  for (const auto& d : bin_dirs) dirs += (dirs.empty() ? "" : ":") + d;
  return Error(Code::NotFound,
               "CNI network " + net.name + " (" + net.file + "): no plugin \"" + type + "\" in " + dirs);
}

}  // namespace berth::cni
