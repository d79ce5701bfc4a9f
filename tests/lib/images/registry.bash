# registry.bash -- a real OCI distribution registry on loopback for berth's image tests.
#
#   load ../lib/images/registry          # from a bats file; or `source` it from bash
#   setup_file()    { registry_start --tls --auth basic; }
#   teardown_file() { registry_stop; }
#
# registry_start [--tls] [--auth none|basic|token]
#   Runs Debian's `docker-registry serve CONFIG` (distribution 2.8) on 127.0.0.1 on a
#   free port (picked afresh when another process wins the bind race), with filesystem
#   storage in a private dir made under $REGISTRY_DIR, else $BATS_FILE_TMPDIR, else
#   $TMPDIR or /tmp, and waits (bounded) until it answers /v2/. Every auth mode works
#   with and without --tls. With --tls the registry (and the token server) serve HTTPS
#   with a fresh self-signed certificate for IP:127.0.0.1 and DNS:localhost.
#   --auth basic: htpasswd (bcrypt) with one user. --auth token: the registry sends
#   clients to token_server.py (beside this file), which grants everything to that user
#   (HTTP basic credentials on the token request) and, anonymously, `pull` on
#   repositories whose name starts with "public/" and nothing else.
#   Exports:
#     REGISTRY            127.0.0.1:PORT
#     REGISTRY_URL        http://127.0.0.1:PORT or https://...
#     REGISTRY_PID        the registry process
#     REGISTRY_TLS        1 or 0
#     REGISTRY_AUTH       none, basic or token
#     REGISTRY_STATE_DIR  the private dir (config, storage/, certs, logs); removed by stop
#     REGISTRY_LOG        the registry's log
#     REGISTRY_CA         (--tls) PEM of the self-signed certificate, the only CA to trust
#     REGISTRY_CERT_DIR   (--tls) a dir holding just ca.crt, for skopeo --*-cert-dir
#     REGISTRY_USER, REGISTRY_PASSWORD   (basic, token) the one account
#     REGISTRY_AUTH_FILE  (basic, token) {"auths": {"127.0.0.1:PORT": {"auth": base64(user:pass)}}},
#                         the containers-auth.json format; skopeo and podman also read
#                         this variable as their default --authfile
#     TOKEN_SERVER_URL, TOKEN_SERVER_PID, TOKEN_SERVER_LOG   (token) the issuer; its
#                         realm is $TOKEN_SERVER_URL/token
#     REGISTRY_TOKEN_SERVICE, REGISTRY_TOKEN_ISSUER          (token) service and issuer
#   Variables of a previous registry are unset first; one registry at a time per shell.
#
# registry_stop
#   Stops the registry and the token server (TERM, bounded wait, then KILL), removes
#   REGISTRY_STATE_DIR and unsets the variables. Safe to call when nothing runs.
#
# registry_skopeo_args [--dest|--src|--plain] [--anonymous]
#   Prints, one per line, the skopeo flags for the running registry: TLS verification
#   (with the cert dir) and credentials (the auth file), prefixed for the destination
#   (default, `skopeo copy ... docker://$REGISTRY/...`), the source, or unprefixed
#   (--plain, for `skopeo inspect`). --anonymous asks for no credentials at all
#   (--*-no-creds), which also keeps skopeo off $REGISTRY_AUTH_FILE. Use as
#     mapfile -t args < <(registry_skopeo_args --src)
#     skopeo copy "${args[@]}" "docker://$REGISTRY/multi:latest" "oci:$dir:latest"
#
# Needs: docker-registry, openssl, curl, python3 (its crypt module makes the bcrypt
# htpasswd line; python3-bcrypt is the fallback where crypt is gone, Python >= 3.13).
# Settings: REGISTRY_PYTHON (default /usr/bin/python3, Debian's, when it exists, else
# python3), REGISTRY_START_TIMEOUT (seconds to wait for each server, default 20),
# REGISTRY_DIR (see above), TOKEN_SERVER_EXPIRES (token lifetime in seconds, default
# 300; make it short to test a puller's token renewal).
#
# Trap: docker-registry reads every REGISTRY_* environment variable as a config
# override (REGISTRY_LOG would replace the log: section), so registry_start runs it
# with all of them removed; do the same when starting one by hand from a test.

_REGISTRY_LIB=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [ -z "${REGISTRY_PYTHON:-}" ]; then
	REGISTRY_PYTHON=python3
	[ -x /usr/bin/python3 ] && REGISTRY_PYTHON=/usr/bin/python3
