// The ELF entry point of bin/berth (Makefile: -e berth_entry), and the scan
// of the command line it needs, which the CLI shares (command_line.hpp).
// create and run execute from a read-only view of the binary
// (libcontainer/sys/sealed_exe.hpp). Done here, before libc is initialised,
// the first image does not pay libc's start-up for nothing: on a VM that
// traps cpuid, glibc's probing of the caches costs about half a millisecond
// per process. Freestanding code (exe_view.hpp says what that means), checked
// by tests/lint/early_symbols.sh.
#include "runtime/command_word.hpp"

#include "libcontainer/sys/exe_view.hpp"

namespace berth::cli {
namespace {

bool same(const char* a, const char* b) {
  while (*a && *a == *b) a++, b++;
  return *a == *b;
}

bool has_equals(const char* s) {
  for (; *s; s++)
    if (*s == '=') return true;
  return false;
}

// The global options that take a value, as define_command_line defines them;
// one string, not a table of pointers (nothing here may need relocating).
constexpr char kGlobalsWithValue[] = "--root\0--log\0--log-format\0--criu\0--rootless\0";

}  // namespace

bool global_takes_value(const char* option) {
  for (const char* g = kGlobalsWithValue; *g;) {
    if (same(option, g)) return true;
    while (*g) g++;
    g++;
  }
  return false;
}

const char* command_word(int argc, char** argv) {
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (same(a, "--")) return i + 1 < argc ? argv[i + 1] : nullptr;
    if (a[0] != '-' || a[1] == 0) return a;
    if (has_equals(a)) continue;     // --root=DIR
    if (global_takes_value(a)) i++;  // --root DIR
  }
  return nullptr;
}

const char* global_value(int argc, char** argv, const char* option) {
  const char* found = nullptr;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (same(a, "--") || a[0] != '-' || a[1] == 0) break;  // the command word
    const char* o = option;
    const char* p = a;
    while (*o && *p == *o) o++, p++;
    if (!*o && *p == '=') found = p + 1;  // --log=FILE
    if (has_equals(a)) continue;
    if (global_takes_value(a) && i + 1 < argc) {
      if (same(a, option)) found = argv[i + 1];  // --log FILE
      i++;
    }
  }
  return found;
}

bool enters_container(int argc, char** argv) {
  const char* word = command_word(argc, argv);
  return word && (same(word, "create") || same(word, "run") || same(word, "exec"));
}

}  // namespace berth::cli

// sp: the initial stack (argc, argv..., 0, envp..., 0). Returns when there is
// nothing to do, or the view cannot be made here: main() then decides (and
// falls back to a sealed copy).
extern "C" void berth_early_start(long* sp) {
  int argc = int(sp[0]);
  char** argv = reinterpret_cast<char**>(sp + 1);
  if (!berth::cli::enters_container(argc, argv) || berth::sys::exe_on_readonly_mount()) return;
  (void)berth::sys::exec_from_readonly_view(argv, argv + argc + 1);
}

// The kernel starts us with the stack 16-byte aligned and %rdx, which libc's
// _start passes on as the dynamic linker's finaliser (0 here), to keep.
asm(R"(
  .text
  .globl berth_entry
  .type berth_entry, @function
berth_entry:
  endbr64
  mov %rsp, %rdi
  mov %rdx, %rbx
  call berth_early_start
  mov %rbx, %rdx
  jmp _start
  .size berth_entry, .-berth_entry
)");
