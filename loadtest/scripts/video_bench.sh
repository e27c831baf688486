#!/usr/bin/env bash
# Video SFU benchmark (shared/guide/benchmarks.md): schulhof's SFU against Janus 1.1.2 (Debian
# package `janus`, videoroom plugin) in the same run, with the same Rust load client
# (`schulhof-loadtest video`: str0m endpoints in RTP mode sending pre-encoded RTP).
# A class = the teacher (audio + camera in 3 simulcast layers q/h/f = 150k/500k/1.5M bit/s,
# 30 fps) and 29 pupils who watch the teacher on layer LAYERS; TALKERS pupils per class have an
# open microphone (Opus, 50 packets/s, heard by everybody else). Classes are added along
# CLASS_STEPS until 1 % loss, a saturated server core or a saturated generator.
# Both servers run in a network namespace behind a veth pair (Janus refuses the loopback
# interface; schulhof gets the same path so the kernel work per packet is the same): the
# namespace side is NS_IP (10.77.0.2), the generator binds HOST_IP (10.77.0.1).
# Every round: a fresh server process per target pinned to core 0 (taskset -c 0), the generator
# pinned to core 1; targets alternate; plus `direct` (no SFU: publisher → one str0m receiver in
# the generator, the latency floor) and the raw UDP send floor (`udp-floor`: sendmmsg of
# 1,200-byte datagrams from the namespace on core 0 to a sink on core 1).
# Prints every result as a JSON line (tagged with `round`), then `video_bench_summary` lines
# (medians over the rounds) and a table on stderr.
#
# Usage: loadtest/scripts/video_bench.sh          (as root: it creates the namespace)
#   Smoke run: ROUNDS=1 CLASS_STEPS=1,2 DURATION=3 WARMUP=1 loadtest/scripts/video_bench.sh
# Environment: ROUNDS (3), TARGETS (schulhof,janus), CLASS_STEPS (1,2,4,6,8,10,12,15,20,25,30,40),
#   DURATION (10 s per step), WARMUP (3), LAYERS (h: q, h, f or mix), TALKERS (1),
#   OBSERVERS (2 pupils per class that decrypt and measure latency; the rest count headers),
#   LOSS_LIMIT (0.01), DIRECT (1: run the direct baseline), FLOOR (1: measure the UDP floor),
#   JANUS_EVENT_LOOPS (unset: Janus's default of one loop thread per handle), NETNS (sfubench),
#   HOST_IP, NS_IP, KEEP_NETNS=1, SKIP_BUILD=1, PROFILE (release), SCHULHOF_LOG (warn), WORK_DIR (keeps the populated
#   school for later runs), OUT, CARGO_TARGET_DIR (~/.cache/schulhof-target).
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${ROUNDS:-3}"
targets="${TARGETS:-schulhof,janus}"
steps="${CLASS_STEPS:-1,2,4,6,8,10,12,15,20,25,30,40}"
duration="${DURATION:-10}"
warmup="${WARMUP:-3}"
layers="${LAYERS:-h}"
talkers="${TALKERS:-1}"
observers="${OBSERVERS:-2}"
loss_limit="${LOSS_LIMIT:-0.01}"
direct="${DIRECT:-1}"
floor="${FLOOR:-1}"
netns="${NETNS:-sfubench}"
host_ip="${HOST_IP:-10.77.0.1}"
ns_ip="${NS_IP:-10.77.0.2}"
profile="${PROFILE:-release}"
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/schulhof-target}"
server_bin="$target_dir/$profile/schulhof"
gen_bin="$target_dir/$profile/schulhof-loadtest"
work="${WORK_DIR:-$(mktemp -d)}"
mkdir -p "$work"
out="${OUT:-$work/video-results-$(date +%Y%m%d-%H%M%S).jsonl}"
max_step="$(tr ',' '\n' <<<"$steps" | sort -n | tail -1)"
http_port=18080
udp_port=18081
tcp_port=18082
janus_port=8088
pid=""
made_netns=""

log() { echo "[video_bench] $*" >&2; }

cleanup() {
  [[ -n "$pid" ]] && kill "$pid" 2>/dev/null
  [[ -n "${WORK_DIR:-}" ]] || rm -rf "$work/data"
  if [[ -n "$made_netns" && "${KEEP_NETNS:-}" != 1 ]]; then
    ip link del vb-host 2>/dev/null || true
    ip netns del "$netns" 2>/dev/null || true
  fi
}
trap cleanup EXIT

in_ns() { ip netns exec "$netns" "$@"; }