fi

_REGISTRY_VARS=(REGISTRY REGISTRY_URL REGISTRY_PID REGISTRY_TLS REGISTRY_AUTH REGISTRY_STATE_DIR
	REGISTRY_LOG REGISTRY_CA REGISTRY_CERT_DIR REGISTRY_USER REGISTRY_PASSWORD REGISTRY_AUTH_FILE
	TOKEN_SERVER_URL TOKEN_SERVER_PID TOKEN_SERVER_LOG REGISTRY_TOKEN_SERVICE REGISTRY_TOKEN_ISSUER)

registry_start() {
	local tls=0 auth=none
	while [ $# -gt 0 ]; do
		case $1 in
		--tls) tls=1; shift ;;
		--auth) auth=${2:-}; shift 2 || { echo "registry_start: --auth needs a value" >&2; return 2; } ;;
		--auth=*) auth=${1#--auth=}; shift ;;
		*) echo "registry_start: unknown argument '$1'" >&2; return 2 ;;
		esac
	done
	case $auth in
	none | basic | token) ;;
	*) echo "registry_start: --auth must be none, basic or token, not '$auth'" >&2; return 2 ;;
	esac
	if [ -n "${REGISTRY_PID:-}" ] && kill -0 "$REGISTRY_PID" 2>/dev/null; then
		echo "registry_start: a registry is already running (pid $REGISTRY_PID); registry_stop first" >&2
		return 1
	fi
	unset "${_REGISTRY_VARS[@]}"

	local base=${REGISTRY_DIR:-${BATS_FILE_TMPDIR:-${TMPDIR:-/tmp}}} state
	mkdir -p "$base" && state=$(mktemp -d "$base/registry.XXXXXX") || return 1
	export REGISTRY_STATE_DIR=$state REGISTRY_TLS=$tls REGISTRY_AUTH=$auth
	export REGISTRY_LOG=$state/registry.log
	mkdir -p "$state/storage" "$state/private"
	chmod 700 "$state/private"

	local scheme=http
	if [ "$tls" = 1 ]; then
		scheme=https
		mkdir -p "$state/certs"
		_registry_openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
			-subj /CN=berth-test-registry \
			-addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
			-addext "basicConstraints=critical,CA:TRUE" \
			-addext "keyUsage=critical,digitalSignature,keyCertSign" \
			-addext "extendedKeyUsage=serverAuth" \
			-keyout "$state/private/tls.key" -out "$state/certs/ca.crt" || { registry_stop; return 1; }
		export REGISTRY_CA=$state/certs/ca.crt REGISTRY_CERT_DIR=$state/certs
	fi

	if [ "$auth" != none ]; then
		export REGISTRY_USER=berth
		REGISTRY_PASSWORD=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
		export REGISTRY_PASSWORD
	fi
	if [ "$auth" = basic ]; then
		_registry_htpasswd "$REGISTRY_USER" "$REGISTRY_PASSWORD" > "$state/private/htpasswd" ||
			{ registry_stop; return 1; }
	fi
	if [ "$auth" = token ]; then
		_registry_start_token_server "$scheme" || { registry_stop; return 1; }
	fi

	local attempt port rc name unset_env=()
	for name in $(compgen -e); do
		[[ $name == REGISTRY_* ]] && unset_env+=(-u "$name")
	done
	unset_env+=(-u REGISTRY_LOG -u REGISTRY_PID)  # exported below, before it starts
	for attempt in 1 2 3 4 5; do
		port=$(_registry_free_port) || { registry_stop; return 1; }
		_registry_write_config "$port" > "$state/config.yml"
		# The registry reads every REGISTRY_* variable as a config override (REGISTRY_LOG
		# would replace the log section): start it without any.
		env "${unset_env[@]}" docker-registry serve "$state/config.yml" \
			</dev/null >"$REGISTRY_LOG" 2>&1 3>&- &
		export REGISTRY_PID=$!
		echo "$REGISTRY_PID" > "$state/registry.pid"
		export REGISTRY=127.0.0.1:$port REGISTRY_URL=$scheme://127.0.0.1:$port
		rc=0
		_registry_wait_ready || rc=$?
		[ "$rc" = 0 ] && break
		_registry_kill "$REGISTRY_PID"
		if [ "$rc" = 2 ] && grep -q 'address already in use' "$REGISTRY_LOG"; then
			echo "registry_start: port $port taken (attempt $attempt), picking another" >&2
			continue
		fi
		echo "registry_start: the registry did not come up; its log:" >&2
		cat "$REGISTRY_LOG" >&2
		registry_stop
		return 1
	done
	if [ "$rc" != 0 ]; then
		echo "registry_start: no free port after $attempt attempts" >&2
		registry_stop
		return 1
	fi

	if [ "$auth" != none ]; then
		export REGISTRY_AUTH_FILE=$state/private/auth.json
		printf '{"auths": {"%s": {"auth": "%s"}}}\n' "$REGISTRY" \
			"$(printf '%s:%s' "$REGISTRY_USER" "$REGISTRY_PASSWORD" | base64 -w0)" > "$REGISTRY_AUTH_FILE"
	fi
}

