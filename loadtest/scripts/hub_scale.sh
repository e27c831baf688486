#!/usr/bin/env bash
# The hub at scale, one server process: S0 (idle footprint) and the 08:00 storm.
# Populates CLASSES classes of 30 pupils + teacher once (default 608 → 18,848 connections plus 24 HTTP sockets, just
# under the 19,000 sockets one generator process may hold), then
#   1. idle:  a fresh server; every client resumes its session, takes a ticket, connects,
#             subscribes to its class and holds for HOLD seconds → server RSS per connection;
#   2. storm: a fresh server; all clients do the same at once → time until all are subscribed.
# Server on core 0, generator on core 1; everything on 127.0.0.1. Prints JSON lines.
# Usage: loadtest/scripts/hub_scale.sh   (CLASSES, HOLD=30, SKIP_BUILD=1, PROFILE=release, OUT)
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
classes="${CLASSES:-608}"
hold="${HOLD:-30}"
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/schulhof-target}"
profile="${PROFILE:-release}"
server_bin="$target_dir/$profile/schulhof"
gen_bin="$target_dir/$profile/schulhof-loadtest"
work="$(mktemp -d)"
out="${OUT:-$work/results.jsonl}"
pid=""
trap '[[ -n "$pid" ]] && kill "$pid" 2>/dev/null; rm -rf "$work/data"' EXIT
log() { echo "[hub_scale] $*" >&2; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
start_server() { # PORT
  taskset -c 0 "$server_bin" serve --bind "127.0.0.1:$1" --data-dir "$work/data" --log-level warn \
    >>"$work/schulhof.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
  log "server did not start"; return 1
}
stop_server() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; pid=""; }

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  build=(cargo build -p schulhof-server -p schulhof-loadtest)
  [[ "$profile" == release ]] && build+=(--release)
  (cd "$root" && CARGO_TARGET_DIR="$target_dir" "${build[@]}")
fi

admin="$("$server_bin" admin create --school "Bench" --data-dir "$work/data" --json)"
admin_password="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["password"])' "$admin")"
port="$(free_port)"; start_server "$port"
log "populating $classes classes"
start=$(date +%s)
taskset -c 1 "$gen_bin" populate --server "http://127.0.0.1:$port" --admin-password "$admin_password" \
  --school bench --classes "$classes" --seed 1 --out "$work/users.json" >>"$out"
log "populated in $(( $(date +%s) - start )) s"
stop_server

for scenario in idle storm; do
  port="$(free_port)"; start_server "$port"
  log "$scenario (server pid $pid)"
  taskset -c 1 "$gen_bin" run --server "http://127.0.0.1:$port" --users "$work/users.json" \
    --scenario "$scenario" --duration-s "$hold" --server-pid "$pid" --setup-timeout-s 600 \
    --connect-concurrency 256 --http-concurrency 24 | tee -a "$out"
  stop_server
done
log "results: $out"