setup_netns() {
  if ip netns list | grep -qw "$netns"; then
    log "network namespace $netns exists"
  else
    log "creating network namespace $netns ($host_ip <-> $ns_ip on a veth pair)"
    ip netns add "$netns"
    ip link add vb-host type veth peer name vb-ns
    ip link set vb-ns netns "$netns"
    ip addr add "$host_ip/24" dev vb-host
    ip link set vb-host up
    in_ns ip addr add "$ns_ip/24" dev vb-ns
    in_ns ip link set vb-ns up
    in_ns ip link set lo up
    made_netns=1
  fi
}

wait_port() { # PORT LOG
  for _ in $(seq 300); do
    if (exec 3<>"/dev/tcp/$ns_ip/$1") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  log "the server did not start (see $2)"; return 1
}

prepare_janus() { # a config dir whose folders hold only the videoroom plugin and HTTP transport
  command -v janus >/dev/null || { log "installing janus"; apt-get install -y janus >&2; }
  local lib; lib="$(dirname "$(dpkg -L janus | grep '/plugins/libjanus_videoroom.so$')")/.."
  local dir="$work/janus"
  mkdir -p "$dir/conf" "$dir/plugins" "$dir/transports" "$dir/none"
  ln -sf "$lib/plugins/libjanus_videoroom.so" "$dir/plugins/"
  ln -sf "$lib/transports/libjanus_http.so" "$dir/transports/"
  cp "$root/loadtest/peers/janus/"*.jcfg "$dir/conf/"
  local folders="\tplugins_folder = \"$dir/plugins\"\n\ttransports_folder = \"$dir/transports\""
  folders+="\n\tevents_folder = \"$dir/none\"\n\tloggers_folder = \"$dir/none\""
  [[ -n "${JANUS_EVENT_LOOPS:-}" ]] && folders+="\n\tevent_loops = $JANUS_EVENT_LOOPS"
  sed -i "s|^general: {|general: {\n$folders|" "$dir/conf/janus.jcfg"
  sed -i "s|^\tip = .*|\tip = \"$ns_ip\"|; s|^\tport = .*|\tport = $janus_port|" \
    "$dir/conf/janus.transport.http.jcfg"
}

start_target() { # TARGET: a fresh server process on core 0 in the namespace (sets $pid)
  # `ip netns exec` and `taskset` exec the server, so $! is the server's PID (no shell between).
  case "$1" in
    schulhof)
      ip netns exec "$netns" taskset -c 0 "$server_bin" serve --bind "$ns_ip:$http_port" --data-dir "$work/data" \
        --video-udp "$ns_ip:$udp_port" --video-tcp "$ns_ip:$tcp_port" --log-level "${SCHULHOF_LOG:-warn}" \
        >>"$work/schulhof.log" 2>&1 &
      pid=$!
      wait_port "$http_port" "$work/schulhof.log" ;;
    janus)
      ip netns exec "$netns" taskset -c 0 janus -F "$work/janus/conf" -C "$work/janus/conf/janus.jcfg" \
        --interface "$ns_ip" >>"$work/janus.log" 2>&1 &
      pid=$!
      wait_port "$janus_port" "$work/janus.log" ;;
  esac
}

stop_target() {
  [[ -n "$pid" ]] || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  pid=""
}

wait_quiet() { # waits (up to QUIET_WAIT s) until both cores are nearly idle: a shared machine
  python3 - "${QUIET_WAIT:-900}" <<'EOF' >&2
import sys, time
def busy():
    out = {}
    for line in open("/proc/stat"):
        f = line.split()
        if f[0].startswith("cpu") and f[0] != "cpu":
            v = list(map(int, f[1:9])); out[f[0]] = (sum(v) - v[3] - v[4], sum(v))
    return out
deadline = time.time() + float(sys.argv[1])
while True:
    a = busy(); time.sleep(2); b = busy()
    shares = {c: (b[c][0] - a[c][0]) / max(1, b[c][1] - a[c][1]) for c in a}
    if max(shares.values()) < 0.10:
        break
    if time.time() > deadline:
        print(f"[video_bench] the machine is still busy ({shares}); measuring anyway", flush=True)
        break
    print(f"[video_bench] waiting for quiet cores ({', '.join(f'{c} {s:.0%}' for c, s in sorted(shares.items()))})", flush=True)
    time.sleep(8)
EOF
}

tag_round() { # ROUND: adds "round" to every JSON line
  python3 -c 'import json, sys
for line in sys.stdin:
    row = json.loads(line); row["round"] = int(sys.argv[1]); print(json.dumps(row, separators=(",", ":")), flush=True)' "$1"
}

