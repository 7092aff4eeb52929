#!/usr/bin/env bash
# The longer fuzz run: the proptest targets of every parser of user input (intake body,
# import CSV/xlsx/JSON rows and mapping, Excel dates, Open311 form fields and datetimes,
# photos, phones/ID numbers/masking) and the random HTTP bodies against a real server
# (API intake, /submit, Open311 POST), round after round with fresh random seeds until
# FUZZ_SECONDS have passed. CI runs the same targets briefly (256 cases each, in `cargo test`).
#
#   FUZZ_SECONDS=300 bench/fuzz.sh          # five minutes (default 300)
#   FUZZ_CASES=20000 FUZZ_HTTP_CASES=500 bench/fuzz.sh
#
# A failure stops the run and prints proptest's minimal failing input; make it a regression
# test next to the target (see `absurd_excel_serials_are_no_date`).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never
SECONDS_WANTED=${FUZZ_SECONDS:-300}
export PROPTEST_CASES=${FUZZ_CASES:-5000}
export FUZZ_HTTP_CASES=${FUZZ_HTTP_CASES:-300}

targets=(
  "-p minhu-app --lib fuzz"
  "-p minhu-app --lib upload::tests::any_"
  "-p minhu-domain --test fuzz"
  "-p minhu-domain --lib privacy"
  "-p minhu-open311 --lib params::tests::any_"
  "-p minhu --test api input::random_bodies"
)
echo "building the fuzz targets"
for t in "${targets[@]}"; do
  # shellcheck disable=SC2086
  cargo test -q $t --no-run 2>/dev/null
done
start=$(date +%s)
round=0
while (( $(date +%s) - start < SECONDS_WANTED )); do
  round=$((round + 1))
  for t in "${targets[@]}"; do
    # shellcheck disable=SC2086
    if ! out=$(cargo test -q $t 2>&1); then
      echo "$out" | grep -E "minimal failing input|panicked|Test failed" | head -20
      echo "FUZZ FAILURE in round $round: cargo test $t"
      exit 1
    fi
  done
  echo "round $round: all targets passed (PROPTEST_CASES=$PROPTEST_CASES, FUZZ_HTTP_CASES=$FUZZ_HTTP_CASES), $(( $(date +%s) - start ))s"
done
echo "fuzz run done: $round rounds in $(( $(date +%s) - start ))s, no failure"
