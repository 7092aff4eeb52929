#!/usr/bin/env bash
# The classifier on the real govmsg data in ../shared (never copied into the repository):
# builds the training file as the evaluation does (messages.csv plus the segmented rows that
# have no raw text, tokens joined without spaces), times `minhu classify train`, and times
# `minhu classify predict` including model load. Cross-validated F1:
#   cargo run -p minhu-classify --release --example govmsg_eval -- ../shared/data/govmsg
set -euo pipefail
cd "$(dirname "$0")/.."
DATA=${1:-../shared/data/govmsg}
[ -f "$DATA/messages.csv" ] || { echo "no govmsg data at $DATA: skipped"; exit 0; }
cargo build --release -q -p minhu
BIN=$PWD/target/release/minhu
TMP=$(mktemp -d /tmp/minhu-govmsg.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
python3 - "$DATA" "$TMP" <<'PY'
import csv, sys
data, tmp = sys.argv[1], sys.argv[2]
out = csv.writer(open(f"{tmp}/train.csv", "w", newline=""))
out.writerow(["text", "label"])
texts = []
for r in csv.DictReader(open(f"{data}/messages.csv", newline="")):
    out.writerow([r["text"], r["label"]]); texts.append(r["text"].replace("\n", " "))
for r in csv.DictReader(open(f"{data}/messages_segmented_full.csv", newline="")):
    if r["has_raw"] == "0":
        out.writerow(["".join(r["tokens"].split()), r["label"]])
# Prediction input: the raw texts repeated to 50,000 lines.
with open(f"{tmp}/predict.txt", "w") as f:
    for i in range(50000):
        f.write(texts[i % len(texts)] + "\n")
PY
echo "== train"
/usr/bin/time -f "train wall %e s, max RSS %M KB" "$BIN" classify train --input "$TMP/train.csv" --text-column text --label-column label --model "$TMP/govmsg.model"
echo "== predict 50,000 lines (includes process start and model load)"
start=$(date +%s.%N)
"$BIN" classify predict --model "$TMP/govmsg.model" < "$TMP/predict.txt" > "$TMP/labels.txt"
end=$(date +%s.%N)
python3 -c "n=sum(1 for _ in open('$TMP/labels.txt')); t=$end-$start; print(f'{n} labels in {t:.2f} s = {n/t:,.0f} messages/s')"