[[ $EUID -eq 0 ]] || { log "run as root (network namespace, veth pair)"; exit 1; }
if [[ "${SKIP_BUILD:-}" != 1 ]]; then
  log "building $profile binaries"
  flag=(); [[ "$profile" == release ]] && flag=(--release)
  (cd "$root" && CARGO_TARGET_DIR="$target_dir" flock /tmp/schulhof-cargo.lock \
    cargo build "${flag[@]}" -p schulhof-server -p schulhof-loadtest)
fi
setup_netns
[[ ",$targets," == *,janus,* ]] && prepare_janus
log "results: $out"

if [[ ",$targets," == *,schulhof,* ]]; then
  populated=0
  [[ -f "$work/users.json" ]] \
    && populated="$(python3 -c 'import json, sys; print(len(json.load(open(sys.argv[1]))["classes"]))' "$work/users.json")"
  if [[ -d "$work/data" && "$populated" -ge "$max_step" ]]; then
    log "reusing the school populated in $work"
  else
    log "populating $max_step classes (once; every round reuses the data dir and sessions)"
    rm -rf "$work/data"
    admin="$("$server_bin" admin create --school "Bench" --data-dir "$work/data" --json)"
    admin_password="$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["password"])' "$admin")"
    start_target schulhof
    taskset -c 1 "$gen_bin" populate --server "http://$ns_ip:$http_port" --bind-ip "$host_ip" \
      --admin-password "$admin_password" --school bench --classes "$max_step" --seed 1 \
      --out "$work/users.json.part" >>"$out"
    mv "$work/users.json.part" "$work/users.json"
    stop_target
  fi
fi

run_video() { # ROUND TARGET
  local round="$1" target="$2" extra=()
  case "$target" in
    schulhof) extra=(--server "http://$ns_ip:$http_port" --users "$work/users.json"
                     --bind-ip "$host_ip" --server-pid "$pid") ;;
    janus) extra=(--server "http://$ns_ip:$janus_port/janus" --bind-ip "$host_ip" --server-pid "$pid") ;;
    direct) extra=(--bind-ip 127.0.0.1) ;;
  esac
  wait_quiet
  log "round $round: $target"
  taskset -c 1 "$gen_bin" video --target "$target" --class-steps "$steps" \
    --duration-s "$duration" --warmup-s "$warmup" --layers "$layers" --talkers "$talkers" \
    --observers-per-class "$observers" --loss-limit "$loss_limit" "${extra[@]}" \
    | tag_round "$round" | tee -a "$out" || log "round $round: $target failed"
}

measure_floor() { # ROUND: sendmmsg floor, namespace (core 0) → host (core 1)
  local round="$1" sink_port=18090
  taskset -c 1 "$gen_bin" udp-floor --mode sink --bind "$host_ip:$sink_port" --duration-s 8 \
    | tag_round "$round" | tee -a "$out" &
  local sink=$!
  sleep 0.5
  for rate in 0 100000; do
    in_ns taskset -c 0 "$gen_bin" udp-floor --mode send --bind "$ns_ip:0" \
      --to "$host_ip:$sink_port" --rate "$rate" --duration-s 3 | tag_round "$round" | tee -a "$out"
  done
  wait "$sink" || true
}

IFS=',' read -r -a target_list <<<"$targets"
for round in $(seq "$rounds"); do
  # Rotate the order of the targets from round to round.
  shift_by=$(( (round - 1) % ${#target_list[@]} ))
  order=("${target_list[@]:shift_by}" "${target_list[@]:0:shift_by}")
  for target in "${order[@]}"; do
    start_target "$target"
    run_video "$round" "$target"
    stop_target
  done
  [[ "$direct" == 1 ]] && run_video "$round" direct
  [[ "$floor" == 1 ]] && measure_floor "$round"
done

# Medians over the rounds per target and step; added latency = p99 − direct p99 at the same step.
python3 - "$out" <<'EOF' | tee -a "$out"
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1]) if line.startswith("{")]
steps = [r for r in rows if r.get("kind") == "video_step" and "latency" in r]
ramps = [r for r in rows if r.get("kind") == "video_ramp_summary"]
floors = [r for r in rows if r.get("kind") == "udp_floor"]
def med(values):
    values = [v for v in values if v is not None]
    return round(statistics.median(values), 3) if values else None
def p99(r): return r["latency"]["p99_ms"]
direct = {}
for r in steps:
    if r["target"] == "direct":
        direct.setdefault(r["classes"], []).append(p99(r))
direct = {k: med(v) for k, v in direct.items()}
floor = {rate: med([f["cpu_us_per_packet"] for f in floors if f["rate"] == rate])
         for rate in sorted({f["rate"] for f in floors})}
