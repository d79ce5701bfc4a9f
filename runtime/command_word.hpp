// The scan of berth's command line before it is parsed. Defined in
// runtime/early_start.cpp, freestanding: it also runs before libc is
// initialised. command_line.hpp is the parsed command line.
#pragma once

namespace berth::cli {

// Whether a global option takes a value (--root DIR): what the scan of
// command_word skips; define_command_line's globals must agree.
bool global_takes_value(const char* option);
// The first argument that is not a global option or its value: the command
// the user meant (the word after a "--"), or nullptr.
const char* command_word(int argc, char** argv);
// The value of a global option (--log FILE or --log=FILE) given before the
// command word, the last one given; nullptr without one. For what must be
// known when the line does not parse (the log that gets the usage error).
const char* global_value(int argc, char** argv, const char* option);
// Whether the command is create or run, whose clone enters a container: they
// run from the sealed view of the binary (sealed_exe.hpp), decided from the
// entry point, before libc starts and the CLI11 App is built (the first
// image then costs next to nothing). main checks again after parsing.
bool enters_container(int argc, char** argv);

}  // namespace berth::cli
