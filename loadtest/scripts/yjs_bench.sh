#!/usr/bin/env bash
# Yjs benchmarks (shared/guide/benchmarks.md): schulhof's /yjs against Hocuspocus 3.4.4 and
# @y/websocket-server 0.1.1, in the same run, with the same Rust light client (yrs; plain
# y-websocket or the Hocuspocus envelope) plus two official clients (y-websocket /
# @hocuspocus/provider, peers/yjs/official.mjs) on the first document as a convergence check:
#   idle  (S0): IDLE_CLASSES classes of 30 connected and synced → server RSS per connection;
#   ramp  (S2): classes of 30 (1 edit/s + 1 Hz cursor each, one document per class) added along
#               RAMP_STEPS until p99 > P99_LIMIT_MS → max classes per core;
#   join  (S4): 30 clients open a DOC_BYTES document at once → time until all synced;
#   pause (S6): one client of a class stops reading for PAUSE_S → closed (code)? resynced? and
#               the others' p99 before / during / after.
# schulhof: a school is populated once (fresh SQLite data dir; CLI admin; accounts through the API)
# and the benchmark creates one text document per class shared with the class, and document tokens.
# Every round starts a fresh server process per scenario and target, pinned to core 0; the
# generator runs on core 1. Targets are interleaved within each round. Prints every result as a
# JSON line (tagged with `round`), then `yjs_bench_summary` lines (medians over the rounds).
#
# Usage: loadtest/scripts/yjs_bench.sh
#   Smoke run: ROUNDS=1 RAMP_STEPS=1,2 IDLE_CLASSES=2 DURATION=3 DOC_BYTES=100000 PAUSE_S=5 \
#     loadtest/scripts/yjs_bench.sh
# Environment: ROUNDS (3), PAUSE_ROUNDS (1: the pause scenario takes ~40 s per target),
#   SCENARIOS (idle,ramp,join,pause), TARGETS (schulhof,hocuspocus,y-websocket),
#   RAMP_STEPS (1,5,10,15,20,30,40,60,80), DURATION (seconds per ramp step and per pause window: 6),
#   WARMUP (2), P99_LIMIT_MS (100), IDLE_CLASSES (20), IDLE_HOLD (5), DOC_BYTES (1000000),
#   PAUSE_S (20), PAUSE_EDIT_CHARS (characters per edit during the pause scenario: 1000, so that
#   a paused reader's buffers fill), OBSERVERS (full clients per document; default all),
#   OFFICIAL (1: run the official clients), CLASSES (classes populated: the largest of RAMP_STEPS
#   and IDLE_CLASSES), SKIP_BUILD=1, OUT, WORK_DIR (keeps the populated
#   school: a later run with the same WORK_DIR skips populating), CARGO_TARGET_DIR
#   (~/.cache/schulhof-target). Everything listens on and connects to 127.0.0.1 only.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${ROUNDS:-3}"
pause_rounds="${PAUSE_ROUNDS:-1}"
scenarios="${SCENARIOS:-idle,ramp,join,pause}"
targets="${TARGETS:-schulhof,hocuspocus,y-websocket}"
ramp_steps="${RAMP_STEPS:-1,5,10,15,20,30,40,60,80}"
duration="${DURATION:-6}"
warmup="${WARMUP:-2}"
p99_limit="${P99_LIMIT_MS:-100}"
idle_classes="${IDLE_CLASSES:-20}"
idle_hold="${IDLE_HOLD:-5}"
doc_bytes="${DOC_BYTES:-1000000}"
pause_s="${PAUSE_S:-20}"
pause_edit_chars="${PAUSE_EDIT_CHARS:-1000}"
observers="${OBSERVERS:-}"
official="${OFFICIAL:-1}"
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/schulhof-target}"
server_bin="$target_dir/release/schulhof"
gen_bin="$target_dir/release/schulhof-loadtest"
peers="$root/loadtest/peers/yjs"
work="${WORK_DIR:-$(mktemp -d)}"
mkdir -p "$work"
out="${OUT:-$work/yjs-results-$(date +%Y%m%d-%H%M%S).jsonl}"
max_step="$(tr ',' '\n' <<<"$ramp_steps" | sort -n | tail -1)"
classes="${CLASSES:-$(( max_step > idle_classes ? max_step : idle_classes ))}"
pid=""

cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null
  [[ -n "${WORK_DIR:-}" ]] || rm -rf "$work/data"
}
trap cleanup EXIT

log() { echo "[yjs_bench] $*" >&2; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_port() { # PORT LOG
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "the server did not start (see $2)"; return 1
}

start_target() { # TARGET PORT: a fresh server process on core 0 (sets $pid)
  case "$1" in
    schulhof)
      taskset -c 0 "$server_bin" serve --bind "127.0.0.1:$2" --data-dir "$work/data" \
        --log-level warn >>"$work/schulhof.log" 2>&1 &
      pid=$! ;;
    hocuspocus)
      (cd "$peers" && PORT="$2" exec taskset -c 0 node hocuspocus.mjs) >>"$work/hocuspocus.log" 2>&1 &
      pid=$! ;;
    y-websocket)
      (cd "$peers" && HOST=127.0.0.1 PORT="$2" exec taskset -c 0 \
        node node_modules/@y/websocket-server/src/server.js) >>"$work/y-websocket.log" 2>&1 &
      pid=$! ;;
  esac
  wait_port "$2" "$work/$1.log"
}

stop_target() {
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}

tag_round() { # ROUND: adds "round" to every JSON line
  python3 -c 'import json, sys
for line in sys.stdin:
    row = json.loads(line); row["round"] = int(sys.argv[1]); print(json.dumps(row, separators=(",", ":")), flush=True)' "$1"
}

if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  log "building release binaries"
  (cd "$root" && CARGO_TARGET_DIR="$target_dir" flock /tmp/schulhof-cargo.lock \
    cargo build --release -p schulhof-server -p schulhof-loadtest)
fi
if [[ ! -d "$peers/node_modules/@hocuspocus/server" ]]; then
  log "installing the Node peers (npm ci in $peers)"
  (cd "$peers" && npm ci --no-audit --no-fund --ignore-scripts >&2)
fi

if [[ ",$targets," == *,schulhof,* ]]; then
  if [[ -f "$work/users.json" && -d "$work/data" ]]; then
    log "reusing the school populated in $work"
  else
    log "populating $classes classes (once; every round reuses the data dir and sessions)"
    rm -rf "$work/data"
    admin="$("$server_bin" admin create --school "Bench" --data-dir "$work/data" --json)"
    admin_password="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["password"])' "$admin")"
    port="$(free_port)"
    start_target schulhof "$port"
    taskset -c 1 "$gen_bin" populate --server "http://127.0.0.1:$port" \
      --admin-password "$admin_password" --school bench --classes "$classes" --seed 1 \
      --out "$work/users.json.part" >>"$out"
    mv "$work/users.json.part" "$work/users.json"
    stop_target
  fi
fi

run_one() { # ROUND SCENARIO TARGET ARGS...
  local round="$1" scenario="$2" target="$3"; shift 3
  local port; port="$(free_port)"
  start_target "$target" "$port"
  log "round $round: $scenario on $target (pid $pid)"
  local extra=()
  [[ "$target" == schulhof ]] && extra+=(--users "$work/users.json")
  [[ -n "$observers" ]] && extra+=(--observers-per-doc "$observers")
  [[ "$official" == 1 ]] && extra+=(--official "$peers/official.mjs")
  taskset -c 1 "$gen_bin" yjs --target "$target" --server "http://127.0.0.1:$port" \
    --scenario "$scenario" --server-pid "$pid" --p99-limit-ms "$p99_limit" --warmup-s "$warmup" \
    "${extra[@]}" "$@" | tag_round "$round" | tee -a "$out" \
    || log "round $round: $scenario on $target failed"
  stop_target
}

