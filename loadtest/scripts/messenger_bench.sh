#!/usr/bin/env bash
# Messenger and quick-poll benchmarks (docs/messenger.md), in the style of hub_bench.sh:
#   chat:  class chat rooms; every member sends 1 message/s over HTTP (POST
#          /api/chat/rooms/<class>/messages) and every member's hub connection receives it on
#          chat:<class>; steps of CHAT_STEPS classes until p99 > P99_LIMIT_MS or an error
#          → max classes, server CPU s per 1,000 messages, RSS, delivered = 100 %;
#   votes: one open poll per class (VOTE_CLASSES classes), every pupil votes once within
#          VOTE_WINDOW seconds (over the hub or HTTP: VOTE_VIA) → votes/s, votes per server
#          CPU-second, vote → tally latency, exact final tallies.
# The school is populated once (fresh SQLite data dir, admin created with the CLI, accounts set up
# through the API, messenger and polls switched on); every round then starts a fresh server process
# on that data dir for each scenario (pinned to core 0; the generator to core 1) and the clients
# resume the sessions saved in users.json. Prints every result as a JSON line (tagged with `round`),
# then the medians over the rounds (`chat_bench_summary`, `votes_bench_summary`).
#
# Usage: loadtest/scripts/messenger_bench.sh
#   Quick smoke run: PROFILE=debug ROUNDS=1 CLASSES=3 CHAT_STEPS=1,2 DURATION=3 WARMUP=0 \
#     VOTE_WINDOW=3 loadtest/scripts/messenger_bench.sh
# Environment: ROUNDS (3), CLASSES (classes populated: 64), CHAT_STEPS (2,4,8,16,32,64),
#   DURATION (seconds per chat step: 10), WARMUP (unreported chat seconds before the first step: 3),
#   P99_LIMIT_MS (50), VOTE_CLASSES (default: CLASSES), VOTE_WINDOW (10), VOTE_VIA (hub; a comma
#   list runs each, e.g. hub,http), HUB_PUPILS (pupils per class with a hub connection: all),
#   SCENARIOS (chat,votes), SKIP_BUILD=1, PROFILE (release; `debug` only to check the script),
#   OUT (file for the JSON lines; default: in the work dir), WORK_DIR (keep the populated school
#   there: a later run with the same WORK_DIR skips populating; default: a temporary dir whose
#   data is deleted at the end), CARGO_TARGET_DIR (~/.cache/schulhof-target).
#   Everything listens on and connects to 127.0.0.1 only.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${ROUNDS:-3}"
classes="${CLASSES:-64}"
chat_steps="${CHAT_STEPS:-2,4,8,16,32,64}"
duration="${DURATION:-10}"
warmup="${WARMUP:-3}"
p99_limit="${P99_LIMIT_MS:-50}"
vote_classes="${VOTE_CLASSES:-$classes}"
vote_window="${VOTE_WINDOW:-10}"
vote_via="${VOTE_VIA:-hub}"
hub_pupils="${HUB_PUPILS:-}"
scenarios="${SCENARIOS:-chat,votes}"
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/schulhof-target}"
profile="${PROFILE:-release}"
server_bin="$target_dir/$profile/schulhof"
gen_bin="$target_dir/$profile/schulhof-loadtest"
work="${WORK_DIR:-$(mktemp -d)}"
mkdir -p "$work"
out="${OUT:-$work/results-$(date +%Y%m%d-%H%M%S).jsonl}"
pid=""

cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null
  [[ -n "${WORK_DIR:-}" ]] || rm -rf "$work/data"
}
trap cleanup EXIT

