# leaks.bash -- "nothing left behind": the check common_teardown runs after every test.
# Sourced by common.bash.
#
#   leak_collect   before the teardown deletes anything: notes what this test's
#                  containers own (their cgroups, from berth's records, runc's state.json
#                  and crun's status; the cgroupsPath and root.path of the test's bundles)
#   leak_check     after: fails, naming each leak, when any of it is still there
#
# What counts as this test's (and nothing else, so tests running at the same time in other
# worktrees are never blamed): its BATS_TEST_TMPDIR (state roots, bundles, sockets), the ids
# it tracked, and the cgroups and rootfs paths collected above. Checked:
#   state    a container directory (state.json, shim.sock, crun's status) left
#            under the test's directory after every tracked id was force-deleted
#   cgroup   a collected cgroup, or a directory named after a tracked id (runc's and
#            crun's default) or id-XXXXXXXX (berth's default outside /run/berth), in any
#            hierarchy: every v1 controller and the cgroup2 mount
#   mount    a mount point in /proc/self/mountinfo under the test's directory, or on a
#            rootfs its bundles named (except the shared cached busybox rootfs, which
#            every test on the machine uses; see tests/lib/make-bundle.sh)
#   process  one whose command line names the test's directory or a tracked id (the
#            shim: --state-dir=..., --id=...), or whose cwd or root is below that directory;
#            the test's own process and its ancestors excepted
# A shim or a killed init may take a moment to go after delete returns, so leak_check
# polls (bounded, LEAK_WAIT seconds, default 5) before it reports.
# LEAK_CHECK=0 turns the check off (to look at what a failing test left).

: "${LEAK_WAIT:=5}"

# MOUNT<TAB>OWN for each cgroup hierarchy: its mount point and our cgroup below it.
_leak_hierarchies() {
	awk -F'\t' 'NR == FNR {
		i = index($0, ":"); rest = substr($0, i + 1); j = index(rest, ":")
		own[substr(rest, 1, j - 1)] = substr(rest, j + 1); next
	}
	{
		n = split($0, f, " ")
		for (i = 7; i <= n && f[i] != "-"; i++) ;
		type = f[i + 1]; split(f[i + 3], o, ",")
		if (type == "cgroup2") { print f[5] "\t" own[""]; next }
		if (type != "cgroup") next
		delete opt; for (k in o) opt[o[k]] = 1
		for (key in own) {
			if (key == "") continue
			m = split(key, c, ","); ok = 1
			for (k = 1; k <= m; k++) if (!(c[k] in opt)) ok = 0
			if (ok) { print f[5] "\t" own[key]; break }
		}
	}' /proc/self/cgroup /proc/self/mountinfo
}

# The container directories below the test's directory (berth: state.json or
# shim.sock; runc: state.json; crun: status).
_leak_state_dirs() {
	[ -d "${BATS_TEST_TMPDIR:-}" ] || return 0
	find "$BATS_TEST_TMPDIR" -maxdepth 4 -path '*/rootfs' -prune -o \
		\( -name state.json -o -name shim.sock -o -name status \) -printf '%h\n' 2>/dev/null |
		sort -u
}