for round in $(seq "$rounds"); do
  # Interleave: the target order rotates each round.
  order=(${targets//,/ })
  shift_by=$(( (round - 1) % ${#order[@]} ))
  order=("${order[@]:$shift_by}" "${order[@]:0:$shift_by}")
  for scenario in ${scenarios//,/ }; do
    [[ "$scenario" == pause && "$round" -gt "$pause_rounds" ]] && continue
    for target in "${order[@]}"; do
      case "$scenario" in
        idle) run_one "$round" idle "$target" --classes "$idle_classes" --duration-s "$idle_hold" ;;
        ramp) run_one "$round" ramp "$target" --class-steps "$ramp_steps" --duration-s "$duration" ;;
        join) run_one "$round" join "$target" --doc-bytes "$doc_bytes" ;;
        pause) run_one "$round" pause "$target" --pause-s "$pause_s" --duration-s "$duration" \
                 --edit-chars "$pause_edit_chars" ;;
      esac
    done
  done
done

log "results: $out"
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
def med(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None
def by_target(bench):
    out = {}
    for r in rows:
        if r.get("bench") == bench:
            out.setdefault(r["target"], []).append(r)
    return out
def ratio(a, b):
    return round(a / b, 3) if a is not None and b not in (None, 0) else None
def conv_ok(r):
    c = r.get("convergence") or {}
    return c.get("docs", 0) == c.get("converged_docs", -1) and c.get("official_converged") is not False

idle = {t: med([r["server_bytes_per_connection"] for r in g]) for t, g in by_target("yjs_idle").items()}
if idle:
    print(json.dumps({"bench": "yjs_bench_summary", "scenario": "idle",
        "bytes_per_connection": idle,
        "held_min": {t: min(r["held"] for r in g) for t, g in by_target("yjs_idle").items()},
        "schulhof_over_hocuspocus": ratio(idle.get("schulhof"), idle.get("hocuspocus")),
        "goal": "<= 0.333"}))

ramps = by_target("yjs_ramp_summary")
if ramps:
    steps = by_target("yjs_ramp")
    per_target = {}
    for t, g in ramps.items():
        by_classes = {}
        for r in steps.get(t, []):
            by_classes.setdefault(r["classes"], []).append(r)
        per_target[t] = {
            "max_classes_median": med([r["max_classes"] or 0 for r in g]),
            "max_classes_per_round": [r["max_classes"] for r in g],
            "stopped_by": sorted({s["failure"] for r in g for s in r["steps"] if s["failure"]}),
            "converged_all_rounds": all(conv_ok(r) for r in g),
            "steps": [{"classes": c, "rounds": len(v),
                       "p50_ms": med([x["latency"]["p50_ms"] for x in v]),
                       "p99_ms": med([x["latency"]["p99_ms"] for x in v]),
                       "server_cpu_share": med([x["server_cpu_share"] for x in v]),
                       "server_cpu_s_per_1000_deliveries": med([x["server_cpu_s_per_1000_deliveries"] for x in v]),
                       "server_rss_bytes": med([x["server_rss_bytes"] for x in v]),
                       "gen_cpu_share_max": max((x["gen_cpu_share"] or 0) for x in v),
                       "deliveries_per_s": med([x["deliveries_per_s"] for x in v])}
                      for c, v in sorted(by_classes.items())],
        }
    s, h = (per_target.get(k, {}).get("max_classes_median") for k in ("schulhof", "hocuspocus"))
    print(json.dumps({"bench": "yjs_bench_summary", "scenario": "ramp", "targets": per_target,
        "max_classes_schulhof_over_hocuspocus": ratio(s, h), "goal": ">= 5"}))

joins = by_target("yjs_join")
if joins:
    print(json.dumps({"bench": "yjs_bench_summary", "scenario": "join", "targets": {t: {
        "all_synced_ms_median": med([r["all_synced_ms"] for r in g]),
        "all_synced_ms_per_round": [r["all_synced_ms"] for r in g],
        "all_synced_every_round": all(r["all_synced"] for r in g),
        "converged_all_rounds": all(conv_ok(r) for r in g),
        "doc_bytes": g[0]["doc_bytes"]} for t, g in joins.items()}, "goal": "<= 1000 ms"}))

pauses = by_target("yjs_pause")
if pauses:
    print(json.dumps({"bench": "yjs_bench_summary", "scenario": "pause", "targets": {t: {
        "close_code": [(r["paused"] or {}).get("close_code") for r in g],
        "resync_ms": [(r["paused"] or {}).get("resync_ms") for r in g],
        "lost": [(r["paused"] or {}).get("lost") for r in g],
        "reconnects": [(r["paused"] or {}).get("reconnects") for r in g],
        "paused_converged": [r.get("paused_converged") for r in g],
        "p99_ms_before": med([r["p99_ms_before"] for r in g]),
        "p99_ms_during": med([r["p99_ms_during"] for r in g]),
        "p99_ms_after": med([r["p99_ms_after"] for r in g]),
        "converged_all_rounds": all(conv_ok(r) for r in g)} for t, g in pauses.items()},
        "goal": "schulhof closes with 4008, resyncs; others' p99 unchanged"}))
PY
