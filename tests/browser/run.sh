#!/usr/bin/env bash
# Runs the browser end-to-end test: installs its npm deps if missing, builds web/dist if missing,
# then runs all flows (run_all.mjs: admin, import, messenger, documents, video, video_turn; SCHULHOF_FLOWS selects some). Needs SCHULHOF_BIN and Debian's chromium.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
web="$here/../../web"

if [ -z "${SCHULHOF_BIN:-}" ]; then
  echo "run.sh: set SCHULHOF_BIN to the schulhof server binary (e.g. target/debug/schulhof)" >&2
  echo "0 passed, 3 failed"
  exit 1
fi

if [ ! -d "$here/node_modules/playwright-core" ]; then
  (cd "$here" && npm ci --no-audit --no-fund)
fi

if [ ! -f "$web/dist/index.html" ]; then
  (cd "$web" && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
fi

exec node "$here/run_all.mjs"
