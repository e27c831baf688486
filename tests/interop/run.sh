#!/usr/bin/env bash
# Runs the /yjs interop tests with the official yjs + y-websocket npm client: installs the npm deps
# if missing, then runs all tests (run_all.mjs; SCHULHOF_TESTS selects some). Needs SCHULHOF_BIN;
# SCHULHOF_INTEROP_PG_URL (a PostgreSQL URL that may create databases) runs them on PostgreSQL.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ -z "${SCHULHOF_BIN:-}" ]; then
  echo "run.sh: set SCHULHOF_BIN to the schulhof server binary (e.g. target/debug/schulhof)" >&2
  echo "0 passed, 7 failed"
  exit 1
fi

if [ ! -d "$here/node_modules/y-websocket" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

exec node "$here/run_all.mjs"
