#!/usr/bin/env bash
# Benchmark: the public walls and the staff queues with 10,000 requests in the database.
#  1. minhu bench-pages: server-side render time of each page (in-process, p50/p95/max).
#  2. wrk against a running server: the problem wall over HTTP at 16 connections.
# Loopback only.   bench/pages.sh     N=100000 bench/pages.sh
set -euo pipefail
cd "$(dirname "$0")/.."
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
cargo build --release -q -p minhu
BIN=$PWD/target/release/minhu
DIR=$(mktemp -d /tmp/minhu-pages.XXXXXX)
trap 'kill $PID 2>/dev/null || true; rm -rf "$DIR"' EXIT
PID=
export MINHU_LOG=warn MINHU_SWEEP_SECONDS=3600
DB=sqlite://$DIR/pages.db
echo "== minhu bench-pages --n ${N:-10000}"
"$BIN" --database "$DB" bench-pages --n "${N:-10000}" --rounds "${ROUNDS:-50}"
PORT=${PORT:-18081}
"$BIN" --database "$DB" serve --listen "127.0.0.1:$PORT" >/dev/null & PID=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
echo "== HTTP: GET /wall, wrk -t2 -c16 -d${DURATION:-10s} (server and wrk on the same $(nproc)-core machine)"
wrk -t2 -c16 -d"${DURATION:-10s}" --latency "http://127.0.0.1:$PORT/wall" | sed -n '1,20p'
echo "== HTTP: GET /wall?tab=answered&community=DXY"
wrk -t2 -c16 -d"${DURATION:-10s}" --latency "http://127.0.0.1:$PORT/wall?tab=answered&community=DXY" | sed -n '1,20p'
