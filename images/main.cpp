// berth-image: the image commands, `berth image ...` (berth execs this
// program, beside it, with its --root): pull, list, inspect, rm, gc,
// bundle and unbundle. A program of its own because it links libcurl,
// libarchive and libcrypto, which the runtime's static CLI does not carry
// on its latency-bound path.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <set>

#include "images/bundle.hpp"
#include "images/pull.hpp"
#include "libcontainer/json/tree.hpp"
#include "libcontainer/json/writer.hpp"
#include "libcontainer/state/files.hpp"
#include "libcontainer/sys/linux_kernel.hpp"
#include "libcontainer/text/split.hpp"

using namespace berth;
using namespace berth::images;

namespace {

std::string short_id(const Digest& d) { return d.hex.substr(0, 12); }

void print(const std::string& s) { fwrite(s.data(), 1, s.size(), stdout); }

Result<Platform> parse_platform(const std::string& s) {
  Platform p;
  auto parts = text::split(s, '/');
  if (parts.size() < 2 || parts.size() > 3 || parts[0].empty() || parts[1].empty())
    return Error(Code::Config, "--platform " + s + ": OS/ARCH[/VARIANT]");
  p.os = parts[0], p.architecture = parts[1];
  if (parts.size() == 3) p.variant = parts[2];
  return p;
}

Result<int> cmd_list(const Store& store, bool quiet, const std::string& format) {
  auto all = BERTH_TRY(store.images());
  if (format == "json") {
    json::Writer w;
    w.begin_array();
    for (const auto& r : all)
      w.begin_object()
          .field("name", r.name)
          .field("id", r.manifest.str())
          .field("source", r.source)
          .field("created", r.created)
          .field_int("layers", int64_t(r.layers.size()))
          .end_object();
    w.end_array();
    print(w.take() + "\n");
    return 0;
  }
  if (!quiet) printf("%-40s %-12s %-7s %s\n", "NAME", "ID", "LAYERS", "CREATED");
  for (const auto& r : all) {
    if (quiet)
      printf("%s\n", r.name.c_str());
    else
      printf("%-40s %-12s %-7zu %s\n", r.name.c_str(), short_id(r.manifest).c_str(), r.layers.size(),
             r.created.c_str());
  }
  return 0;
}

Result<int> cmd_inspect(const Store& store, const std::string& ref) {
  auto r = BERTH_TRY(store.find(ref));
  std::string manifest = BERTH_TRY(store.read_blob(r.manifest)), config = BERTH_TRY(store.read_blob(r.config));
  json::Writer w;
  w.begin_object().field("name", r.name).field("id", r.manifest.str()).field("source", r.source);
  w.field("created", r.created);
  std::vector<std::string> layers, ids;
  for (const auto& l : r.layers) layers.push_back(l.str());
  for (const auto& l : r.diff_ids) ids.push_back(l.str());
  w.field_strings("layers", layers).field_strings("diffIds", ids);
  w.key("manifest").raw(manifest).key("config").raw(config).end_object();
  print(w.take() + "\n");
  return 0;
}

std::vector<std::string> entries(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = opendir(dir.c_str())) {
    while (dirent* e = readdir(d))
      if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) names.emplace_back(e->d_name);
    closedir(d);
  }
  return names;
}

// Everything no image and no bundle uses: blobs, unpacked layers, what a
// cut-off pull left, and the bundles of containers that are gone (no state
// directory of theirs in ROOT). Pulls and bundles hold gc.lock shared, so
// nothing they are making goes.
Result<int> cmd_gc(const Store& store, const std::string& root) {
  BERTH_CHECK(store.init());
  auto gc = BERTH_TRY(store.gc_lock(true));
  auto l = BERTH_TRY(store.lock());
  int removed = 0;
  std::string cdir = store.root() + "/containers";
  for (const auto& id : entries(cdir))
    if (access((root + "/" + id).c_str(), F_OK) != 0) {
      BERTH_CHECK(remove_bundle_of(cdir + "/" + id, id));
      (void)rmdir((cdir + "/" + id).c_str());
      removed++;
    }
  std::set<std::string> keep;
  for (const auto& r : BERTH_TRY(store.images())) {
    keep.insert(r.manifest.str());
    keep.insert(r.config.str());
    for (const auto& d : r.layers) keep.insert(d.str());
    for (const auto& d : r.diff_ids) keep.insert("layer:" + d.str());
  }
  for (const auto& n : entries(store.root() + "/refs")) {
    std::string ref = store.root() + "/refs/" + n;
    auto doc = json::Document::parse(state::read_file(ref).value_or(""));
    std::string dir = doc ? std::string(doc->root().get("dir").as_string()) : "";
    if (dir.empty() || access((dir + "/" + kBundleMarker).c_str(), F_OK) != 0) {  // the bundle is gone
      unlink(ref.c_str());
      continue;
    }
    json::Value ids = doc->root().get("diffIds");
    for (size_t i = 0; i < ids.size(); i++) keep.insert("layer:" + std::string(ids.at(i).as_string()));
  }
  for (const char* algo : {"sha256", "sha512"})
    for (std::string kind : {"blobs", "layers"}) {
      std::string dir = store.root() + "/" + kind + "/" + algo;
      for (const auto& n : entries(dir)) {
        if (keep.count((kind == "layers" ? "layer:" : "") + std::string(algo) + ":" + n)) continue;
        BERTH_CHECK(sys::remove_tree_at(AT_FDCWD, (dir + "/" + n).c_str()));
        removed++;
      }
    }
  for (const auto& n : entries(store.root() + "/ingest")) {
    BERTH_CHECK(sys::remove_tree_at(AT_FDCWD, (store.root() + "/ingest/" + n).c_str()));
    removed += n.size() < 5 || n.compare(n.size() - 5, 5, ".lock") != 0;
  }
  printf("%d removed\n", removed);
  return 0;
}