registry_stop() {
	[ -n "${TOKEN_SERVER_PID:-}" ] && _registry_kill "$TOKEN_SERVER_PID"
	[ -n "${REGISTRY_PID:-}" ] && _registry_kill "$REGISTRY_PID"
	if [ -n "${REGISTRY_STATE_DIR:-}" ] && [ -d "$REGISTRY_STATE_DIR" ]; then
		rm -rf "$REGISTRY_STATE_DIR"
	fi
	unset "${_REGISTRY_VARS[@]}"
	return 0
}

registry_skopeo_args() {
	local prefix=--dest- anonymous=0
	while [ $# -gt 0 ]; do
		case $1 in
		--dest) prefix=--dest- ;;
		--src) prefix=--src- ;;
		--plain) prefix=-- ;;
		--anonymous) anonymous=1 ;;
		*) echo "registry_skopeo_args: unknown argument '$1'" >&2; return 2 ;;
		esac
		shift
	done
	if [ -z "${REGISTRY:-}" ]; then
		echo "registry_skopeo_args: no registry (registry_start first)" >&2
		return 1
	fi
	if [ "${REGISTRY_TLS:-0}" = 1 ]; then
		printf '%s\n' "${prefix}tls-verify=true" "${prefix}cert-dir=$REGISTRY_CERT_DIR"
	else
		printf '%s\n' "${prefix}tls-verify=false"
	fi
	if [ "$anonymous" = 1 ]; then
		printf '%s\n' "${prefix}no-creds"
	elif [ -n "${REGISTRY_AUTH_FILE:-}" ]; then
		printf '%s\n' "${prefix}authfile=$REGISTRY_AUTH_FILE"
	fi
}

# ---- internals ----------------------------------------------------------------------

# openssl with its chatter kept unless it fails.
_registry_openssl() {
	local out rc=0
	out=$(openssl "$@" 2>&1) || rc=$?
	[ "$rc" = 0 ] || printf 'openssl %s failed:\n%s\n' "$1" "$out" >&2
	return "$rc"
}

# _registry_htpasswd USER PASSWORD -- one htpasswd line with a bcrypt hash (cost 5:
# the registry checks it on every request). The password goes through stdin.
_registry_htpasswd() {
	# shellcheck disable=SC2016  # python source, not shell
	printf '%s' "$2" | "$REGISTRY_PYTHON" -W ignore -c '
import sys
pw = sys.stdin.read()
try:
    import crypt
    h = crypt.crypt(pw, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=32))
    if not h or not h.startswith("$2"):
        raise ImportError("no bcrypt in crypt(3)")
except ImportError:
    import bcrypt
    h = bcrypt.hashpw(pw.encode(), bcrypt.gensalt(5)).decode()
print(sys.argv[1] + ":" + h)
' "$1"
}

_registry_free_port() {
	"$REGISTRY_PYTHON" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# The time now in integer microseconds (from EPOCHREALTIME), for bounded waits.
_registry_now_us() { local t=${EPOCHREALTIME/[.,]/}; echo "$((10#$t))"; }

# Waits for the registry to answer /v2/ (200, or 401 with auth). Returns 2 when the
# process died, 1 on timeout.
_registry_wait_ready() {
	local deadline code curl_tls=()
	deadline=$(($(_registry_now_us) + ${REGISTRY_START_TIMEOUT:-20} * 1000000))
	[ "$REGISTRY_TLS" = 1 ] && curl_tls=(--cacert "$REGISTRY_CA")
	while :; do
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${curl_tls[@]}" "$REGISTRY_URL/v2/" 2>/dev/null) || code=
		case $code in 200 | 401) return 0 ;; esac
		kill -0 "$REGISTRY_PID" 2>/dev/null || return 2
		[ "$(_registry_now_us)" -lt "$deadline" ] || return 1
		sleep 0.02
	done
}

