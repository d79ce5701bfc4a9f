// The runtime's side of images: `berth image ...` is berth-image's (a
// program beside berth: it links what the runtime's static CLI does not),
// and create/run --image have it make the container's bundle first.
#include <unistd.h>

#include <cstdio>
#include <cstring>

#include "images/backend.hpp"
#include "libcontainer/state/store.hpp"
#include "libcontainer/sys/sealed_exe.hpp"
#include "runtime/command_word.hpp"
#include "runtime/commands.hpp"

extern char** environ;

namespace berth::cli {
namespace {

std::string image_program(const std::string& self) { return self.substr(0, self.rfind('/') + 1) + "berth-image"; }

}  // namespace

int exec_image_command(int argc, char** argv) {
  const char* root = global_value(argc, argv, "--root");
  std::string prog = image_program(sys::self_exe_path(argv[0]));
  std::vector<std::string> args = {prog, "--root", root ? root : Globals{}.root};
  int at = 1;
  while (at < argc && strcmp(argv[at], "image") != 0) at++;
  for (at++; at < argc; at++) args.emplace_back(argv[at]);
  std::vector<char*> v;
  for (auto& a : args) v.push_back(a.data());
  v.push_back(nullptr);
  execv(prog.c_str(), v.data());
  fprintf(stderr, "berth: image: cannot run %s: %s\n", prog.c_str(), strerror(errno));
  return 127;
}

Result<std::string> image_bundle(const Globals& g, const CreateFlags& f) {
  if (f.image.empty()) {
    if (f.tty || !f.image_backend.empty())
      return Error(Code::Config, std::string(f.tty ? "--tty" : "--image-backend") + " needs --image");
    return std::string();
  }
  if (!f.bundle.empty() && f.bundle != ".")
    return Error(Code::Config, "--image and --bundle: the bundle of an --image container is made from the image");
  BERTH_CHECK(state::validate_id(f.id));
  if (access(g.store().dir(f.id).c_str(), F_OK) == 0)
    return Error(Code::Exists, "container " + f.id + " exists already");
  std::string dir = g.root + "/images/containers/" + f.id;
  std::vector<std::string> argv = {
      image_program(g.self_exe), "--root", g.root, "bundle", "--container", f.id, "--hostname", f.id};
  if (!f.image_backend.empty()) argv.insert(argv.end(), {"--backend", f.image_backend});
  if (f.tty) argv.push_back("--tty");
  argv.insert(argv.end(), {f.image, dir});
  if (!f.command.empty()) {
    argv.push_back("--");
    argv.insert(argv.end(), f.command.begin(), f.command.end());
  }
  std::vector<std::string> env;
  for (char** e = environ; *e; e++) env.emplace_back(*e);
  // A pull may take long: a day, not the plugins' minute.
  auto out = BERTH_TRY(g.kernel->run_program(argv[0], argv, env, "", 86400));
  if (out.status != 0) {
    std::string msg = out.err;
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    if (msg.rfind("berth image: ", 0) == 0) msg = msg.substr(13);
    return Error(Code::Config, "--image " + f.image + ": " + (msg.empty() ? "berth-image failed" : msg));
  }
  return dir;
}

}  // namespace berth::cli