Result<int> run(int argc, char** argv) {
  CLI::App app{"berth image: OCI and Docker images without a daemon"};
  app.require_subcommand(1);
  std::string root = "/run/berth", store_dir;
  app.add_option("--root", root, "berth's root directory (the store defaults to ROOT/images)");
  app.add_option("--image-store", store_dir, "the image store (default ROOT/images)");

  PullOptions po;
  std::string ref, platform, format = "table", dir;
  std::vector<std::string> refs, args;
  bool quiet = false;
  BundleOptions bo;
  std::string backend = "auto";
  std::string entrypoint;

  auto* pull = app.add_subcommand("pull", "pull an image into the store");
  pull->add_option("reference", ref, "oci:DIR[:TAG], docker-archive:FILE[:NAME:TAG], docker://HOST/NAME[:TAG|@DIGEST]")
      ->required();
  pull->add_option("--name", po.name, "the name to store it under (default: from the reference)");
  pull->add_option("--platform", platform, "OS/ARCH[/VARIANT] to pick from an index (default: this machine's)");
  pull->add_flag("--insecure", po.insecure, "plain HTTP to the registry (only when asked)");
  pull->add_option("--authfile", po.auth_file, "credentials, as containers-auth.json");
  pull->add_option("--creds", po.creds, "USER:PASSWORD for the registry");
  pull->add_option("--cert-dir", po.cert_dir, "CA certificates (*.crt) to trust for the registry");
  pull->add_flag("-q,--quiet", po.quiet, "no progress");

  auto* list = app.add_subcommand("list", "list the stored images")->alias("ls");
  list->add_flag("-q,--quiet", quiet, "names only");
  list->add_option("--format", format, "table or json")->check(CLI::IsMember({"table", "json"}));

  auto* inspect = app.add_subcommand("inspect", "an image's record, manifest and config, as JSON");
  inspect->add_option("image", ref, "its name or id")->required();

  auto* rm = app.add_subcommand("rm", "forget images (their blobs go at the next gc)");
  rm->add_option("image", refs, "names or ids")->required();

  app.add_subcommand("gc", "remove what no image or container uses");

  auto* bundle = app.add_subcommand("bundle", "make an OCI bundle (rootfs + config.json) from an image");
  bundle->add_option("image", ref, "its name or id, or a reference to pull first (oci:, docker-archive:, docker://)")
      ->required();
  bundle->add_option("dir", dir, "the bundle directory (must not exist)")->required();
  bundle->add_option("command", args, "the command (replaces the image's Cmd)");
  bundle->add_option("--backend", backend, "overlay, copy, bind or auto (overlay where the kernel has it)");
  bundle->add_option("--entrypoint", entrypoint, "replaces the image's Entrypoint (\"\": none)");
  bundle->add_flag("-t,--tty", bo.terminal, "the process gets a terminal");
  bundle->add_option("--hostname", bo.hostname, "the container's hostname (default berth)");
  bundle->add_option("--container", bo.container, "the container it is for: its delete removes the bundle");

  auto* unbundle = app.add_subcommand("unbundle", "remove a bundle `image bundle` made");
  unbundle->add_option("dir", dir, "the bundle directory")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e, std::cout, std::cerr);
  }
  Store store(store_dir.empty() ? root + "/images" : store_dir);
  if (*pull) {
    if (!platform.empty()) po.platform = BERTH_TRY(parse_platform(platform));
    BERTH_CHECK(store.init());
    auto gc = BERTH_TRY(store.gc_lock(false));
    auto r = BERTH_TRY(images::pull(store, ref, po));
    printf("%s %s\n", r.name.c_str(), r.manifest.str().c_str());
    return 0;
  }
  if (*list) return cmd_list(store, quiet, format);
  if (*inspect) return cmd_inspect(store, ref);
  if (*rm) {
    for (const auto& r : refs) {
      auto rec = BERTH_TRY(store.find(r));
      BERTH_CHECK(store.remove_image(rec.name));
    }
    return 0;
  }
  if (app.got_subcommand("gc")) return cmd_gc(store, root);
  if (*bundle) {
    bo.backend = BERTH_TRY(parse_backend(backend));
    bo.args = args;
    if (bundle->count("--entrypoint")) bo.entrypoint = entrypoint, bo.entrypoint_set = true;
    BERTH_CHECK(store.init());
    auto gc = BERTH_TRY(store.gc_lock(false));
    // A reference with its transport is pulled first (quietly: run --image
    // shows only an error), a name is looked up.
    PullOptions quiet;
    quiet.quiet = true;
    auto r = has_transport(ref) ? BERTH_TRY(images::pull(store, ref, quiet)) : BERTH_TRY(store.find(ref));
    BERTH_CHECK(make_bundle(store, r, dir, bo));
    return 0;
  }
  if (*unbundle) {
    BERTH_CHECK(remove_bundle(dir));
    return 0;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  auto r = run(argc, argv);
  if (!r.ok()) {
    fprintf(stderr, "berth image: %s\n", r.error().message().c_str());
    return 1;
  }
  return *r;
}
