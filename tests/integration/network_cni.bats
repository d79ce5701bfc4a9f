#!/usr/bin/env bats
# network_cni.bats -- the network/cni isolator with the real CNI plugins from
# containernetworking-plugins (bridge, host-local, portmap, firewall): containers
# attached with --network, reaching each other and a published port, and nothing of a
# network left after delete, a failed create or a create killed mid-ADD.
# Everything runs inside a network namespace this file makes (unshare --net=FILE, lo up,
# bound on a file of its own, so no /run/netns either): every
# berth command goes through `nsenter --net`, so the plugins' bridge, veths and iptables
# rules are that namespace's, never the host's. Each test has its own bridge, subnet,
# configuration directory and host-local store.

load ../lib/common

PLUGINS=/usr/lib/cni

setup_file() {
	export NETNS=$BATS_FILE_TMPDIR/netns
	touch "$NETNS"
	unshare --net="$NETNS" ip link set lo up 2>/dev/null || rm -f "$NETNS"
}

teardown_file() {
	umount "$NETNS" 2>/dev/null || true
}

# berth inside the test's network namespace (what the plugins run in)
nb() { nsenter --net="$NETNS" "$BERTH_BIN" --root "$ROOT" "$@"; }
in_ns() { nsenter --net="$NETNS" "$@"; }

setup() {
	require_cmd ip nsenter unshare iptables jq
	local p
	for p in bridge host-local portmap firewall; do
		[ -x "$PLUGINS/$p" ] || skip "no CNI plugin $PLUGINS/$p (containernetworking-plugins)"
	done
	[ -e "$NETNS" ] || skip "cannot make a network namespace (unshare --net=FILE)"
	common_setup
	CONF=$BATS_TEST_TMPDIR/net.d IPAM=$BATS_TEST_TMPDIR/ipam
	mkdir -p "$CONF"
	# one bridge and subnet per test: tests never share a network
	BR=bcni$BATS_TEST_NUMBER SUBNET=10.215.$BATS_TEST_NUMBER
	write_conf tnet
	make_bundle sleep 1000 >/dev/null
}

teardown() {
	local id
	# deleted in the namespace their networks are in, before the common checks
	if [ -f "${_IDS_FILE:-}" ]; then
		while read -r id; do
			[ -d "$ROOT/$id" ] && timeout 30 nsenter --net="$NETNS" "$BERTH_BIN" --root "$ROOT" delete --force "$id" >/dev/null 2>&1
		done < <(tac "$_IDS_FILE")
	fi
	common_teardown
}

