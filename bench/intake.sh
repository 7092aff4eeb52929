#!/usr/bin/env bash
# Benchmark: durable intakes per second over HTTP with wrk at 64 connections, and in the
# same run the storage layer's own insert rate (no HTTP). Loopback only.
#   bench/intake.sh            # SQLite (default)
#   DURATION=30s bench/intake.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p minhu
BIN=$PWD/target/release/minhu
DIR=$(mktemp -d /tmp/minhu-bench.XXXXXX)
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
PORT=${PORT:-18080}
DB=${BENCH_DATABASE:-sqlite://$DIR/http.db}
export MINHU_LOG=warn
"$BIN" --database "$DB" demo >/dev/null
export TOKEN=$("$BIN" --database "$DB" token issue --username dxy_staff)
"$BIN" --database "$DB" serve --listen "127.0.0.1:$PORT" >/dev/null & PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
echo "== HTTP: POST /api/v1/requests, wrk -t2 -c64 -d${DURATION:-20s} ($(nproc) cores, server and wrk on the same machine)"
wrk -t2 -c64 -d"${DURATION:-20s}" -s bench/intake.lua "http://127.0.0.1:$PORT/api/v1/requests"
kill $PID; wait $PID 2>/dev/null || true
echo "stored: $(sqlite3 "${DB#sqlite://}" 'select count(*) from requests' 2>/dev/null || echo '?') requests"
echo "== storage alone: minhu bench (64 concurrent writers, no HTTP)"
"$BIN" --database "sqlite://$DIR/raw.db" bench --n "${BENCH_N:-200000}" --concurrency 64
