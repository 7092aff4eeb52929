#!/usr/bin/env bash
# Benchmark: the visit cadence and coverage queries of issue 13 (grid work) on a district of
# 1,000 grids × 300 households (300,000 households, 1 in 10 with a care tag, half visited
# some day in the last 200 days, a visit row each), bulk-inserted by the command itself.
#   bench/grid_coverage.sh                          # SQLite in a temp dir
#   BENCH_DATABASE=postgres://…/empty_db bench/grid_coverage.sh
#   GRIDS=200 HOUSEHOLDS=300 bench/grid_coverage.sh
#   PROFILE=debug bench/grid_coverage.sh            (the debug build)
# A second run on the same database reuses the filled district.
#
# Measured 2026-12-01 (debug build: the helpers' rule is no release builds; SQLite is then
# compiled at opt-level 0; 2 cores shared with 5 other builds), median of 20 rounds:
#                                             SQLite      PostgreSQL 15
#   one grid's overdue-visit queue (300 hh)   5-24 ms     26-34 ms
#   one grid's coverage                       0.4-3 ms    0.6-1 ms
#   a community's coverage, 10 grids+workers  6-8 ms      5-9 ms
#   the district's coverage, 1,000 grids      640-1000 ms 570-620 ms
#   a community's monthly workload            50-100 ms   200-230 ms
# The whole-district aggregate reads all 300,000 index entries: the optimised sqlite3 CLI
# runs the same GROUP BY in ~50 ms CPU, psql in ~95 ms (+57 ms for the per-worker query).
set -euo pipefail
cd "$(dirname "$0")/.."
PROFILE=${PROFILE:-release}
if [ "$PROFILE" = release ]; then cargo build --release -q -p minhu; else cargo build -q -p minhu; fi
BIN=$PWD/target/$PROFILE/minhu
DIR=$(mktemp -d /tmp/minhu-grid-bench.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
DB=${BENCH_DATABASE:-sqlite://$DIR/grid.db}
MINHU_LOG=error "$BIN" --database "$DB" bench-grid-coverage \
    --grids "${GRIDS:-1000}" --households "${HOUSEHOLDS:-300}" --rounds "${ROUNDS:-20}"
