#!/usr/bin/env bash
# Import benchmark: a seeded 2,000-pupil SchILD file (Windows-1252, 80 classes) imported with the
# CLI into a fresh SQLite data dir — dry run, then apply, then the same file again (a no-op).
# Prints one JSON line per step with the wall time in milliseconds.
# Usage: loadtest/scripts/import_bench.sh [PUPILS] [BINARY]
set -euo pipefail
pupils="${1:-2000}"
bin="${2:-${CARGO_TARGET_DIR:-$HOME/.cache/schulhof-target}/debug/schulhof}"
dir="$(mktemp -d)"
trap 'rm -rf "$dir"' EXIT

python3 - "$pupils" "$dir/schild.csv" <<'PY'
import random, sys
count, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(42)
last = ["Müller", "Groß", "Çelik", "Weiß", "Öztürk", "Schäfer", "Köhler", "Nguyen", "Yılmaz", "Becker"]
first = ["Jörg", "Zoë", "Anaïs", "Søren", "Lea", "Ben", "Ömer", "Chloé", "Mia", "Noah"]
lines = ["Interne ID-Nummer;Nachname;Vorname;Klasse;Geburtsdatum;Status"]
for i in range(count):
    cls = f"{5 + i % 8}{'abcdefghij'[i // 8 % 10]}"
    day, month, year = rng.randint(1, 28), rng.randint(1, 12), rng.randint(2008, 2015)
    lines.append(f"{10000 + i};{rng.choice(last)};{rng.choice(first)};{cls};{day:02}.{month:02}.{year};2")
with open(path, "wb") as f:
    f.write("\r\n".join(lines).encode("cp1252", errors="replace"))
PY

"$bin" admin create --school "Benchmark-Gymnasium" --data-dir "$dir/data" --json >/dev/null
step() {
  local name="$1"; shift
  local start end
  start=$(date +%s%N)
  "$bin" import "$dir/schild.csv" --school benchmark-gymnasium --data-dir "$dir/data" --json "$@" >"$dir/out.json"
  end=$(date +%s%N)
  python3 - "$name" "$pupils" $(( (end - start) / 1000000 )) "$dir/out.json" <<'PY'
import json, sys
name, pupils, ms, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
summary = json.load(open(out)).get("summary", {})
print(json.dumps({"bench": "import", "step": name, "pupils": pupils, "ms": ms,
                  "creates": summary.get("creates"), "rejected": summary.get("rejected")}))
PY
}
step dry_run --dry-run
step apply
step reimport_noop