# write_conf NAME [EXTRA-PLUGIN-JSON...] -- a conflist NAME: bridge + host-local, portmap,
# firewall, then the extra plugins
write_conf() {
	local name=$1 extra=
	shift
	for p in "$@"; do extra+=", $p"; done
	cat > "$CONF/10-$name.conflist" <<-EOF
		{"cniVersion": "1.0.0", "name": "$name", "plugins": [
		  {"type": "bridge", "bridge": "$BR", "isGateway": true, "ipMasq": false,
		   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$SUBNET.0/24"}]], "dataDir": "$IPAM"}},
		  {"type": "portmap", "capabilities": {"portMappings": true}},
		  {"type": "firewall", "backend": "iptables"}$extra
		]}
	EOF
}

# what the networks of this test hold: allocated IPs, veths, nat rules naming a container
ips_held() { find "$IPAM" -type f -name "$SUBNET.*" 2>/dev/null | wc -l; }
veths() { in_ns ip -o link show type veth | wc -l; }
nat_rules_naming() { in_ns iptables -t nat -S | grep -cF -- "$1" || true; }  # ids are unique

# assert_no_network_left ID... -- no IP, veth, port rule, netns mount or state of them
assert_no_network_left() {
	local id
	[ "$(ips_held)" -eq 0 ] || { echo "IPs still held: $(find "$IPAM" -type f -name "$SUBNET.*")" >&2; return 1; }
	[ "$(veths)" -eq 0 ] || { echo "veths left: $(in_ns ip -o link show type veth)" >&2; return 1; }
	for id in "$@"; do
		[ "$(nat_rules_naming "$id")" -eq 0 ] || { echo "nat rules of $id left" >&2; return 1; }
		! grep -q " $ROOT/$id/netns " /proc/self/mountinfo || { echo "netns mount of $id left" >&2; return 1; }
		[ ! -e "$ROOT/$id" ] || { echo "state of $id left" >&2; return 1; }
	done
}

@test "network_cni: two containers on one bridge reach each other by IP; inspect-network shows them" {
	local a b ipa ipb
	a=$(new_id) b=$(new_id)
	nb run -d -b "$BUNDLE" --network tnet --cni-conf-dir "$CONF" "$a" </dev/null
	nb run -d -b "$BUNDLE" --network tnet --cni-conf-dir "$CONF" "$b" </dev/null
	run nb inspect-network "$a"
	assert_success
	echo "$output"
	[ "$(jq -r '.networks[0].name' <<<"$output")" = tnet ]
	[ "$(jq -r '.networks[0].interface' <<<"$output")" = eth0 ]
	ipa=$(jq -r '.networks[0].ips[0]' <<<"$output")
	ipa=${ipa%/*}
	[[ $ipa == "$SUBNET".* ]]
	ipb=$(nb inspect-network "$b" | jq -r '.networks[0].ips[0]')
	ipb=${ipb%/*}
	[ "$ipa" != "$ipb" ]
	# berth state shows the same, without the results
	run nb state "$a"
	assert_success
	[ "$(jq -r '.network[0].ips[0]' <<<"$output")" = "$ipa/24" ]
	[ "$(jq -r '.network[0].interface' <<<"$output")" = eth0 ]
	[ "$(jq -r '.network[0] | has("result")' <<<"$output")" = false ]
	# the container's own eth0 has the address the result names
	run nb exec "$a" ip -o -4 addr show eth0
	assert_output_contains "$ipa/24"
	# a server in a, a client in b
	nb exec -d "$a" sh -c 'echo from-a | nc -l -p 7000'
	local i
	for i in $(seq 100); do nb exec "$a" netstat -ltn 2>/dev/null | grep -q ':7000 ' && break; sleep 0.05; done
	run nb exec "$b" sh -c "nc $ipa 7000 </dev/null"
	assert_success
	[ "$output" = from-a ]
	[ "$(ips_held)" -eq 2 ]
	nb delete -f "$a"
	nb delete -f "$b"
	assert_no_network_left "$a" "$b"
}

@test "network_cni: --publish maps a host port to a server in the container (portmap); delete removes the rules" {
	local id gw
	id=$(new_id)
	nb run -d -b "$BUNDLE" --network tnet -p 18080:80 --cni-conf-dir "$CONF" "$id" </dev/null
	[ "$(nat_rules_naming "$id")" -gt 0 ]
	run nb inspect-network "$id"
	[ "$(jq -c '.networks[0].portMappings' <<<"$output")" = '[{"hostPort":18080,"containerPort":80,"protocol":"tcp"}]' ]
	nb exec -d "$id" sh -c 'echo published | nc -l -p 80'
	local i
	for i in $(seq 100); do nb exec "$id" netstat -ltn 2>/dev/null | grep -q ':80 ' && break; sleep 0.05; done
	# from the namespace's own side: the bridge's address, the host port
	gw=$SUBNET.1
	run in_ns busybox nc "$gw" 18080 </dev/null
	assert_success
	[ "$output" = published ]
	nb delete -f "$id"
	assert_no_network_left "$id"
}

@test "network_cni: a network's DEL works from the cached configuration and result, after both are gone from where they came" {
	local id
	id=$(new_id)
	nb run -d -b "$BUNDLE" --network tnet --cni-conf-dir "$CONF" "$id" </dev/null
	[ -s "$ROOT/$id/cni/eth0.conf" ]
	[ -s "$ROOT/$id/cni/eth0.result" ]
	# the configuration directory emptied, as after an admin's change
	rm -f "$CONF"/*
	nb delete -f "$id"
	assert_no_network_left "$id"
	# delete again: nothing to do, no error (idempotent)
	run nb delete -f "$id"
	assert_success
}

@test "network_cni: a broken configuration or plugin is an error naming it, and create leaves nothing" {
	local id
	id=$(new_id)
	# a plugin that does not exist
	write_conf nope '{"type": "no-such-plugin"}'
	runq nb create -b "$BUNDLE" --network nope --cni-conf-dir "$CONF" "$id"
	assert_failure
	assert_output_contains 'no plugin \"no-such-plugin\" in /usr/lib/cni'
	assert_output_contains "10-nope.conflist"
	# a plugin type that would leave the plugin directories
	write_conf esc '{"type": "../../bin/sh"}'
	runq nb create -b "$BUNDLE" --network esc --cni-conf-dir "$CONF" "$id"
	assert_failure
	assert_output_contains "not a program name"
	# a configuration that is not JSON
	echo '{"cniVersion": "1.0.0", "name": "bad", "plugins": [' > "$CONF/20-bad.conflist"
	runq nb create -b "$BUNDLE" --network bad --cni-conf-dir "$CONF" "$id"
	assert_failure
	# a network that does not exist: the known ones are named
	runq nb create -b "$BUNDLE" --network absent --cni-conf-dir "$CONF" "$id"
	assert_failure
	assert_output_contains 'no CNI network named \"absent\"'
	assert_output_contains "tnet"
	# a plugin that fails its ADD (an impossible subnet): named, with its own message
	cat > "$CONF/30-fails.conflist" <<-EOF
		{"cniVersion": "1.0.0", "name": "fails", "plugins": [
		  {"type": "bridge", "bridge": "$BR", "ipam": {"type": "host-local", "ranges": [[{"subnet": "10.1.0.0/33"}]], "dataDir": "$IPAM"}}]}
	EOF
	runq nb create -b "$BUNDLE" --network fails --cni-conf-dir "$CONF" "$id"
	assert_failure
	echo "$output"
	assert_output_contains "CNI network fails"
	assert_output_contains "plugin bridge, ADD"
	assert_no_network_left "$id"
	[ -z "$(ls -A "$ROOT")" ]
	# --publish without a network, a bad port: refused by the command line
	runq nb create -b "$BUNDLE" -p 80:80 "$id"
	assert_failure
	assert_output_contains "--publish needs a network"
	runq nb create -b "$BUNDLE" --network tnet -p 0:80 --cni-conf-dir "$CONF" "$id"
	assert_failure
	assert_output_contains "--publish 0:80"
	[ -z "$(ls -A "$ROOT")" ]
}

@test "network_cni: a config that joins a network namespace by path (an engine's) refuses networks; without them nothing runs" {
	local id
	id=$(new_id)
	jq_config '(.linux.namespaces[] | select(.type == "network")) .path = $p' --arg p "$NETNS"
	runq nb create -b "$BUNDLE" --network tnet --cni-conf-dir "$CONF" "$id"
	assert_failure
	assert_output_contains "whose networks are its maker's"
	# without --network the isolator is not even made: the namespace is joined as is
	nb create -b "$BUNDLE" "$id" </dev/null
	[ ! -e "$ROOT/$id/cni" ]
	nb delete -f "$id"
}

@test "network_cni: the caller killed mid-ADD; delete --force leaves no veth, IP, rule or mount" {
	local id cli i
	# A plugin after the bridge that blocks its ADD until told, so the kill lands after
	# the bridge's ADD (a veth and an IP made, no result cached): a marker says it is there.
	local bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	cat > "$bin/blocker" <<-EOF
		#!/bin/sh
		if [ "\$CNI_COMMAND" = ADD ]; then
		  touch "$BATS_TEST_TMPDIR/in-add"
		  while :; do sleep 1; done
		fi
		cat >/dev/null
		echo '{"cniVersion": "1.0.0"}'
	EOF
	chmod +x "$bin/blocker"
	write_conf tnet '{"type": "blocker"}'
	id=$(new_id)
	nsenter --net="$NETNS" "$BERTH_BIN" --root "$ROOT" run -d -b "$BUNDLE" --network tnet \
		--cni-conf-dir "$CONF" --cni-bin-dir "$bin:$PLUGINS" "$id" </dev/null >/dev/null 2>&1 3>&- &
	cli=$!
	for i in $(seq 200); do [ -e "$BATS_TEST_TMPDIR/in-add" ] && break; sleep 0.05; done
	[ -e "$BATS_TEST_TMPDIR/in-add" ]
	[ "$(ips_held)" -eq 1 ]
	[ "$(veths)" -eq 1 ]
	kill -9 "$cli"
	wait "$cli" || true
	# the blocked plugin died with its caller
	for i in $(seq 100); do pgrep -f "$bin/blocker" >/dev/null || break; sleep 0.05; done
	! pgrep -f "$bin/blocker" >/dev/null
	run nb delete --force "$id"
	assert_success
	assert_no_network_left "$id"
}

@test "network_cni: a DEL that cannot succeed keeps the container for another delete; delete --force lets it go, naming what is left" {
	local id bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	# a chained plugin whose ADD passes its prevResult on and whose DEL always fails
	cat > "$bin/faildel" <<-'EOF'
		#!/bin/sh
		case "$CNI_COMMAND" in
		ADD) jq -c '.prevResult' ;;
		DEL) cat >/dev/null; echo '{"cniVersion": "1.0.0", "code": 11, "msg": "faildel cannot undo"}'; exit 1 ;;
		*) cat >/dev/null ;;
		esac
	EOF
	chmod +x "$bin/faildel"
	write_conf tnet '{"type": "faildel"}'
	id=$(new_id)
	nb run -d -b "$BUNDLE" --network tnet --cni-conf-dir "$CONF" --cni-bin-dir "$bin:$PLUGINS" "$id" </dev/null
	local ip
	ip=$(nb inspect-network "$id" | jq -r '.networks[0].ips[0]')
	[[ $ip == "$SUBNET".* ]]
	nb kill "$id" KILL
	wait_status nb "$id" stopped
	# a plain delete fails naming the plugin and its message, and keeps the container
	# (its cached configuration and result) for another try
	local try
	for try in 1 2; do
		runq nb delete "$id"
		echo "$output"
		assert_failure
		assert_output_contains "plugin faildel, DEL"
		assert_output_contains "faildel cannot undo"
		[ -s "$ROOT/$id/cni/eth0.result" ]
	done
	# the namespace went at the first try all the same: its processes are gone
	! grep -q " $ROOT/$id/netns " /proc/self/mountinfo
	runq nb delete --force "$id"
	echo "$output"
	assert_success
	assert_output_contains "deleted anyway (--force)"
	assert_output_contains "network tnet (eth0 $ip)"
	[ ! -e "$ROOT/$id" ]
	# what the warning names is indeed left: the bridge's DEL never ran (the chain
	# stops at the failing plugin); this test's own store is cleaned by hand
	[ "$(ips_held)" -eq 1 ]
	rm -f "$IPAM"/*/"$SUBNET".*
	assert_no_network_left "$id"
}

@test "network_cni: --ip, --mac-address, and ipRanges and bandwidth from run.berth.cni.capabilityArgs reach the plugins that declare them" {
	in_ns ip link add bw-probe type ifb 2>/dev/null || skip "no ifb devices in this kernel (the bandwidth plugin needs them)"
	in_ns ip link del bw-probe
	[ -x "$PLUGINS/tuning" ] && [ -x "$PLUGINS/bandwidth" ] || skip "no tuning or bandwidth plugin"
	cat > "$CONF/10-caps.conflist" <<-EOF
		{"cniVersion": "1.0.0", "name": "caps", "plugins": [
		  {"type": "bridge", "bridge": "$BR",
		   "capabilities": {"ips": true, "ipRanges": true},
		   "ipam": {"type": "host-local", "ranges": [[{"subnet": "$SUBNET.0/25"}]], "dataDir": "$IPAM"}},
		  {"type": "tuning", "capabilities": {"mac": true}},
		  {"type": "bandwidth", "capabilities": {"bandwidth": true}}
		]}
	EOF
	local a b
	a=$(new_id) b=$(new_id)
	nb run -d -b "$BUNDLE" --network caps --ip "$SUBNET.77" --mac-address 02:42:0a:d7:00:77 \
		--cni-conf-dir "$CONF" "$a" </dev/null
	run nb exec "$a" ip -o -4 addr show eth0
	echo "$output"
	assert_output_contains "$SUBNET.77/25"
	run nb exec "$a" cat /sys/class/net/eth0/address
	[ "$output" = 02:42:0a:d7:00:77 ]
	[ -e "$IPAM/caps/$SUBNET.77" ]
	# no bandwidth asked: no shaping
	[ "$(in_ns ip -o link show type ifb | wc -l)" -eq 0 ]
	# b: a range set of its own besides the configuration's (host-local gives an address
	# in each), and its rates, through the annotation
	jq_config '.annotations["run.berth.cni.capabilityArgs"] = $c' --arg c \
		"{\"ipRanges\": [[{\"subnet\": \"$SUBNET.128/25\"}]], \"bandwidth\": {\"ingressRate\": 1000000, \"ingressBurst\": 65536, \"egressRate\": 2000000, \"egressBurst\": 65536}}"
	nb run -d -b "$BUNDLE" --network caps --cni-conf-dir "$CONF" "$b" </dev/null
	local veth
	run nb inspect-network "$b"
	echo "$output"
	[ "$(jq '[.networks[0].ips[] | select(endswith("/25")) | split("/")[0] | split(".")[3] | tonumber | select(. > 128)] | length' <<<"$output")" -eq 1 ]
	# the container's ingress is shaped on its host veth, its egress on an ifb device
	veth=$(nb inspect-network "$b" | jq -r '.networks[0].result.interfaces[] | select(.sandbox == null and (.name | startswith("veth"))) | .name')
	run in_ns tc qdisc show dev "$veth"
	echo "$output"
	assert_output_contains "tbf"
	assert_output_contains "rate 1Mbit"
	[ "$(in_ns ip -o link show type ifb | wc -l)" -eq 1 ]
	run in_ns tc qdisc show dev "$(in_ns ip -o link show type ifb | awk -F': ' '{print $2; exit}')"
	assert_output_contains "rate 2Mbit"
	# --ip and --mac-address need a network, and a well-formed value
	runq nb create -b "$BUNDLE" --ip "$SUBNET.9" "$(new_id)"
	assert_failure
	assert_output_contains "--ip needs a network"
	runq nb create -b "$BUNDLE" --network caps --ip 10.1.2.300 --cni-conf-dir "$CONF" "$(new_id)"
	assert_failure
	assert_output_contains "--ip 10.1.2.300: not an IPv4 or IPv6 address"
	runq nb create -b "$BUNDLE" --network caps --mac-address 01:00:5e:00:00:01 --cni-conf-dir "$CONF" "$(new_id)"
	assert_failure
	assert_output_contains "a multicast address"
	nb delete -f "$a"
	nb delete -f "$b"
	[ "$(in_ns ip -o link show type ifb | wc -l)" -eq 0 ]
	assert_no_network_left "$a" "$b"
}

@test "network_cni: 50 containers created and deleted in a loop leak nothing" {
	local i id before
	before=$(mount_count)
	for i in $(seq 50); do
		id=$(new_id)
		nb create -b "$BUNDLE" --network tnet -p $((20000 + i)):80 --cni-conf-dir "$CONF" "$id" </dev/null
		nb delete -f "$id"
	done
	assert_no_network_left "$id"
	[ "$(in_ns iptables -t nat -S | grep -c 'dnat name')" -eq 0 ]
	[ "$(mount_count)" -eq "$before" ]
}

@test "network_cni: inspect-network --check runs CHECK from the cached result and names what is broken; --status runs STATUS where a plugin speaks CNI 1.1" {
	local id want p
	id=$(new_id)
	nb run -d -b "$BUNDLE" --network tnet --cni-conf-dir "$CONF" "$id" </dev/null
	run nb inspect-network --check "$id"
	assert_success
	[ "$(jq -c .checked <<<"$output")" = '["tnet"]' ]
	# STATUS only where VERSION says 1.1.0; the others are named
	want=
	for p in bridge portmap firewall; do
		echo '{"cniVersion":"1.0.0"}' | CNI_COMMAND=VERSION "$PLUGINS/$p" | jq -e '.supportedVersions | index("1.1.0")' >/dev/null ||
			want+="${want:+,}\"$p\""
	done
	run nb inspect-network --status "$id"
	assert_success
	[ "$(jq -c '.status[0].withoutStatus' <<<"$output")" = "[$want]" ]
	# the container's interface gone behind the plugins' back: CHECK says so, naming the plugin
	nsenter --net="$ROOT/$id/netns" ip link del eth0
	runq nb inspect-network --check "$id"
	assert_failure
	assert_output_contains "CNI network tnet"
	assert_output_contains "plugin bridge, CHECK"
	nb delete -f "$id"
	assert_no_network_left "$id"
}

@test "network_cni: a second container joins the first's network namespace by its path (a pod) and reaches it on localhost" {
	local a b
	a=$(new_id) b=$(new_id)
	nb run -d -b "$BUNDLE" --network tnet --cni-conf-dir "$CONF" "$a" </dev/null
	nb exec -d "$a" sh -c 'echo same-pod | nc -l -p 7001'
	local i
	for i in $(seq 100); do nb exec "$a" netstat -ltn 2>/dev/null | grep -q ':7001 ' && break; sleep 0.05; done
	jq_config '(.linux.namespaces[] | select(.type == "network")) .path = $p | .process.args = ["sh", "-c", "nc 127.0.0.1 7001 </dev/null"]' \
		--arg p "$ROOT/$a/netns"
	run nb run -b "$BUNDLE" "$b"
	assert_success
	[ "$output" = same-pod ]
	# the pod's member made no network of its own
	[ "$(ips_held)" -eq 1 ]
	nb delete -f "$a"
	assert_no_network_left "$a" "$b"
}

@test "network_cni: run.berth.cni.etcFiles: /etc/hosts, /etc/resolv.conf and /etc/hostname from the ADD result" {
	local id ip
	id=$(new_id)
	# the bridge plugin passes its configuration's dns on in its result
	jq '.plugins[0].dns = {"nameservers": ["10.215.99.53"], "search": ["pod.test"], "options": ["ndots:2"]}' \
		"$CONF/10-tnet.conflist" > "$CONF/x" && mv "$CONF/x" "$CONF/10-tnet.conflist"
	jq_config '.annotations["run.berth.cni.etcFiles"] = "true" | .hostname = "web1"'
	nb run -d -b "$BUNDLE" --network tnet --cni-conf-dir "$CONF" "$id" </dev/null
	ip=$(nb inspect-network "$id" | jq -r '.networks[0].ips[0]')
	ip=${ip%/*}
	run nb exec "$id" cat /etc/hosts
	assert_output_contains "127.0.0.1	localhost"
	assert_output_contains "$ip	web1"
	run nb exec "$id" cat /etc/resolv.conf
	[ "$output" = $'nameserver 10.215.99.53\nsearch pod.test\noptions ndots:2' ]
	run nb exec "$id" cat /etc/hostname
	[ "$output" = web1 ]
	# the rootfs's own files are untouched
	local rootfs
	rootfs=$(jq -r .root.path "$BUNDLE/config.json")
	[[ $rootfs == /* ]] || rootfs=$BUNDLE/$rootfs
	[ -d "$rootfs/etc" ]
	! grep -qs web1 "$rootfs/etc/hosts" "$rootfs/etc/hostname"
	nb delete -f "$id"
	assert_no_network_left "$id"
	# a value other than true/false is refused, naming the annotation
	jq_config '.annotations["run.berth.cni.etcFiles"] = "yes"'
	runq nb create -b "$BUNDLE" --network tnet --cni-conf-dir "$CONF" "$id"
	assert_failure
	assert_output_contains "run.berth.cni.etcFiles"
	[ -z "$(ls -A "$ROOT")" ]
}

@test "network_cni: a container made in one network namespace and deleted from another: DEL runs where ADD ran" {
	local id host_nat
	id=$(new_id)
	host_nat=$(iptables -t nat -S 2>&1)
	nb run -d -b "$BUNDLE" --network tnet -p 18081:80 --cni-conf-dir "$CONF" "$id" </dev/null
	[ "$(nat_rules_naming "$id")" -gt 0 ]
	# delete from this (the host's) namespace: the plugins still run in the create's
	"$BERTH_BIN" --root "$ROOT" delete -f "$id"
	assert_no_network_left "$id"
	[ "$(iptables -t nat -S 2>&1)" = "$host_nat" ]
}

@test "network_cni: a plugin that hangs (its stdout closed, never exiting) is killed after run.berth.cni.pluginTimeout; create fails naming it and leaves nothing" {
	local id bin=$BATS_TEST_TMPDIR/bin
	mkdir -p "$bin"
	cat > "$bin/stuck" <<-'EOF2'
		#!/bin/sh
		if [ "$CNI_COMMAND" = ADD ]; then
		  exec >&- 2>&-
		  while :; do sleep 1; done
		fi
		cat >/dev/null
		echo '{"cniVersion": "1.0.0"}'
	EOF2
	chmod +x "$bin/stuck"
	write_conf tnet '{"type": "stuck"}'
	jq_config '.annotations["run.berth.cni.pluginTimeout"] = "2"'
	id=$(new_id)
	runq nb create -b "$BUNDLE" --network tnet --cni-conf-dir "$CONF" --cni-bin-dir "$bin:$PLUGINS" "$id"
	assert_failure
	assert_output_contains "plugin stuck, ADD"
	assert_output_contains "did not finish within 2s"
	assert_no_network_left "$id"
	[ -z "$(ls -A "$ROOT")" ]
	jq_config '.annotations["run.berth.cni.pluginTimeout"] = "0"'
	runq nb create -b "$BUNDLE" --network tnet --cni-conf-dir "$CONF" "$id"
	assert_failure
	assert_output_contains "run.berth.cni.pluginTimeout"
}
