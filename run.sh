#!/usr/bin/env bash
# Builds the web client and runs schulhof on SQLite (data in ./data). Extra arguments go to
# `schulhof serve`, e.g. ./run.sh --bind 0.0.0.0:8080
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/schulhof-target}"

(cd web && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build)
cargo build -p schulhof-server --bin schulhof
exec "$CARGO_TARGET_DIR/debug/schulhof" serve --web-dir web/dist "$@"
