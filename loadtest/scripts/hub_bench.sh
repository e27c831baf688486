#!/usr/bin/env bash
# Hub fan-out benchmark: schulhof's /ws against the Node `ws` relay (loadtest/peers/ws-relay), in
# interleaved rounds (schulhof, relay, schulhof, relay, …), each with a fresh server process pinned
# to core 0 and the generator pinned to core 1. The same `run --scenario fanout` drives both, with
# rising rates as steps; every step prints one JSON line, and the end prints a median summary per
# target and rate plus the schulhof/relay ratios.
#
# The school is populated once (fresh SQLite data dir, admin created with the CLI, accounts set
# up through the API); every round then starts a new server process on that data dir, and the
# clients resume the sessions saved in users.json (no password hashing during the rounds).
#
# Usage: loadtest/scripts/hub_bench.sh
# Environment: ROUNDS (3), CLASSES (10), RATES (total publishes/s per step: 250,500,1000,2000),
#   DURATION (seconds per step: 10), WARMUP (unreported seconds at the first rate: 3), SKIP_BUILD=1 (use the binaries already built), PROFILE
#   (release; `debug` for a quick check of the script itself, never for numbers), OUT (file for
#   the JSON lines; default: a temporary file), CARGO_TARGET_DIR (~/.cache/schulhof-target).
# Everything listens on and connects to 127.0.0.1 only.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${ROUNDS:-3}"
classes="${CLASSES:-10}"
rates="${RATES:-250,500,1000,2000}"
duration="${DURATION:-10}"
warmup="${WARMUP:-3}"
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/schulhof-target}"
profile="${PROFILE:-release}"
server_bin="$target_dir/$profile/schulhof"
gen_bin="$target_dir/$profile/schulhof-loadtest"
work="$(mktemp -d)"
out="${OUT:-$work/results.jsonl}"
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work/data"
}
trap cleanup EXIT

log() { echo "[hub_bench] $*" >&2; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_for_port() { # PORT: until something accepts on 127.0.0.1:PORT (at most 30 s)
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "nothing listens on port $1"; return 1
}

stop() { # PID
  kill "$1" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$1" 2>/dev/null || return 0; sleep 0.1; done
  kill -9 "$1" 2>/dev/null || true
}

start_schulhof() { # PORT → prints the PID
  taskset -c 0 "$server_bin" serve --bind "127.0.0.1:$1" --data-dir "$work/data" \
    --log-level warn >>"$work/schulhof.log" 2>&1 &
  echo $!
}

start_relay() { # PORT → prints the PID
  (cd "$root/loadtest/peers/ws-relay" && PORT="$1" exec taskset -c 0 node relay.js) \
    >>"$work/relay.log" 2>&1 &
  echo $!
}

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  log "building $profile binaries"
  build=(cargo build -p schulhof-server -p schulhof-loadtest)
  [[ "$profile" == release ]] && build+=(--release)
  (cd "$root" && CARGO_TARGET_DIR="$target_dir" "${build[@]}")
fi
if [[ ! -d "$root/loadtest/peers/ws-relay/node_modules/ws" ]]; then
  (cd "$root/loadtest/peers/ws-relay" && npm ci --no-audit --no-fund >&2)
fi

log "populating $classes classes (once; the rounds reuse the data dir and the saved sessions)"
admin="$("$server_bin" admin create --school "Bench" --data-dir "$work/data" --json)"
admin_password="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["password"])' "$admin")"
port="$(free_port)"
pid="$(start_schulhof "$port")"; pids+=("$pid")
wait_for_port "$port"
taskset -c 1 "$gen_bin" populate --server "http://127.0.0.1:$port" --admin-password "$admin_password" \
  --school bench --classes "$classes" --seed 1 --out "$work/users.json" >>"$out"
stop "$pid"

for round in $(seq "$rounds"); do
  for target in schulhof relay; do
    port="$(free_port)"
    if [[ "$target" == schulhof ]]; then
      pid="$(start_schulhof "$port")"
      args=(--users "$work/users.json")
    else
      pid="$(start_relay "$port")"
      args=(--peer)
    fi
    pids+=("$pid")
    wait_for_port "$port"
    log "round $round: $target (pid $pid, port $port)"
    taskset -c 1 "$gen_bin" run --server "http://127.0.0.1:$port" "${args[@]}" --scenario fanout \
      --classes "$classes" --rate "$rates" --duration-s "$duration" --warmup-s "$warmup" --server-pid "$pid" \
      --label "$target" \
      | python3 -c 'import json, sys
for line in sys.stdin:
    row = json.loads(line); row["round"] = int(sys.argv[1]); print(json.dumps(row, separators=(",", ":")), flush=True)' "$round" \
      | tee -a "$out"
    stop "$pid"
  done
done

log "results: $out"
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
rows = [r for r in rows if r.get("bench") == "hub_fanout"]
# A round whose generator used ~all of its core measured the generator, not the server.
rejected = [r for r in rows if (r.get("gen_cpu_share") or 0) > 0.9]
for r in rejected:
    print(f"rejected: round {r['round']} {r['target']} rate {r['rate']}: generator core saturated "
          f"({r['gen_cpu_share']})", file=sys.stderr)
rows = [r for r in rows if r not in rejected]
def med(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 4) if values else None
summary = {}
for r in rows:
    summary.setdefault((r["total_rate"], r["target"]), []).append(r)
for (rate, target), group in sorted(summary.items()):
    line = {
        "bench": "hub_fanout_summary", "target": target, "rate": rate, "rounds": len(group),
        "deliveries_per_s": med([g["deliveries_per_s"] for g in group]),
        "delivered_ratio_min": min(g["delivered_ratio"] for g in group),
        "p50_ms": med([g["latency"]["p50_ms"] for g in group]),
        "p99_ms": med([g["latency"]["p99_ms"] for g in group]),
        "server_cpu_s_per_1000_deliveries": med([g["server_cpu_s_per_1000_deliveries"] for g in group]),
        "server_rss_bytes": med([g["server_rss_bytes"] for g in group]),
        "gen_cpu_share_max": max((g["gen_cpu_share"] or 0) for g in group),
    }
    print(json.dumps(line))
for rate in sorted({rate for rate, _ in summary}):
    ours, peer = summary.get((rate, "schulhof")), summary.get((rate, "relay"))
    if not ours or not peer:
        continue
    def ratio(key):
        a = med([key(g) for g in ours]); b = med([key(g) for g in peer])
        return round(a / b, 3) if a is not None and b else None
    print(json.dumps({
        "bench": "hub_fanout_ratio", "rate": rate, "schulhof_over_relay": {
            "server_cpu_per_delivery": ratio(lambda g: g["server_cpu_s_per_1000_deliveries"]),
            "p50_latency": ratio(lambda g: g["latency"]["p50_ms"]),
            "p99_latency": ratio(lambda g: g["latency"]["p99_ms"]),
            "deliveries_per_s": ratio(lambda g: g["deliveries_per_s"]),
            "server_rss": ratio(lambda g: g["server_rss_bytes"]),
        }}))
PY
