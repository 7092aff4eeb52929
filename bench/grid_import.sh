#!/usr/bin/env bash
# Benchmark: `minhu grid import` of a street-sized grid base ledger (网格基础台账): one xlsx
# with sheets 楼栋/户/人/场所, HOUSEHOLDS households (~3 residents each) in buildings of
# 120, spread over 德馨苑's 5 grids, into the demo district. Release build; loopback only.
#   bench/grid_import.sh                      # 50,000 households (~150,000 residents)
#   HOUSEHOLDS=10000 bench/grid_import.sh
#   BENCH_DATABASE=postgres://… bench/grid_import.sh   (an empty database)
#   PROFILE=debug bench/grid_import.sh        (the debug build, on a shared machine)
# Prints the import's own figure (rows/s over reading the xlsx, validation, comparison with
# the stored register and the writes) and the command's wall time, then imports the same
# file again: every row unchanged, nothing written.
#
# Measured (2 cores shared with five other helpers' builds; DEBUG build, since helpers may
# not build release; 50,000 households, 144,717 residents, 417 buildings = 195,134 rows,
# 11 MB xlsx, into the demo district):
#   SQLite           1,857 rows/s (105 s; 385 MB RSS); again, nothing written: 2,342 rows/s (83 s)
#   PostgreSQL 15    1,420 rows/s (137 s; 352 MB RSS); again: 2,039 rows/s (96 s)
# Stage timings (MINHU_LOG=minhu_app=debug): reading the xlsx (calamine, unoptimised in
# debug) is 70 of the 83 s of the no-write run; validation and comparison ~12 s, the
# SQLite writes ~22 s. The release figure is still to be taken (run this script as is).
set -euo pipefail
cd "$(dirname "$0")/.."
HOUSEHOLDS=${HOUSEHOLDS:-50000}
PROFILE=${PROFILE:-release}
if [ "$PROFILE" = release ]; then
  cargo build --release -q -p minhu
else
  cargo build -q -p minhu
fi
BIN=$PWD/target/$PROFILE/minhu
DIR=$(mktemp -d /tmp/minhu-grid-import.XXXXXX)
trap 'rm -rf "$DIR"' EXIT
DB=${BENCH_DATABASE:-sqlite://$DIR/grid.db}
export MINHU_LOG=warn
"$BIN" --database "$DB" demo >/dev/null
"$BIN" --database "$DB" grid sample --community DXY --households "$HOUSEHOLDS" -o "$DIR/street.xlsx"
echo "== $HOUSEHOLDS households, $(du -h "$DIR/street.xlsx" | cut -f1) xlsx; $(nproc) cores; $PROFILE; $DB"
/usr/bin/time -f "wall %e s, max RSS %M KB" "$BIN" --database "$DB" grid import --community DXY "$DIR/street.xlsx"
echo "== the same file again (idempotent: nothing written)"
/usr/bin/time -f "wall %e s, max RSS %M KB" "$BIN" --database "$DB" grid import --community DXY "$DIR/street.xlsx"
