#!/bin/bash
# bench.sh -- time berth against runc and crun on one busybox bundle (`make bench`).
#
# Scenarios, each one hyperfine invocation with every runtime side by side:
#   run                  RT run --bundle B ID            (process /bin/true; hyperfine -N)
#   create+start+delete  RT create ... && RT start ID && RT delete -f ID   (through sh)
#   ... with limits      the same with linux.resources memory (256 MiB) and pids (100)
#   exec /bin/true       RT exec ID /bin/true into a running `sleep` container (hyperfine -N)
#   created-mem          BENCH_MEM_N containers of a `sleep` bundle left in state
#                        "created": PSS per container of everything they leave running
#                        (init, shim, ...). Not hyperfine; one measurement.
#   list                 RT list with BENCH_LIST_N created containers (hyperfine -N,
#                        BENCH_LIST_RUNS runs): one real created container per runtime
#                        and BENCH_LIST_N-1 copies of its state directory (berth's
#                        record with the id changed), since creating 1000 runc
#                        containers takes over a minute here. A copy costs list what
#                        a container does: its record read, the init's start time,
#                        the fifo and the freezer checked.
#   running-mem, list live
#                        BENCH_LIVE_N `sleep` containers started with run -d, per runtime
#                        (berth and crun; runc takes minutes for 1000): PSS per container
#                        of its init and the process that holds it (berth's shim; crun's
#                        init is reparented: none), then RT list over them (hyperfine -N,
#                        BENCH_LIST_RUNS runs). Beside them, what podman's conmon costs
#                        per container (podman + runc, BENCH_MEM_N containers; skipped
#                        without podman): the supervisor an engine adds to a crun container,
#                        against berth's shim alone.
# Prints the medians in ms and the berth/crun and berth/runc ratios per scenario.
# crun is run through tests/lib/crun-hybrid.c (this host has hybrid cgroups); the table
# is followed by what that wrapper adds to each crun call, measured. A runtime whose
# binary is missing is skipped.
#
# Environment: BENCH_RUNS (30), BENCH_WARMUP (3), BENCH_MEM_N (10, 0 to skip),
#   BENCH_LIST_N (1000, 0 to skip), BENCH_LIST_RUNS (10), BENCH_LIVE_N (1000, 0 to skip),
#   BENCH_RUNTIMES ("berth berth-ro runc crun"; berth-ro is the same binary on a read-only
#   bind mount, where create/run skip their re-exec from a read-only view of the binary:
#   the difference is what the CVE-2019-5736 defence costs), BERTH_BIN (bin/berth), BENCH_OUT (bench-out).
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 2
RUNS=${BENCH_RUNS:-30}
WARMUP=${BENCH_WARMUP:-3}
MEM_N=${BENCH_MEM_N:-10}
LIST_N=${BENCH_LIST_N:-1000}
LIST_RUNS=${BENCH_LIST_RUNS:-10}
LIVE_N=${BENCH_LIVE_N:-1000}
RUNTIMES=${BENCH_RUNTIMES:-berth berth-ro runc crun}
BERTH_BIN=${BERTH_BIN:-$top/bin/berth}
OUT=${BENCH_OUT:-$top/bench-out}
export BERTH_TEST_CACHE=${BERTH_TEST_CACHE:-/var/tmp/berth-test-cache}

for t in hyperfine jq cc; do
	command -v $t >/dev/null || { echo "bench: $t not found (tests/lib/install-deps.sh)" >&2; exit 1; }
done
[ "$(id -u)" -eq 0 ] || echo "bench: warning: not root; the runtimes will likely fail" >&2

