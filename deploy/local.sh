#!/usr/bin/env bash
# N Streamlit replicas of the app behind Debian's HAProxy on this machine, with deploy/haproxy.cfg (no Docker).
#   bash deploy/local.sh 3          (N = 1..16; default 2)
# Prints one line, `proxy=http://127.0.0.1:PORT replicas=PID,PID,...`, then stays in the foreground until stopped
# (Ctrl-C or SIGTERM): it then stops HAProxy and every replica. Replicas listen on free loopback ports; they share
# one server.cookieSecret (STREAMLIT_SERVER_COOKIE_SECRET, random unless set) so that a session's XSRF cookie is
# valid on whichever replica the proxy picks. Logs: $LOCAL_DEPLOY_LOGS (default: a temporary directory, removed).
# Installs haproxy with apt-get when it is missing (as scripts/test.sh does for chromium).
set -euo pipefail
cd "$(dirname "$0")/.."

n="${1:-2}"
if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 16 ]; then
    echo "usage: bash deploy/local.sh N   (N replicas, 1..16)" >&2
    exit 2
fi

if ! command -v haproxy >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
    echo "haproxy is missing: installing Debian's package" >&2
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q >&2
    $SUDO apt-get install -y -q haproxy >&2
fi

PYTHON="${PYTHON:-python}"
keep_logs="${LOCAL_DEPLOY_LOGS:-}"
work="$(mktemp -d "${TMPDIR:-/tmp}/local-deploy.XXXXXX")"
logs="${keep_logs:-$work}"
mkdir -p "$logs"
pids=()
proxy_pid=""

stop() {
    trap - EXIT INT TERM
    if [ -n "$proxy_pid" ]; then kill "$proxy_pid" 2>/dev/null || true; fi
    for pid in "${pids[@]}"; do
        kill -- "-$pid" 2>/dev/null || kill "$pid" 2>/dev/null || true  # each replica leads its own group
    done
    for pid in "${pids[@]}" $proxy_pid; do
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 -- "-$pid" 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap stop EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# n + 1 distinct free loopback ports: the replicas', then the proxy's
read -r -a ports <<<"$("$PYTHON" - "$n" <<'EOF'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]) + 1)]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
EOF
)"

export STREAMLIT_SERVER_COOKIE_SECRET="${STREAMLIT_SERVER_COOKIE_SECRET:-$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')}"
servers=""
for i in $(seq 0 $((n - 1))); do
    port="${ports[$i]}"
    setsid "$PYTHON" -m streamlit run app.py --server.headless true --server.address 127.0.0.1 \
        --server.port "$port" --browser.gatherUsageStats false >"$logs/replica-$((i + 1)).log" 2>&1 </dev/null &
    pids+=("$!")
    servers+="    server r$((i + 1)) 127.0.0.1:$port"$'\n'
done

wait_health() {  # url, seconds, what
    local deadline=$((SECONDS + $2))
    until "$PYTHON" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" "$1" 2>/dev/null; do
        if [ "$SECONDS" -ge "$deadline" ]; then
            echo "$3 did not answer $1 within $2 s; logs in $logs" >&2
            exit 1
        fi
        sleep 0.2
    done
}
for i in $(seq 0 $((n - 1))); do
    wait_health "http://127.0.0.1:${ports[$i]}/_stcore/health" 120 "replica $((i + 1)) (pid ${pids[$i]})"
done

# the shared configuration, its server-template line replaced by the local replicas
proxy_port="${ports[$n]}"
cfg="$work/haproxy.cfg"
awk -v servers="$servers" '/^[[:space:]]*server-template /{printf "%s", servers; next} {print}' \
    deploy/haproxy.cfg >"$cfg"
export PROXY_BIND="127.0.0.1:$proxy_port"
export HAPROXY_COOKIE_KEY="${HAPROXY_COOKIE_KEY:-local-$$}"
haproxy -c -q -f "$cfg" >&2
haproxy -db -f "$cfg" >"$logs/haproxy.log" 2>&1 </dev/null &
proxy_pid=$!
wait_health "http://127.0.0.1:$proxy_port/_stcore/health" 30 "haproxy (pid $proxy_pid)"

echo "proxy=http://127.0.0.1:$proxy_port replicas=$(IFS=,; echo "${pids[*]}")"
# in the foreground until stopped; a replica that dies (killed to test a lost replica) does not stop the rest
wait "$proxy_pid"
