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
