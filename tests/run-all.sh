#!/bin/bash
# run-all.sh -- run every berth test suite and add up the results.
#
# Order: unit (build/unit-tests, doctest), san (the same tests built with ASan and
# UBSan, build/san/unit-tests: any report fails it), fuzz (tests/fuzz/run.sh build/fuzz-config,
# one test), lint (tests/lint/child_symbols.sh on the built child objects,
# tests/lint/early_symbols.sh on the objects that run before libc, and
# tests/lint/format.sh on the sources, a test each),
# then every *.bats file under tests/integration and tests/security.
# Prints one line per suite, the details of what failed, and as its last line exactly
# "N passed, N failed". Skipped tests are shown per suite but counted as neither.
# Exit status: 0 when nothing failed, 1 otherwise.
#
# `make check` builds the binaries and runs this. Environment:
#   SUITES="unit san fuzz lint integration security"  which suites to run (in this order)
#   BATS_FILTER=REGEX                         passed to bats --filter
#   TEST_TIMEOUT=1800                         seconds allowed to each suite or bats file
#   BATS_TEST_TIMEOUT=150                     seconds allowed to each bats test
#   TEST_LOGS=build/test-logs                 where full outputs are kept
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
SUITES=${SUITES:-unit san fuzz lint integration security}
TEST_TIMEOUT=${TEST_TIMEOUT:-300}
# One hung test fails alone, with where it hung, instead of its whole file timing out.
export BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-150}
logs=${TEST_LOGS:-$top/build/test-logs}
mkdir -p "$logs"
rm -f "$logs"/*.log

total_pass=0 total_fail=0 total_skip=0
failures=()   # "suite: detail" lines, printed before the final count

suite_line() {  # name passed failed skipped [note]
	printf '%-34s %4d passed, %d failed, %d skipped%s\n' "$1:" "$2" "$3" "$4" "${5:+  ($5)}"
	total_pass=$((total_pass + $2))
	total_fail=$((total_fail + $3))
	total_skip=$((total_skip + $4))
}

logname() { echo "$logs/$(echo "$1" | tr '/ ' '__').log"; }

[ "$(id -u)" -eq 0 ] || echo "warning: not root; container tests will fail" >&2

run_unit() {  # NAME BINARY: a doctest binary
	local name=$1 bin=$2 log line p f s rc
	log=$(logname "$name")
	if [ ! -x "$bin" ]; then
		suite_line "$name" 0 1 0 "$bin missing; run make check"
		failures+=("$name: $bin not built")
		return
	fi
	timeout "$TEST_TIMEOUT" "$bin" --no-colors=true > "$log" 2>&1
	rc=$?
	# doctest ends with: [doctest] test cases: 12 | 11 passed | 1 failed | 0 skipped
	line=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | grep -E 'test cases: *[0-9]+' | tail -1)
	if [[ $line =~ test\ cases:\ *([0-9]+)\ *\|\ *([0-9]+)\ passed\ *\|\ *([0-9]+)\ failed\ *\|\ *([0-9]+)\ skipped ]]; then
		p=${BASH_REMATCH[2]} f=${BASH_REMATCH[3]} s=${BASH_REMATCH[4]}
		if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
			f=1   # crashed or timed out after printing a summary
			failures+=("$name: exit status $rc although no test case failed (see $log)")
		fi
		suite_line "$name" "$p" "$f" "$s"
		[ "$f" -gt 0 ] && failures+=("$name: $(grep -E 'ERROR|FATAL|TEST CASE' "$log" | head -20 | sed 's/^/  /')")
	else
		suite_line "$name" 0 1 0 "no doctest summary, exit status $rc"
		failures+=("$name: no summary line (exit $rc); last lines of $log:" "$(tail -15 "$log" | sed 's/^/  /')")
	fi
}

run_fuzz() {
	local log rc
	log=$(logname fuzz)
	if [ ! -x tests/fuzz/run.sh ]; then
		suite_line fuzz 0 1 0 "tests/fuzz/run.sh missing"
		failures+=("fuzz: tests/fuzz/run.sh missing")
		return
	fi
	timeout "$TEST_TIMEOUT" tests/fuzz/run.sh build/fuzz-config > "$log" 2>&1 &&
		timeout "$TEST_TIMEOUT" tests/fuzz/run.sh build/fuzz-sync 20000 tests/fuzz/corpus-sync >> "$log" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		suite_line fuzz 1 0 0
	else
		suite_line fuzz 0 1 0 "exit status $rc"
		failures+=("fuzz: exit status $rc; last lines of $log:" "$(tail -15 "$log" | sed 's/^/  /')")
	fi
}

# The lint checks, one test each: child code calls libc only through child::sys
# (STYLE.md §5), the code before libc starts calls nothing, and the sources follow
# .clang-format.
run_lint() {
	local log rc p=0 f=0 check
	log=$(logname lint)
	: > "$log"
	for check in child_symbols early_symbols format; do
		timeout "$TEST_TIMEOUT" "tests/lint/$check.sh" >> "$log" 2>&1
		rc=$?
		if [ $rc -eq 0 ]; then
			p=$((p + 1))
		else
			f=$((f + 1))
			failures+=("lint $check: exit status $rc; see $log:" "$(tail -20 "$log" | sed 's/^/  /')")
		fi
	done
	suite_line lint "$p" "$f" 0
}

bats_args=(--tap)
if command -v parallel >/dev/null 2>&1; then bats_args+=(--jobs 2); fi
[ -n "${BATS_FILTER:-}" ] && bats_args+=(--filter "$BATS_FILTER")

run_bats_file() {  # path
	local file=$1 name log rc plan ok notok skip
	name=${file#tests/}
	log=$(logname "$name")
	timeout "$TEST_TIMEOUT" bats "${bats_args[@]}" "$file" > "$log" 2>&1
	rc=$?
	plan=$(grep -m1 -E '^1\.\.[0-9]+' "$log" | cut -d. -f3)
	ok=$(grep -cE '^ok [0-9]+' "$log")
	skip=$(grep -cE '^ok [0-9]+.* # skip' "$log")
	notok=$(grep -cE '^not ok [0-9]+' "$log")
	ok=$((ok - skip))
	local note=
	if [ -n "$plan" ] && [ $((ok + skip + notok)) -lt "$plan" ]; then
		# bats died or timed out midway: what never reported counts as failed.
		note="$((plan - ok - skip - notok)) never reported, exit status $rc"
		notok=$((plan - ok - skip))
	elif [ -z "$plan" ] && [ "$rc" -ne 0 ]; then
		note="bats exit status $rc before any test"
		notok=1
	fi
	suite_line "$name" "$ok" "$notok" "$skip" "$note"
	if [ "$notok" -gt 0 ]; then
		# each "not ok" line and the "# ..." diagnostic lines that follow it
		local detail
		detail=$(awk '/^not ok /{p=1; print "  " $0; next} /^(ok |1\.\.)/{p=0} p&&/^#/{print "  " $0}' "$log" | head -80)
		failures+=("$name:")
		[ -n "$detail" ] && failures+=("$detail")
		[ -n "$note" ] && failures+=("  ($note; see $log)")
	fi
}

run_bats_dir() {  # tests/integration | tests/security
	local dir=$1 files=()
	if ! command -v bats >/dev/null 2>&1; then
		suite_line "${dir#tests/}" 0 1 0 "bats not installed"
		failures+=("${dir#tests/}: bats not installed (tests/lib/install-deps.sh)")
		return
	fi
	[ -d "$dir" ] && mapfile -t files < <(find "$dir" -name '*.bats' -type f | sort)
	if [ ${#files[@]} -eq 0 ]; then
		suite_line "${dir#tests/}" 0 0 0 "no .bats files"
		return
	fi
	local f
	for f in "${files[@]}"; do run_bats_file "$f"; done
}

for s in $SUITES; do
	case $s in
	unit) run_unit unit build/unit-tests ;;
	san) run_unit san build/san/unit-tests ;;
	fuzz) run_fuzz ;;
	lint) run_lint ;;
	integration | security) run_bats_dir "tests/$s" ;;
	*) echo "run-all: unknown suite '$s'" >&2; total_fail=$((total_fail + 1)) ;;
	esac
done

if [ ${#failures[@]} -gt 0 ]; then
	echo
	echo "---- failures (full logs in $logs) ----"
	printf '%s\n' "${failures[@]}"
	echo
fi
[ "$total_skip" -gt 0 ] && echo "($total_skip skipped)"
echo "$total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