leak_collect() {
	LEAK_CGROUPS=$BATS_TEST_TMPDIR/.leak-cgroups
	LEAK_ROOTFS=$BATS_TEST_TMPDIR/.leak-rootfs
	: > "$LEAK_CGROUPS"
	: > "$LEAK_ROOTFS"
	local d f mount own p cache
	for d in $(_leak_state_dirs); do
		# berth's journal (what create made and the leaves); runc:
		# cgroup_paths; crun: cgroup-path (relative to each hierarchy).
		if [ -f "$d/state.json" ]; then
			jq -r '(.isolators.cgroups // [] | .[] | select(.path != "/") | .mount + .path),
				(.cgroup_paths // {} | .[])' "$d/state.json" 2>/dev/null >> "$LEAK_CGROUPS"
		fi
		if [ -f "$d/status" ]; then
			p=$(jq -r '.["cgroup-path"] // empty' "$d/status" 2>/dev/null)
			if [ -n "$p" ]; then
				while IFS=$'\t' read -r mount own; do echo "$mount/${p#/}"; done < <(_leak_hierarchies) >> "$LEAK_CGROUPS"
			fi
		fi
	done
	# The bundles' cgroupsPath (absolute from each hierarchy, relative below our cgroup)
	# and root.path.
	cache=$(cd "${BERTH_TEST_CACHE}" 2>/dev/null && pwd -P)
	while read -r f; do
		p=$(jq -r '.linux.cgroupsPath // empty' "$f" 2>/dev/null)
		if [ -n "$p" ]; then
			while IFS=$'\t' read -r mount own; do
				if [ "${p:0:1}" = / ]; then echo "$mount$p"; else echo "$mount${own%/}/$p"; fi
			done < <(_leak_hierarchies) >> "$LEAK_CGROUPS"
		fi
		p=$(jq -r '.root.path // empty' "$f" 2>/dev/null)
		[ -n "$p" ] || continue
		[ "${p:0:1}" = / ] || p=$(dirname "$f")/$p
		p=$(realpath -m "$p")
		[ -n "$cache" ] && [ "$p" = "$cache/rootfs" ] && continue
		echo "$p" >> "$LEAK_ROOTFS"
	done < <(find "$BATS_TEST_TMPDIR" -maxdepth 3 -path '*/rootfs' -prune -o -name config.json -print 2>/dev/null)
}

# The tracked ids, one a line.
_leak_ids() {
	[ -f "${_IDS_FILE:-}" ] && awk 'NF && !seen[$0]++' "$_IDS_FILE"
}

_leak_cgroups() {
	local mount own d
	if [ -s "${LEAK_CGROUPS:-}" ]; then
		while read -r d; do
			d=$(realpath -m "$d")
			[ -d "$d" ] && echo "cgroup $d"
		done < <(sort -u "$LEAK_CGROUPS")
	fi
	# Named after an id: the default of runc, crun and berth alike.
	local names=()
	mapfile -t names < <(_leak_ids)
	[ ${#names[@]} -gt 0 ] || return 0
	while IFS=$'\t' read -r mount own; do
		find "$mount" -mindepth 1 -type d -printf '%f\t%p\n' 2>/dev/null
	done < <(_leak_hierarchies) | awk -F'\t' -v names="$(printf '%s\n' "${names[@]}")" '
		BEGIN { n = split(names, a, "\n"); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		($1 in want) { print "cgroup " $2 }'
}

_leak_mounts() {
	local roots=("$BATS_TEST_TMPDIR")
	[ -s "${LEAK_ROOTFS:-}" ] && mapfile -t -O 1 roots < <(sort -u "$LEAK_ROOTFS")
	awk -v roots="$(printf '%s\n' "${roots[@]}")" '
		function unescape(s) {
			gsub(/\\040/, " ", s); gsub(/\\011/, "\t", s); gsub(/\\012/, "\n", s); gsub(/\\134/, "\\", s)
			return s
		}
		BEGIN { n = split(roots, r, "\n") }
		{
			mp = unescape($5)
			for (i = 1; i <= n; i++)
				if (r[i] != "" && (mp == r[i] || index(mp, r[i] "/") == 1)) { print "mount " mp " (" $9 " " unescape($4) ")"; break }
		}' /proc/self/mountinfo
}

_leak_procs() {
	# This process and its ancestors: the test itself may have its cwd in its directory.
	local skip=" " p=$BASHPID
	while [ -n "$p" ] && [ "$p" -gt 1 ]; do
		skip+="$p "
		p=$(awk '/^PPid:/ { print $2 }' "/proc/$p/status" 2>/dev/null)
	done
	skip+="$$ "
	# Patterns in files, so that grep's own command line does not match.
	local pt=$BATS_TEST_TMPDIR/.leak-pat-dir pi=$BATS_TEST_TMPDIR/.leak-pat-ids f pid
	printf '%s\n' "$BATS_TEST_TMPDIR" > "$pt"
	_leak_ids | awk '{ print; print "--id=" $0 }' > "$pi"
	{
		grep -lazF -f "$pt" /proc/[0-9]*/cmdline
		[ -s "$pi" ] && grep -lazxF -f "$pi" /proc/[0-9]*/cmdline
	} 2>/dev/null | sort -u | while read -r f; do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		[[ $skip == *" $pid "* ]] && continue
		echo "process $pid ($(tr '\0' ' ' < "$f" 2>/dev/null | cut -c1-200))"
	done
	# cwd or root below the test's directory.
	find /proc/[0-9]*/cwd /proc/[0-9]*/root -maxdepth 0 -printf '%p\t%l\n' 2>/dev/null |
		awk -F'\t' -v t="$BATS_TEST_TMPDIR" -v skip="$skip" '
			{ split($1, a, "/"); pid = a[3] }
			index(skip, " " pid " ") { next }
			$2 == t || index($2, t "/") == 1 { print "process " pid " (" a[4] " " $2 ")" }'
}

# Everything of this test still there, one "KIND what" a line.
leak_scan() {
	local d
	for d in $(_leak_state_dirs); do echo "state $d"; done
	_leak_cgroups | sort -u
	_leak_mounts
	_leak_procs | sort -u
}

# leak_check -- poll until nothing of the test is left (or LEAK_WAIT s), then fail
# naming what is.
leak_check() {
	[ "${LEAK_CHECK:-1}" = 0 ] && return 0
	[ -n "${BATS_TEST_TMPDIR:-}" ] || return 0
	local found end=$((SECONDS + LEAK_WAIT))
	for (( ; ; )); do
		found=$(leak_scan)
		[ -z "$found" ] && return 0
		[ "$SECONDS" -lt "$end" ] || break
		sleep 0.1
	done
	echo "left behind by this test (issue 10 §4: nothing left behind):" >&2
	echo "$found" | sed 's/^/  /' >&2
	return 1
}

# leak_cleanup -- after a failed leak_check, best effort: kill the leaked processes,
# detach the mounts, remove the cgroups (deepest first), so later tests start clean.
leak_cleanup() {
	local kind what pid
	while read -r kind what _; do
		case $kind in
		process) kill -9 "$what" 2>/dev/null || true ;;
		mount) umount -l "$what" 2>/dev/null || true ;;
		esac
	done < <(leak_scan)
	while read -r kind what; do
		[ "$kind" = cgroup ] || continue
		[ -f "$what/freezer.state" ] && echo THAWED > "$what/freezer.state" 2>/dev/null
		for pid in $(cat "$what/cgroup.procs" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
	done < <(leak_scan)
	leak_scan | awk '$1 == "cgroup" { print length($2) "\t" $2 }' | sort -rn | cut -f2 |
		while read -r what; do rmdir "$what" 2>/dev/null || true; done
}
