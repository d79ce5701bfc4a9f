// The watch list: the counters the isolators' watch() hooks name, each
// "LIMITATION<tab>KEY<tab>BASE<tab>FILE": BASE is the counter's value when
// the container was made (not 0 in a cgroup with a past or other members).
// create passes each to the shim as a --watch= argument (it was a file of
// the state directory once, hence the name); the shim reads the counters
// when the init exits and puts each that grew into the exit record as
// "limitations": {"oom": 1, ...}.
// The shim is libc-only, so this header uses nothing but libc.
#pragma once

#include <stdlib.h>
#include <string.h>

namespace berth::state::watch_file {

// Splits one entry in place; false when malformed.
inline bool split(char* line, char** limitation, char** key, long* base, char** file) {
  char* t1 = strchr(line, '\t');
  char* t2 = t1 ? strchr(t1 + 1, '\t') : nullptr;
  char* t3 = t2 ? strchr(t2 + 1, '\t') : nullptr;
  if (!t3 || t1 == line || t2 == t1 + 1 || t3 == t2 + 1 || !t3[1]) return false;
  char* end;
  *base = strtol(t2 + 1, &end, 10);
  if (end != t3) return false;
  *t1 = *t2 = 0;
  *limitation = line;
  *key = t1 + 1;
  *file = t3 + 1;
  return true;
}

// The number after "KEY " at the start of a line of text ("oom_kill 2" in
// memory.events), 0 when no line starts with it.
inline long counter(const char* text, const char* key) {
  size_t n = strlen(key);
  for (const char* l = text; l && *l; l = strchr(l, '\n'), l = l ? l + 1 : nullptr)
    if (!strncmp(l, key, n) && l[n] == ' ') return strtol(l + n + 1, nullptr, 10);
  return 0;
}

}  // namespace berth::state::watch_file