tmp=$(mktemp -d /tmp/berth-bench.XXXXXX)
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# ---- runtimes ----------------------------------------------------------------------
declare -A CMD   # name -> command prefix, including its own --root
declare -A ROOT  # name -> that --root
names=()
for rt in $RUNTIMES; do
	case $rt in
	berth)
		if [ -x "$BERTH_BIN" ]; then CMD[berth]="$BERTH_BIN --root $tmp/root-berth"
		else echo "bench: skipping berth: $BERTH_BIN not built (make)"; continue; fi ;;
	berth-ro)
		[ -x "$BERTH_BIN" ] || continue
		mkdir -p "$tmp/robin" && cp "$BERTH_BIN" "$(dirname "$BERTH_BIN")/berth-shim" "$tmp/robin/" &&
			mount --bind "$tmp/robin" "$tmp/robin" && mount -o remount,bind,ro "$tmp/robin" ||
			{ echo "bench: skipping berth-ro: cannot make a read-only bind mount"; continue; }
		CMD[berth-ro]="$tmp/robin/berth --root $tmp/root-berth-ro" ;;
	runc)
		if command -v runc >/dev/null; then CMD[runc]="$(command -v runc) --root $tmp/root-runc"
		else echo "bench: skipping runc: not installed"; continue; fi ;;
	crun)
		if ! command -v crun >/dev/null; then echo "bench: skipping crun: not installed"; continue; fi
		if ! cc -O2 -o "$tmp/crun-hybrid" tests/lib/crun-hybrid.c; then
			echo "bench: skipping crun: could not build crun-hybrid"; continue
		fi
		CMD[crun]="$tmp/crun-hybrid --root $tmp/root-crun" ;;
	*) echo "bench: unknown runtime $rt" >&2; continue ;;
	esac
	names+=("$rt")
	ROOT[$rt]=${CMD[$rt]##* }
done

cleanup() {
	local rt id
	for rt in "${names[@]}"; do
		for id in $(${CMD[$rt]} list -q 2>/dev/null); do
			${CMD[$rt]} delete -f "$id" >/dev/null 2>&1
		done
	done
	mountpoint -q "$tmp/robin" && umount "$tmp/robin"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- bundles -----------------------------------------------------------------------
# runc's template for all, so that every runtime gets the same config whatever state
# `berth spec` is in; one shared read-only rootfs.
BERTH_SPEC=runc tests/lib/make-bundle.sh "$tmp/bundle" /bin/true || exit 1
BERTH_SPEC=runc tests/lib/make-bundle.sh "$tmp/bundle-sleep" sleep 1000 || exit 1
BERTH_SPEC=runc tests/lib/make-bundle.sh "$tmp/bundle-limits" /bin/true || exit 1
jq '.linux.resources.memory = {"limit": 268435456} | .linux.resources.pids = {"limit": 100}' \
	"$tmp/bundle-limits/config.json" > "$tmp/limits.json" && mv "$tmp/limits.json" "$tmp/bundle-limits/config.json"
B=$tmp/bundle SB=$tmp/bundle-sleep LB=$tmp/bundle-limits

# A runtime that cannot run the bundle once is left out rather than failing hyperfine.
ok_names=()
for rt in "${names[@]}"; do
	if err=$(${CMD[$rt]} run --bundle "$B" bench-check 2>&1); then
		ok_names+=("$rt")
	else
		echo "bench: skipping $rt: a plain run failed: $(echo "$err" | tail -1)"
		${CMD[$rt]} delete -f bench-check >/dev/null 2>&1
	fi
done
names=("${ok_names[@]}")
[ ${#names[@]} -gt 0 ] || { echo "bench: no runtime to measure" >&2; exit 1; }

echo "host: $(uname -r), $(nproc) cpus, load $(cut -d' ' -f1-3 /proc/loadavg); runs=$RUNS warmup=$WARMUP"
for rt in "${names[@]}"; do echo "  $rt: $(${CMD[$rt]} --version 2>/dev/null | head -1)"; done

declare -A MED   # "scenario rt" -> median in ms
scenarios=()

timeit() {  # scenario-name hyperfine-options... -- then per-runtime commands from $cmdfor
	local sc=$1; shift
	local args=() rt json runs=${TIMEIT_RUNS:-$RUNS}
	json=$OUT/$(echo "$sc" | tr -c 'a-z0-9\n' '-').json
	for rt in "${names[@]}"; do args+=(-n "$rt" "$(cmdfor "$rt")"); done
	echo "== $sc"
	if ! hyperfine --style basic -r "$runs" -w "$WARMUP" "$@" --export-json "$json" "${args[@]}" \
		> "$json.txt" 2>&1; then
		echo "bench: hyperfine failed for $sc:"; tail -5 "$json.txt"; return 1
	fi
	while IFS=$'\t' read -r rt ms; do MED["$sc $rt"]=$ms; done < <(
		jq -r '.results[] | [.command, (.median * 1000 * 100 | round / 100)] | @tsv' "$json")
	scenarios+=("$sc")
}

cmdfor() { echo "${CMD[$1]} run --bundle $B bench-run"; }
timeit "run" -N

cmdfor() { echo "${CMD[$1]} create --bundle $B bench-lc && ${CMD[$1]} start bench-lc && ${CMD[$1]} delete -f bench-lc"; }
timeit "create+start+delete"

cmdfor() { echo "${CMD[$1]} create --bundle $LB bench-lim && ${CMD[$1]} start bench-lim && ${CMD[$1]} delete -f bench-lim"; }
timeit "create+start+delete, memory+pids limits"

# A sleeping container per runtime, and exec of /bin/true into it.
exec_ok=1
for rt in "${names[@]}"; do
	${CMD[$rt]} run -d --bundle "$SB" bench-exec </dev/null >/dev/null 2>&1 || { echo "bench: $rt run -d failed: no exec"; exec_ok=0; }
done
cmdfor() { echo "${CMD[$1]} exec bench-exec /bin/true"; }
[ "$exec_ok" = 1 ] && timeit "exec /bin/true" -N
for rt in "${names[@]}"; do ${CMD[$rt]} delete -f bench-exec >/dev/null 2>&1; done

# ---- memory of created containers --------------------------------------------------
pss_tree() {  # PID... -> total PSS kB of these processes and all their descendants
	local -A seen=()
	local stack=("$@") p c total=0 v
	while [ ${#stack[@]} -gt 0 ]; do
		p=${stack[-1]}; unset 'stack[-1]'
		[ -n "${seen[$p]:-}" ] && continue; seen[$p]=1
		v=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
		total=$((total + ${v:-0}))
		for c in $(cat /proc/"$p"/task/*/children 2>/dev/null); do stack+=("$c"); done
	done
	echo "$total"
}
if [ "$MEM_N" -gt 0 ]; then
	echo "== created-mem ($MEM_N containers each)"
	for rt in "${names[@]}"; do
		pids=() fail=0
		for k in $(seq "$MEM_N"); do
			${CMD[$rt]} create --bundle "$SB" "bench-mem-$k" >/dev/null 2>>"$OUT/created-mem.err" || fail=1
		done
		for k in $(seq "$MEM_N"); do
			p=$(${CMD[$rt]} state "bench-mem-$k" 2>/dev/null | jq -r '.pid // empty')
			[ -n "$p" ] && pids+=("$p")
		done
		# The container init's parent is part of what a container costs when it is not
		# the caller (berth's shim; crun/runc have none: their init is reparented).
		more=()
		for p in "${pids[@]}"; do
			pp=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
			[ -n "$pp" ] && [ "$pp" -gt 1 ] && [ "$(cat "/proc/$pp/comm" 2>/dev/null)" = berth-shim ] && more+=("$pp")
		done
		kb=$(pss_tree "${pids[@]}" "${more[@]}")
		if [ $fail = 0 ] && [ ${#pids[@]} -eq "$MEM_N" ]; then
			MED["created-mem $rt"]=$(awk -v k="$kb" -v n="$MEM_N" 'BEGIN{printf "%.0f", k/n}')
		else
			echo "bench: $rt: some creates failed (see $OUT/created-mem.err)"
		fi
		for k in $(seq "$MEM_N"); do ${CMD[$rt]} delete -f "bench-mem-$k" >/dev/null 2>&1; done
	done
	[ -s "$OUT/created-mem.err" ] || rm -f "$OUT/created-mem.err"
	scenarios+=("created-mem")
fi

# ---- list of many created containers -------------------------------------------------
list_copies() {  # RT N -- N-1 copies of RT's bench-list-0 (see the header)
	local rt=$1 n=$2 k dir=${ROOT[$1]} rec
	case $rt in
	berth*)
		rec=$(cat "$dir/bench-list-0/state.json")
		for ((k = 1; k < n; k++)); do
			mkdir "$dir/bench-list-$k" && mkfifo "$dir/bench-list-$k/exec.fifo" &&
				printf '%s' "${rec/\"id\":\"bench-list-0\"/\"id\":\"bench-list-$k\"}" > "$dir/bench-list-$k/state.json"
		done ;;
	*) for ((k = 1; k < n; k++)); do cp -a "$dir/bench-list-0" "$dir/bench-list-$k"; done ;;
	esac
}
if [ "$LIST_N" -gt 0 ]; then
	list_names=()
	for rt in "${names[@]}"; do
		if ${CMD[$rt]} create --bundle "$SB" bench-list-0 >/dev/null 2>>"$OUT/list.err"; then
			list_copies "$rt" "$LIST_N" && list_names+=("$rt")
		fi
	done
	all_names=("${names[@]}")
	names=("${list_names[@]}")
	cmdfor() { echo "${CMD[$1]} list"; }
	TIMEIT_RUNS=$LIST_RUNS timeit "list, $LIST_N created" -N
	names=("${all_names[@]}")
	for rt in "${list_names[@]}"; do
		# The copies share the real one's init and cgroups: removed, never deleted.
		rm -rf "${ROOT[$rt]}"/bench-list-[1-9]*
		${CMD[$rt]} delete -f bench-list-0 >/dev/null 2>&1
	done
	[ -s "$OUT/list.err" ] || rm -f "$OUT/list.err"
fi

# ---- many live containers: memory and list ------------------------------------------
pss_of() {  # PID... -> total PSS kB of these processes alone
	local p total=0 v
	for p in "$@"; do
		v=$(awk '/^Pss:/{print $2}' "/proc/$p/smaps_rollup" 2>/dev/null)
		total=$((total + ${v:-0}))
	done
	echo "$total"
}
SHIM_KB="" CONMON_KB=""
if [ "$LIVE_N" -gt 0 ]; then
	live_names=()
	for rt in "${names[@]}"; do
		case $rt in berth | crun) ;; *) continue ;; esac
		fail=0 pids=() shims=()
		echo "== $LIVE_N live containers ($rt)"
		for k in $(seq "$LIVE_N"); do
			${CMD[$rt]} run -d --bundle "$SB" "bench-live-$k" </dev/null >/dev/null 2>>"$OUT/live.err" || fail=1
		done
		for k in $(seq "$LIVE_N"); do
			p=$(${CMD[$rt]} state "bench-live-$k" 2>/dev/null | jq -r '.pid // empty')
			[ -n "$p" ] && pids+=("$p")
			pp=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
			[ -n "$pp" ] && [ "$(cat "/proc/$pp/comm" 2>/dev/null)" = berth-shim ] && shims+=("$pp")
		done
		if [ $fail = 0 ] && [ ${#pids[@]} -eq "$LIVE_N" ]; then
			MED["running-mem $rt"]=$(awk -v k="$(pss_tree "${pids[@]}" "${shims[@]}")" -v n="$LIVE_N" 'BEGIN{printf "%.0f", k/n}')
			[ ${#shims[@]} -gt 0 ] && SHIM_KB=$(awk -v k="$(pss_of "${shims[@]}")" -v n="${#shims[@]}" 'BEGIN{printf "%.0f", k/n}')
			live_names+=("$rt")
		else
			echo "bench: $rt: some of the $LIVE_N live containers failed (see $OUT/live.err)"
		fi
	done
	scenarios+=("running-mem")
	all_names=("${names[@]}")
	names=("${live_names[@]}")
	cmdfor() { echo "${CMD[$1]} list"; }
	[ ${#names[@]} -gt 0 ] && TIMEIT_RUNS=$LIST_RUNS timeit "list, $LIVE_N live" -N
	names=("${all_names[@]}")
	for rt in berth crun; do
		[ -n "${CMD[$rt]:-}" ] || continue
		for k in $(seq "$LIVE_N"); do ${CMD[$rt]} delete -f "bench-live-$k" >/dev/null 2>&1; done
	done
	[ -s "$OUT/live.err" ] || rm -f "$OUT/live.err"
	# conmon's PSS per container: podman + runc on private roots, MEM_N containers.
	if command -v podman >/dev/null && command -v conmon >/dev/null && [ "$MEM_N" -gt 0 ]; then
		pm_dir=$tmp/podman
		mkdir -p "$pm_dir"
		printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]\nnetns = "none"\n[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' \
			> "$pm_dir/containers.conf"
		pm() { CONTAINERS_CONF=$pm_dir/containers.conf podman --root "$pm_dir/root" --runroot "$pm_dir/run" \
			--storage-driver vfs --tmpdir "$pm_dir/tmp" --runtime runc "$@"; }
		if tar -C "$BERTH_TEST_CACHE/rootfs" -c . | pm import - localhost/bench:1 >/dev/null 2>&1; then
			conmons=()
			for k in $(seq "$MEM_N"); do
				id=$(pm run -d localhost/bench:1 sleep 1000 2>/dev/null) || continue
				c=$(pgrep -f "conmon .*-c $id" | head -1)
				[ -n "$c" ] && conmons+=("$c")
			done
			[ ${#conmons[@]} -gt 0 ] && CONMON_KB=$(awk -v k="$(pss_of "${conmons[@]}")" -v n="${#conmons[@]}" 'BEGIN{printf "%.0f", k/n}')
			pm rm -a -f -t 0 >/dev/null 2>&1
			pm rmi -a -f >/dev/null 2>&1
		fi
	fi
fi

# ---- table -------------------------------------------------------------------------
ratio() { [ -n "${1:-}" ] && [ -n "${2:-}" ] && awk -v a="$1" -v b="$2" 'BEGIN{ if (b > 0) printf "%.2f", a/b; else print "-" }' || echo -; }
echo
printf '%-22s %10s %10s %10s %10s %11s %11s\n' scenario berth berth-ro runc crun berth/crun berth/runc
for sc in "${scenarios[@]}"; do
	b=${MED["$sc berth"]:-} bro=${MED["$sc berth-ro"]:-} r=${MED["$sc runc"]:-} c=${MED["$sc crun"]:-}
	printf '%-22s %10s %10s %10s %10s %11s %11s\n' "$sc" "${b:--}" "${bro:--}" "${r:--}" "${c:--}" \
		"$(ratio "$b" "$c")" "$(ratio "$b" "$r")"
done
echo "(berth-ro: berth installed on a read-only mount, so create/run need no re-exec from a read-only view)"
echo "(medians in ms; created-mem and running-mem in kB of PSS per container; crun runs through crun-hybrid)"
if [ -n "$SHIM_KB" ]; then
	line="(of berth's running-mem, its shim: $SHIM_KB kB per container"
	[ -n "$CONMON_KB" ] && line+="; conmon under podman: $CONMON_KB kB per container, the shim $(ratio "$SHIM_KB" "$CONMON_KB") of it"
	echo "$line)"
fi
# What the wrapper adds to each crun call on this host (a mount namespace and an exec).
if [ -n "${CMD[crun]:-}" ] && hyperfine -N --style none -r 30 -w 3 --export-json "$tmp/wrap.json" \
	"crun --version" "$tmp/crun-hybrid --version" >/dev/null 2>&1; then
	echo "(crun-hybrid adds $(jq -r '(.results[1].median - .results[0].median) * 1000 * 100 | round / 100' \
		"$tmp/wrap.json") ms to each crun call here: its --version against crun's)"
fi
echo "(hyperfine JSON and text in $OUT)"