table = []
summaries = {}
for target in sorted({r["target"] for r in steps} - {"direct"}):
    per_step = {}
    for r in steps:
        if r["target"] == target:
            per_step.setdefault(r["classes"], []).append(r)
    step_rows = []
    for classes, rs in sorted(per_step.items()):
        row = {
            "classes": classes, "rounds": len(rs),
            "passed": sum(1 for r in rs if r["failure"] is None),
            "failures": sorted({r["failure"] for r in rs if r["failure"]}),
            "noisy": sum(1 for r in rs if r.get("noisy")),
            "server_cpu_us_per_forwarded": med([r["server_cpu_us_per_forwarded"] for r in rs]),
            "forwarded_pps": med([r["forwarded_pps"] for r in rs]),
            "server_forwarded_pps": med([r.get("server_forwarded_pps") for r in rs]),
            "p50_ms": med([r["latency"]["p50_ms"] for r in rs]),
            "p99_ms": med([p99(r) for r in rs]),
            "loss": med([r["loss"] for r in rs]),
            "delivery_ratio": med([r["delivery_ratio"] for r in rs]),
            "server_cpu_share": med([r["server_cpu_share"] for r in rs]),
            "gen_cpu_share": med([r["gen_cpu_share"] for r in rs]),
            "server_rss_bytes": med([r["server_rss_bytes"] for r in rs]),
        }
        base = direct.get(classes)
        row["added_p99_ms"] = round(row["p99_ms"] - base, 3) if base is not None and row["p99_ms"] is not None else None
        step_rows.append(row)
        table.append((target, row))
    mine = [r for r in ramps if r["target"] == target]
    summary = {
        "kind": "video_bench_summary", "target": target,
        "profile": mine[0]["profile"] if mine else None,
        "max_classes_median": med([r["max_classes"] for r in mine]),
        "max_classes_per_round": [r["max_classes"] for r in mine],
        "stopped_by": [r["stopped_by"] for r in mine],
        "classes_per_core_extrapolated_median": med([r["classes_per_core_extrapolated"] for r in mine]),
        "forwarded_pps_per_class": mine[0]["forwarded_pps_per_class"] if mine else None,
        "udp_floor_us_per_packet": floor,
        "steps": step_rows,
    }
    summaries[target] = summary
    print(json.dumps(summary, separators=(",", ":")))
if "schulhof" in summaries and "janus" in summaries:
    def at_common(key):
        a = {s["classes"]: s for s in summaries["schulhof"]["steps"] if s["passed"]}
        b = {s["classes"]: s for s in summaries["janus"]["steps"] if s["passed"]}
        common = sorted(set(a) & set(b))
        if not common or not a[common[-1]][key] or not b[common[-1]][key]:
            return None, None
        return common[-1], round(a[common[-1]][key] / b[common[-1]][key], 3)
    classes, cpu_ratio = at_common("server_cpu_us_per_forwarded")
    mc = (summaries["schulhof"]["max_classes_median"], summaries["janus"]["max_classes_median"])
    print(json.dumps({"kind": "video_bench_ratio", "at_classes": classes,
        "cpu_per_forwarded_schulhof_over_janus": cpu_ratio,
        "max_classes_schulhof_over_janus": round(mc[0] / mc[1], 3) if mc[0] and mc[1] else None},
        separators=(",", ":")))
head = f"{'target':9} {'classes':>7} {'µs/fwd':>7} {'fwd pkt/s':>10} {'p99 ms':>7} {'+p99 ms':>8} {'loss':>7} {'srv CPU':>7} {'gen CPU':>7} {'passed':>7}"
print(head, file=sys.stderr)
for target, r in table:
    fmt = lambda v, f: (f.format(v) if v is not None else "-")
    print(f"{target:9} {r['classes']:>7} {fmt(r['server_cpu_us_per_forwarded'], '{:.1f}'):>7} "
          f"{fmt(r['forwarded_pps'], '{:.0f}'):>10} {fmt(r['p99_ms'], '{:.1f}'):>7} "
          f"{fmt(r['added_p99_ms'], '{:.1f}'):>8} {fmt(r['loss'], '{:.4f}'):>7} "
          f"{fmt(r['server_cpu_share'], '{:.2f}'):>7} {fmt(r['gen_cpu_share'], '{:.2f}'):>7} "
          f"{r['passed']}/{r['rounds']:<5}", file=sys.stderr)
for target, s in summaries.items():
    print(f"{target}: max classes (median) {s['max_classes_median']} per round {s['max_classes_per_round']} "
          f"stopped by {s['stopped_by']}; classes per core extrapolated {s['classes_per_core_extrapolated_median']}",
          file=sys.stderr)
print(f"direct p99 by classes: {direct}", file=sys.stderr)
print(f"UDP send floor (sendmmsg, 1,200 B, µs CPU per packet by rate, 0 = flat out): {floor}", file=sys.stderr)
EOF
log "results: $out"