log() { echo "[messenger_bench] $*" >&2; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start_server() { # PORT: a fresh server on core 0 (sets $pid)
  taskset -c 0 "$server_bin" serve --bind "127.0.0.1:$1" --data-dir "$work/data" \
    --log-level warn >>"$work/schulhof.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "the server did not start (see $work/schulhof.log)"; return 1
}

stop_server() {
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
  log "building $profile binaries"
  build=(cargo build -p schulhof-server -p schulhof-loadtest)
  [[ "$profile" == release ]] && build+=(--release)
  (cd "$root" && CARGO_TARGET_DIR="$target_dir" "${build[@]}")
fi

if [[ -f "$work/users.json" && -d "$work/data" ]]; then
  log "reusing the school populated in $work"
else
  log "populating $classes classes (once; the rounds reuse the data dir and the saved sessions)"
  rm -rf "$work/data"
  admin="$("$server_bin" admin create --school "Bench" --data-dir "$work/data" --json)"
  admin_password="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["password"])' "$admin")"
  port="$(free_port)"
  start_server "$port"
  started=$(date +%s)
  taskset -c 1 "$gen_bin" populate --server "http://127.0.0.1:$port" --admin-password "$admin_password" \
    --school bench --classes "$classes" --seed 1 --out "$work/users.json.part" >>"$out"
  mv "$work/users.json.part" "$work/users.json"
  log "populated in $(( $(date +%s) - started )) s"
  stop_server
fi

common=(--users "$work/users.json" --setup-timeout-s 600 --connect-concurrency 256)
hub_args=()
[[ -n "$hub_pupils" ]] && hub_args=(--hub-pupils "$hub_pupils")
for round in $(seq "$rounds"); do
  if [[ ",$scenarios," == *,chat,* ]]; then
    port="$(free_port)"; start_server "$port"
    log "round $round: chat, steps $chat_steps (server pid $pid)"
    taskset -c 1 "$gen_bin" run --server "http://127.0.0.1:$port" "${common[@]}" --scenario chat \
      --class-steps "$chat_steps" --duration-s "$duration" --warmup-s "$warmup" \
      --p99-limit-ms "$p99_limit" --server-pid "$pid" --http-concurrency 64 \
      | tag_round "$round" | tee -a "$out"
    stop_server
  fi
  if [[ ",$scenarios," == *,votes,* ]]; then
    for via in ${vote_via//,/ }; do
      port="$(free_port)"; start_server "$port"
      log "round $round: votes via $via, $vote_classes classes (server pid $pid)"
      taskset -c 1 "$gen_bin" run --server "http://127.0.0.1:$port" "${common[@]}" --scenario votes \
        --classes "$vote_classes" --vote-window-s "$vote_window" --vote-via "$via" \
        "${hub_args[@]}" --server-pid "$pid" --http-concurrency 24 --drain-timeout-s 30 \
        | tag_round "$round" | tee -a "$out"
      stop_server
    done
  fi
done

log "results: $out"
python3 - "$out" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
def med(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 4) if values else None

chat = [r for r in rows if r.get("bench") == "chat"]
summaries = [r for r in rows if r.get("bench") == "chat_summary"]
if summaries:
    limit = summaries[0]["p99_limit_ms"]
    rounds = len(summaries)
    by_classes = {}
    for r in chat:
        by_classes.setdefault(r["classes"], []).append(r)
    steps, max_by_median, unbroken = [], None, True
    for classes, group in sorted(by_classes.items()):
        # A round that stopped before this step counts as over the limit.
        p99s = [g["latency"]["p99_ms"] for g in group] + [float("inf")] * (rounds - len(group))
        p99_median = statistics.median(p99s)
        hard = [g["failure"] for g in group if g["failure"] not in (None, "p99_over_limit")]
        passed = p99_median <= limit and not hard
        unbroken = unbroken and passed
        if unbroken:
            max_by_median = classes
        steps.append({
            "classes": classes, "rounds": len(group), "ok_rounds": sum(g["ok"] for g in group),
            "messages_per_s": med([g["rate"] for g in group]),
            "p50_ms": med([g["latency"]["p50_ms"] for g in group]),
            "p99_ms": round(p99_median, 3) if p99_median != float("inf") else None,
            "p99_ms_per_round": [g["latency"]["p99_ms"] for g in group],
            "max_ms": med([g["latency"]["max_ms"] for g in group]),
            "post_p99_ms": med([g["post"]["p99_ms"] for g in group]),
            "delivered_ratio_min": min(g["delivered_ratio"] for g in group),
            "server_cpu_s_per_1000_messages": med([g["server_cpu_s_per_1000_messages"] for g in group]),
            "server_cpu_s_per_1000_deliveries": med([g["server_cpu_s_per_1000_deliveries"] for g in group]),
            "server_context_switches_per_message": med([g["server_context_switches_per_message"] for g in group]),
            "server_rss_bytes": med([g["server_rss_bytes"] for g in group]),
            "gen_cpu_share_max": max((g["gen_cpu_share"] or 0) for g in group),
            "failures": sorted({g["failure"] for g in group if g["failure"]}),
        })
    print(json.dumps({
        "bench": "chat_bench_summary", "rounds": rounds, "p99_limit_ms": limit,
        # The largest class count up to which every step's median p99 (over the rounds) is
        # within the limit, with everything delivered and no errors.
        "max_classes": max_by_median,
        "max_classes_per_round": [s["max_classes"] for s in summaries],
        "steps": steps,
    }))

votes = [r for r in rows if r.get("bench") == "votes"]
by_via = {}
for r in votes:
    by_via.setdefault(r["vote_via"], []).append(r)
for via, group in sorted(by_via.items()):
    print(json.dumps({
        "bench": "votes_bench_summary", "vote_via": via, "rounds": len(group),
        "classes": group[0]["classes"], "voters": group[0]["voters"],
        "hub_connections": group[0]["hub_connections"], "window_s": group[0]["window_s"],
        "acked_min": min(g["acked"] for g in group),
        "votes_per_s": med([g["votes_per_s"] for g in group]),
        "votes_per_server_cpu_s": med([g["votes_per_server_cpu_s"] for g in group]),
        "server_cpu_us_per_vote": med([g["server_cpu_us_per_vote"] for g in group]),
        "server_context_switches_per_vote": med([g["server_context_switches_per_vote"] for g in group]),
        "ack_p50_ms": med([g["ack"]["p50_ms"] for g in group]),
        "ack_p99_ms": med([g["ack"]["p99_ms"] for g in group]),
        "tally_p50_ms": med([g["tally"]["p50_ms"] for g in group]),
        "tally_p99_ms": med([g["tally"]["p99_ms"] for g in group]),
        "tally_max_ms": med([g["tally"]["max_ms"] for g in group]),
        "exact_polls_min": min(g["exact_polls"] for g in group), "polls": group[0]["polls"],
        "all_exact": all(g["exact_polls"] == g["polls"] and g["acked"] == g["voters"] for g in group),
        "server_rss_bytes": med([g["server_rss_bytes"] for g in group]),
        "server_idle_cpu_share": med([g["server_idle_cpu_share"] for g in group]),
        "gen_cpu_share_max": max((g["gen_cpu_share"] or 0) for g in group),
        "vote_errors": [g["vote_errors"] for g in group if g["vote_errors"]],
    }))
PY
