#!/bin/bash
# format.sh -- every C and C++ source of the tree follows .clang-format (STYLE.md):
# `make format` rewrites them in place. Prints the files that differ and exits 1;
# exits 0 and prints "format: ok" otherwise. Needs clang-format (Debian's clang-format
# package, installed by tests/lib/install-deps.sh).
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 2
command -v clang-format >/dev/null || { echo "format: clang-format is not installed"; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.c' '*.h' 2>/dev/null ||
	find libcontainer isolators runtime shim tests -name '*.[ch]pp' -o -name '*.[ch]')
[ ${#files[@]} -gt 0 ] || { echo "format: no sources found"; exit 1; }
bad=()
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	clang-format --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
	echo "format: ${#bad[@]} file(s) differ from .clang-format (run make format):"
	printf '  %s\n' "${bad[@]}"
	exit 1
fi
echo "format: ok (${#files[@]} files)"
