#!/bin/bash
# child_symbols.sh -- the code between clone and exec calls libc only through child::sys
# (STYLE.md §5). Checks the built child objects (build/libcontainer/child/*.o):
#   1. every undefined symbol is defined by another child object or listed in
#      libcontainer/child/allowlist.txt;
#   2. the allowlist names nothing that allocates, throws, logs or locks;
#   3. the objects that define allowed berth:: symbols outside child/ reference none of
#      those either (followed transitively through berth:: symbols), except
#      __gxx_personality_v0: libcontainer/rootfs/resolve.o has noexcept functions calling
#      glibc cancellation points, so it carries an EH table that no throw can reach;
#      child code goes through child::sys and must not carry even that;
#   4. no child source but sys.hpp calls syscall( directly (the allowlist cannot see which
#      syscall a bare syscall() makes).
# Prints what is wrong and exits 1; exits 0 and prints "child_symbols: ok" otherwise.
# Usage: tests/lint/child_symbols.sh [BUILD_DIR]   (default: build; run make first)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
build=${1:-build}
allow=libcontainer/child/allowlist.txt
# What child code must never reach (demangled names, extended regex).
deny='^(operator new|operator delete|malloc$|calloc$|realloc$|free$|aligned_alloc$|posix_memalign$|__cxa_|__gxx_personality|_Unwind_|std::|(v?s?n?|d|f)printf$|__[a-z]*printf_chk$|strerror$|strerror_r$|syslog$|vsyslog$|pthread_|opendir$|fopen$|setlocale$|dcgettext$)'

bad=0
problem() { echo "child_symbols: $*"; bad=1; }

objs=("$build"/libcontainer/child/*.o)
if [ ! -e "${objs[0]}" ]; then
	echo "child_symbols: no objects in $build/libcontainer/child (run make first)"
	exit 1
fi
[ -r "$allow" ] || { echo "child_symbols: $allow missing"; exit 1; }

# Allowlist entries: text before "#", trimmed.
mapfile -t allowed < <(sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' "$allow" | grep -v '^$')
declare -A ok=()
for s in "${allowed[@]}"; do
	ok[$s]=1
	if [[ $s =~ $deny ]]; then problem "$allow lists '$s', which child code must never call"; fi
done

undefined() { nm -uC --format=just-symbols "$@" 2>/dev/null | sort -u; }
defined() { nm -C --defined-only --extern-only --format=just-symbols "$@" 2>/dev/null | sort -u; }

# 1. Undefined symbols of the child objects, minus what the child objects define.
declare -A internal=()
while IFS= read -r s; do internal[$s]=1; done < <(defined "${objs[@]}")
for o in "${objs[@]}"; do
	while IFS= read -r s; do
		[ -n "${internal[$s]:-}" ] && continue
		[ -n "${ok[$s]:-}" ] && continue
		problem "${o#"$build"/} references '$s', which is not in $allow"
	done < <(undefined "$o")
done

# 3. Objects outside child/ that define allowed berth:: symbols: no denied symbol, and the
# berth:: symbols they reference are followed in turn.
# One nm pass over every object outside child/: "object:address type symbol" lines.
declare -A def_of=()
while IFS= read -r line; do
	o=${line%%:*} rest=${line#*:}
	s=${rest#* * }
	[ -z "${def_of[$s]:-}" ] && def_of[$s]=$o
done < <(find "$build/libcontainer" -name '*.o' ! -path "*/child/*" -print0 | sort -z |
	xargs -0 nm -AC --defined-only --extern-only 2>/dev/null)
declare -A seen_obj=() seen_sym=()
queue=()
for s in "${allowed[@]}"; do [[ $s == berth::* ]] && queue+=("$s"); done
while [ ${#queue[@]} -gt 0 ]; do
	s=${queue[0]} queue=("${queue[@]:1}")
	[ -n "${seen_sym[$s]:-}" ] && continue
	seen_sym[$s]=1
	[ -n "${internal[$s]:-}" ] && continue
	def=${def_of[$s]:-}
	if [ -z "$def" ]; then problem "no object in $build/libcontainer defines '$s' (allowlisted)"; continue; fi
	[ -n "${seen_obj[$def]:-}" ] && continue
	seen_obj[$def]=1
	while IFS= read -r u; do
		if [[ $u =~ $deny ]] && [ "$u" != __gxx_personality_v0 ]; then problem "${def#"$build"/} (defines '$s', called by the child) references '$u'"; fi
		[[ $u == berth::* ]] && queue+=("$u")
	done < <(undefined "$def")
done

# 4. Bare syscall() in child sources other than sys.hpp.
while IFS= read -r hit; do
	problem "direct syscall outside child::sys: $hit"
done < <(grep -nE '(^|[^_[:alnum:]])syscall[[:space:]]*\(' libcontainer/child/*.cpp libcontainer/child/*.hpp |
	grep -v '^libcontainer/child/sys.hpp:' | grep -vE '^[^:]+:[0-9]+:[[:space:]]*//')

if [ $bad -ne 0 ]; then
	echo "child_symbols: FAILED (child code calls libc only through child::sys; see libcontainer/child/sys.hpp)"
	exit 1
fi
also=$(printf '%s ' "${!seen_obj[@]}")
echo "child_symbols: ok (${#objs[@]} child objects, ${#allowed[@]} allowed symbols; also checked: ${also% })"
