#!/usr/bin/env bash
# How `explainn discover` grows with the number of peaks: the CTCF peaks of
# ctcf_pu1_100bp (39,184), and seeded random subsets of 10,000 and 20,000, each from
# start to the motif page on THREADS (default 2) threads; wall time, peak RSS and the best
# motif (test AUPRC, JASPAR match) per size.
#
#   bash bench/discover_scaling.sh            # SIZES="10000 20000 all"
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA=${DATA:-$ROOT/../shared/data}
THREADS=${THREADS:-2}
SIZES=${SIZES:-10000 20000 all}
cargo build --release -q -p explainn
X=$ROOT/target/release/explainn
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
zcat "$DATA/chipseq/ctcf_pu1_100bp/ctcf.fa.gz" > "$W/all.fa"
for n in $SIZES; do
  fa=$W/all.fa
  if [ "$n" != all ]; then
    python3 - "$W/all.fa" "$n" "$W/$n.fa" <<'PY'
import random, sys
src, n, dst = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(src).read().split("\n")
recs = [(lines[i], lines[i + 1]) for i in range(0, len(lines) - 1, 2)]
random.seed(1714)
with open(dst, "w") as f:
    for h, s in random.sample(recs, n):
        f.write(f"{h}\n{s}\n")
PY
    fa=$W/$n.fa
  fi
  peaks=$(grep -c '>' "$fa")
  /usr/bin/time -f "%e %M" -o "$W/time" "$X" discover "$fa" -o "$W/d$n" --threads "$THREADS" -q
  read -r wall rss < "$W/time"
  best=$(awk -F'\t' 'NR == 2 {print $2 " " $4 ", test AUPRC " $6}' "$W/d$n/motifs.tsv")
  echo "$peaks peaks: ${wall} s, peak RSS $((rss / 1024)) MB; $(($(wc -l < "$W/d$n/motifs.tsv") - 1)) motifs, best $best"
done
