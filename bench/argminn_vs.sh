#!/usr/bin/env bash
# ARGMINN beside ExplaiNN (8 units, the ARGMINN paper's baseline, and the default 100) and
# the ARGMINN paper's small standard CNN (here deepcnn with 8 filters of widths 10/5/5 and
# dense 10-5; the paper's max-pool of 40 is not offered, deepcnn pools by 3 per block), on
# simulated grammars: every model trains on a fresh simulated set each epoch (--simulate),
# as the paper does, and is tested on the same held-out set. Then, for ARGMINN with and
# without the filter-overlap term: `interpret` on the test set (motif PFMs and their
# quality control, instances from the attention, spacing histograms), instance precision
# and recall against the planted sites, FIMO (`explainn scan`) with ARGMINN's own PFMs at
# the same number of calls, and the motif-quality score of the specification (mean
# −log10 Tomtom q of the passing filters against the planted motifs). The table comes from
# bench/argminn_eval.py.
#
#   bash bench/argminn_vs.sh [OUT_DIR]
#
# Environment: EXPLAINN (binary; default target/release/explainn), GRAMMARS (default the
# four verification tasks and two of the paper's sets), EPOCHS (40), SIM_N (positives per
# simulated epoch, 6400: the paper's 100 batches of 128), TEST_N (1000 of each class
# simulated, split by `prepare`), THREADS (2). Prints the wall time.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
E=${EXPLAINN:-$here/target/release/explainn}
OUT=${1:-$here/bench-out/argminn}
GRAMMARS=${GRAMMARS:-"verify-single verify-and verify-spacing verify-spacing-wide verify-repressor spi1 jund-tead"}
EPOCHS=${EPOCHS:-40}
SIM_N=${SIM_N:-6400}
TEST_N=${TEST_N:-1000}
THREADS=${THREADS:-2}
start=$(date +%s)
mkdir -p "$OUT"
zeros=$(python3 -c "print(','.join(['0'] * $EPOCHS))")
for g in $GRAMMARS; do
  d=$OUT/$g
  rm -rf "$d" && mkdir -p "$d"
  "$E" simulate "$g" -o "$d/data" --n "$TEST_N" -q
  "$E" prepare "$d/data.tsv.gz" -o "$d/data" -q
  tr=$d/data.train.tsv.gz va=$d/data.validation.tsv.gz te=$d/data.test.tsv.gz
  fit() {
    local name=$1
    shift
    echo "== $g: $name" >&2
    "$E" train "$tr" "$va" -o "$d/$name" --threads "$THREADS" -q \
      --simulate "$g" --simulate-n "$SIM_N" --max-epochs "$EPOCHS" "$@"
    "$E" test "$d/$name" "$te" -o "$d/$name/test" -q > /dev/null
  }
  fit argminn --arch argminn
  fit argminn_no_overlap --arch argminn --overlap-weights "$zeros"
  fit explainn8 --units 8
  fit explainn100
  fit cnn --arch deepcnn --conv-filters 8,8,8 --conv-widths 10,5,5 --dense-widths 10,5
  zcat "$te" | awk -F'\t' 'NR > 1 { print ">" $1; print $2 }' > "$d/test.fa"
  for r in argminn argminn_no_overlap; do
    "$E" interpret "$d/$r" "$te" --all -o "$d/$r/interpret" -q > /dev/null
    if grep -q '^MOTIF' "$d/$r/interpret/motifs.meme"; then
      "$E" scan "$d/$r/interpret/motifs.meme" "$d/test.fa" --bg uniform --thresh 0.01 \
        --no-pgc -q > "$d/$r/fimo.tsv"
    else
      : > "$d/$r/fimo.tsv"
    fi
  done
done
python3 "$here/bench/argminn_eval.py" "$OUT" "$here/grammars" $GRAMMARS
echo "wall time: $(( $(date +%s) - start )) s (EPOCHS=$EPOCHS SIM_N=$SIM_N THREADS=$THREADS)"