_registry_start_token_server() {
	local scheme=$1 state=$REGISTRY_STATE_DIR
	local key=$state/private/token.key portfile=$state/token.port tls_args=()
	export REGISTRY_TOKEN_SERVICE=berth-registry REGISTRY_TOKEN_ISSUER=berth-token-issuer
	export TOKEN_SERVER_LOG=$state/token.log
	_registry_openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=berth-test-token-issuer \
		-keyout "$key" -out "$state/token.crt" || return 1
	printf '%s:%s\n' "$REGISTRY_USER" "$REGISTRY_PASSWORD" > "$state/private/token-users"
	[ "$scheme" = https ] && tls_args=(--tls-cert "$REGISTRY_CA" --tls-key "$state/private/tls.key")
	"$REGISTRY_PYTHON" "$_REGISTRY_LIB/token_server.py" --key "$key" --cert "$state/token.crt" \
		--users "$state/private/token-users" --port-file "$portfile" \
		--service "$REGISTRY_TOKEN_SERVICE" --issuer "$REGISTRY_TOKEN_ISSUER" "${tls_args[@]}" \
		--expires "${TOKEN_SERVER_EXPIRES:-300}" \
		</dev/null >"$TOKEN_SERVER_LOG" 2>&1 3>&- &
	export TOKEN_SERVER_PID=$!
	echo "$TOKEN_SERVER_PID" > "$state/token.pid"
	local deadline
	deadline=$(($(_registry_now_us) + ${REGISTRY_START_TIMEOUT:-20} * 1000000))
	until [ -s "$portfile" ]; do
		if ! kill -0 "$TOKEN_SERVER_PID" 2>/dev/null || [ "$(_registry_now_us)" -ge "$deadline" ]; then
			echo "registry_start: the token server did not come up; its log:" >&2
			cat "$TOKEN_SERVER_LOG" >&2
			return 1
		fi
		sleep 0.02
	done
	local port
	port=$(cat "$portfile")
	export TOKEN_SERVER_URL=$scheme://127.0.0.1:$port
}

_registry_write_config() {
	local port=$1 state=$REGISTRY_STATE_DIR
	cat <<-EOF
		version: 0.1
		log:
		  level: info
		  formatter: text
		storage:
		  filesystem:
		    rootdirectory: $state/storage
		  delete:
		    enabled: true
		  maintenance:
		    uploadpurging:
		      enabled: false
		http:
		  addr: 127.0.0.1:$port
		  secret: $(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
	EOF
	if [ "$REGISTRY_TLS" = 1 ]; then
		cat <<-EOF
			  tls:
			    certificate: $REGISTRY_CA
			    key: $state/private/tls.key
		EOF
	fi
	case $REGISTRY_AUTH in
	basic)
		cat <<-EOF
			auth:
			  htpasswd:
			    realm: berth-test-registry
			    path: $state/private/htpasswd
		EOF
		;;
	token)
		cat <<-EOF
			auth:
			  token:
			    realm: $TOKEN_SERVER_URL/token
			    service: $REGISTRY_TOKEN_SERVICE
			    issuer: $REGISTRY_TOKEN_ISSUER
			    rootcertbundle: $state/token.crt
		EOF
		;;
	esac
}

# _registry_kill PID -- TERM, wait up to 5 s for it to go (reaping it when it is our
# child), then KILL. Never fails, so that it is safe under set -e (bats).
_registry_kill() {
	local pid=$1 deadline
	if kill -TERM "$pid" 2>/dev/null; then
		deadline=$(($(_registry_now_us) + 5000000))
		while _registry_alive "$pid"; do
			if [ "$(_registry_now_us)" -ge "$deadline" ]; then
				kill -KILL "$pid" 2>/dev/null || true
				break
			fi
			sleep 0.02
		done
	fi
	wait "$pid" 2>/dev/null || true  # reaps it if it is our child; 127 if not
}

# Running, as opposed to gone or a zombie waiting for its parent.
_registry_alive() {
	local stat
	stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	stat=${stat##*) }
	[ "${stat%% *}" != Z ]
}
