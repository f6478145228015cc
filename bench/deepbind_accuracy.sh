#!/usr/bin/env bash
# Accuracy against the original ExplaiNN with the paper's protocol on the four DeepBind
# ENCODE ChIP-seq sets (../shared/data/chipseq/deepbind_tsv): 100 units, batch 100,
# Adam 0.003, BCE, reverse complements in training and validation, early stopping with
# patience 3, at most 20 epochs, test = sigmoid of the strand-averaged logits.
# Builds release, trains and tests every set, and prints a table next to the original's
# AUROCs (one run each, seed 1714).
# Usage: bench/deepbind_accuracy.sh [--arch ARCH] [OUT_DIR] [TF...]
# --arch explainn (default), cnn1, cnn1-exp, deepcnn, danq or deepstarr: the paper's
# baselines with their published hyperparameters (danq at its default lr 0.0005); the
# "original" column is then ExplaiNN's, for reference.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ARCH=explainn
if [ "${1:-}" = --arch ]; then ARCH=$2; shift 2; fi
DATA=${DATA:-$ROOT/../shared/data/chipseq/deepbind_tsv}
OUT=${1:-/tmp/explainn-deepbind-$ARCH}
shift || true
SETS=("$@")
[ ${#SETS[@]} -eq 0 ] && SETS=(CTCFL GABPA REST SP1)
THREADS=${THREADS:-0}
declare -A ORIGINAL=([CTCFL]=0.988 [GABPA]=0.983 [REST]=0.999 [SP1]=0.927)

# BIN=/path/to/explainn skips the build (e.g. to use a copy while the tree changes).
if [ -z "${BIN:-}" ]; then
    cargo build --release -q -p explainn
    BIN=$ROOT/target/release/explainn
fi
ARCH_FLAGS=()
[ "$ARCH" = explainn ] && ARCH_FLAGS=(--units 100 --lr 0.003)
mkdir -p "$OUT"
rows=()
for tf in "${SETS[@]}"; do
    prefix=$(ls "$DATA"/"${tf}"_*.train.tsv.gz | head -1)
    prefix=${prefix%.train.tsv.gz}
    start=$(date +%s)
    rm -rf "${OUT:?}/$tf"  # a fresh run directory per set (train refuses to mix runs)
    "$BIN" train "$prefix.train.tsv.gz" "$prefix.validation.tsv.gz" -o "$OUT/$tf" \
        --arch "$ARCH" "${ARCH_FLAGS[@]}" --batch-size 100 --loss bce --patience 3 --max-epochs 20 \
        --seed 1714 --threads "$THREADS"
    "$BIN" test "$OUT/$tf" "$prefix.test.tsv.gz" -o "$OUT/$tf/test" > /dev/null
    secs=$(( $(date +%s) - start ))
    read -r auroc auprc < <(awk -F'\t' '$1=="macro"{print $2, $3}' "$OUT/$tf/test/metrics.tsv")
    epochs=$(( $(wc -l < "$OUT/$tf/losses.tsv") - 1 ))
    rows+=("$tf ${ORIGINAL[$tf]} $auroc $auprc $epochs $secs")
done
echo "architecture: $ARCH"
printf '%-6s %10s %10s %10s %8s %8s %7s\n' set original explainn delta auprc epochs seconds
for r in "${rows[@]}"; do
    set -- $r
    printf '%-6s %10s %10.4f %+10.4f %8.4f %8s %7s\n' "$1" "$2" "$3" "$(echo "$3 - $2" | bc -l)" "$4" "$5" "$6"
done
