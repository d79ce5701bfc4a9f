#!/bin/sh
# Runs a libFuzzer binary for a bounded number of inputs over a copy of
# tests/fuzz/corpus (new inputs and crash files land in a temp dir, never in
# the tree). Exits non-zero when the fuzzer finds a crash, leak or timeout.
# usage: tests/fuzz/run.sh BINARY [RUNS] [CORPUS_DIR]
set -eu
bin=${1:?usage: run.sh FUZZ_BINARY [RUNS]}
runs=${2:-20000}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/berth-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
mkdir "$work/corpus" "$work/artifacts"
cp "${3:-$here/corpus}"/* "$work/corpus/"
status=0
"$bin" -runs="$runs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -seed=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" >"$work/log" 2>&1 || status=$?
if [ "$status" -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
  tail -n 60 "$work/log" >&2
  for f in "$work"/artifacts/*; do
    [ -e "$f" ] || continue
    echo "fuzz: crashing input $(basename "$f") (base64):" >&2
    base64 "$f" >&2
  done
  exit 1
fi
tail -n 1 "$work/log"
echo "fuzz: $runs runs, no crash"
