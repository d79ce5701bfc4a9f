#!/bin/bash
# early_symbols.sh -- the code that runs from bin/berth's entry point, before libc is
# initialised (runtime/early_start.cpp, libcontainer/sys/exe_view.cpp), calls nothing
# outside those objects but libc's own entry (_start), and holds no absolute address:
# a static PIE is not relocated yet at that point, so a pointer the loader would fix
# up (R_X86_64_64 in a loaded section) or a GOT slot would be garbage there.
# Checks the built objects and that bin/berth's entry point is berth_entry.
# Prints what is wrong and exits 1; exits 0 and prints "early_symbols: ok" otherwise.
# Usage: tests/lint/early_symbols.sh [BUILD_DIR]   (default: build; run make first)
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
build=${1:-build}
objs=("$build/runtime/early_start.o" "$build/libcontainer/sys/exe_view.o")
bad=0
problem() { echo "early_symbols: $*"; bad=1; }

for o in "${objs[@]}"; do
	[ -f "$o" ] || { echo "early_symbols: $o missing (run make first)"; exit 1; }
done
mapfile -t defined < <(nm --defined-only --format=just-symbols "${objs[@]}" | sort -u)
declare -A def=()
for s in "${defined[@]}"; do def[$s]=1; done
while IFS= read -r s; do
	[ -z "$s" ] || [ "$s" = _start ] || [ -n "${def[$s]:-}" ] || problem "calls $s, which is not there before libc starts"
done < <(nm -u --format=just-symbols "${objs[@]}" | sort -u)
for o in "${objs[@]}"; do
	# Relocations of the sections that are loaded (not .debug_*).
	relocs=$(readelf -rW "$o" | awk '/^Relocation section/ { keep = ($3 !~ /debug/) } keep && /R_X86_64_/ { print $3 }' | sort -u)
	for r in $relocs; do
		case $r in
		R_X86_64_PC32 | R_X86_64_PLT32) ;;
		*) problem "$o has a $r relocation: an address the loader must fix up, or a GOT slot" ;;
		esac
	done
done
if [ -x bin/berth ]; then
	entry=$(readelf -hW bin/berth | awk '/Entry point address/ { print $4 }')
	sym=$(nm bin/berth | awk -v e="$entry" '$3 == "berth_entry" { print "0x" $1 }' | sed 's/0x0*/0x/')
	[ "$sym" = "$entry" ] || problem "bin/berth's entry point is $entry, not berth_entry ($sym)"
fi
[ $bad -eq 0 ] && echo "early_symbols: ok"
exit $bad
