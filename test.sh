#!/usr/bin/env bash
# Runs every test of schulhof: the web client's unit tests and build, the Rust suite on SQLite,
# the same suite on PostgreSQL with every server linked through Redis, the browser tests (Debian
# chromium) and the /yjs interop tests (official npm Yjs client) on SQLite and PostgreSQL. The
# cluster tests need Redis in both runs.
# PostgreSQL: SCHULHOF_TEST_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test); if it is
# not reachable the PostgreSQL runs are skipped with a notice, unless SCHULHOF_REQUIRE_POSTGRES=1.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/schulhof-target}"
pg_url="${SCHULHOF_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}"
# The cluster tests always use Redis (default redis://127.0.0.1:6379).
redis_url="${SCHULHOF_TEST_REDIS_URL:-redis://127.0.0.1:6379}"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT

step() { printf '\n=== %s ===\n' "$*"; }

step "web client: unit tests and build"
(cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm test 2>&1 && npm run build) | tee -a "$log"

step "Rust suite on SQLite"
cargo build --workspace --all-targets
cargo test --workspace 2>&1 | tee -a "$log"

pg_available=0
if psql "$pg_url" -qAtc 'select 1' >/dev/null 2>&1; then
  pg_available=1
elif [ "${SCHULHOF_REQUIRE_POSTGRES:-0}" = 1 ]; then
  echo "PostgreSQL at $pg_url is not reachable, but SCHULHOF_REQUIRE_POSTGRES=1" >&2
  exit 1
else
  echo "NOTICE: PostgreSQL at $pg_url not reachable: PostgreSQL runs skipped"
fi

drop_test_databases() {
  psql "$pg_url" -qAtc "select datname from pg_database where datname like 'schulhof\_t\_%' or datname like 'schulhof\_browser\_%' or datname like 'schulhof\_interop\_%'" |
    while read -r db; do psql "$pg_url" -qc "DROP DATABASE IF EXISTS \"$db\"" >/dev/null; done
}

if [ "$pg_available" = 1 ]; then
  step "Rust suite on PostgreSQL + Redis (every test server runs as a Redis-linked node)"
  SCHULHOF_TEST_DATABASE_URL="$pg_url" SCHULHOF_TEST_REDIS_URL="$redis_url" \
    cargo test --workspace 2>&1 | tee -a "$log"
  drop_test_databases
fi

export SCHULHOF_BIN="$CARGO_TARGET_DIR/debug/schulhof"
step "browser test on SQLite"
env -u DATABASE_URL tests/browser/run.sh 2>&1 | tee -a "$log"

if [ "$pg_available" = 1 ]; then
  step "browser test on PostgreSQL"
  # Each flow creates (and drops) a database of its own through this URL.
  env -u DATABASE_URL SCHULHOF_BROWSER_PG_URL="$pg_url" tests/browser/run.sh 2>&1 | tee -a "$log"
  drop_test_databases
fi

step "interop tests (official yjs + y-websocket client on /yjs) on SQLite"
env -u DATABASE_URL tests/interop/run.sh 2>&1 | tee -a "$log"
if [ "$pg_available" = 1 ]; then
  step "interop tests (official yjs + y-websocket client on /yjs) on PostgreSQL"
  # Each test creates (and drops) a database of its own (schulhof_interop_*) through this URL.
  env -u DATABASE_URL SCHULHOF_INTEROP_PG_URL="$pg_url" tests/interop/run.sh 2>&1 | tee -a "$log"
  drop_test_databases
fi

# One closing line over all suites (cargo's own last line is a doc-test run with 0 tests).
summary=$(awk '
  /^test result: / { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed/) p += $i; if ($(i+1) ~ /^failed/) f += $i } }
  /^ *Tests +[0-9]+ passed/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^passed/) p += $i }
  /^[0-9]+ passed, [0-9]+ failed$/ { split($0, a, /[ ,]+/); p += a[1]; f += a[3] }
  END { printf "%d passed, %d failed\n", p, f }' "$log")
echo
echo "$summary"
