#!/usr/bin/env bash
# `train --ensemble 5` on the four DeepBind ENCODE ChIP-seq sets with the paper's protocol
# (as bench/deepbind_accuracy.sh: 100 units, batch 100, Adam 0.003, BCE, reverse
# complements, patience 3, at most 20 epochs, seeds 1714…1718). Prints per set the test
# AUROC of the merged model (one ExplaiNN of 500 units whose logit is the members' mean),
# the mean and range of its members' AUROC, and the original ExplaiNN's single run; then
# checks on 200 test sequences that `explain` rows of the merged model (contributions +
# bias) add up to its logits within 1e-5.
# Usage: bench/ensemble_deepbind.sh [OUT_DIR] [TF...]; BIN=/path/to/explainn skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA=${DATA:-$ROOT/../shared/data/chipseq/deepbind_tsv}
OUT=${1:-/tmp/explainn-ensemble-deepbind}
shift || true
SETS=("$@")
[ ${#SETS[@]} -eq 0 ] && SETS=(CTCFL GABPA REST SP1)
K=${K:-5}
declare -A ORIGINAL=([CTCFL]=0.988 [GABPA]=0.983 [REST]=0.999 [SP1]=0.927)
if [ -z "${BIN:-}" ]; then
    cargo build --release -q -p explainn
    BIN=$ROOT/target/release/explainn
fi
auroc() { awk -F'\t' '$1=="macro"{print $2}' "$1/test/metrics.tsv"; }
mkdir -p "$OUT"
rows=()
for tf in "${SETS[@]}"; do
    prefix=$(ls "$DATA"/"${tf}"_*.train.tsv.gz | head -1)
    prefix=${prefix%.train.tsv.gz}
    start=$(date +%s)
    rm -rf "${OUT:?}/$tf"
    "$BIN" -q train "$prefix.train.tsv.gz" "$prefix.validation.tsv.gz" -o "$OUT/$tf" \
        --ensemble "$K" --units 100 --lr 0.003 --batch-size 100 --loss bce --patience 3 \
        --max-epochs 20 --seed 1714
    "$BIN" -q test "$OUT/$tf" "$prefix.test.tsv.gz" -o "$OUT/$tf/test" > /dev/null
    members=()
    for k in $(seq 1 "$K"); do
        m="$OUT/$tf/members/$k"
        "$BIN" -q test "$m" "$prefix.test.tsv.gz" -o "$m/test" > /dev/null
        members+=("$(auroc "$m")")
    done
    stats=$(printf '%s\n' "${members[@]}" | awk '{s+=$1; if(NR==1||$1<lo)lo=$1; if(NR==1||$1>hi)hi=$1} END{printf "%.4f %.4f %.4f", s/NR, lo, hi}')
    # explain rows of the merged model add up to its logits
    { zcat "$prefix.test.tsv.gz" || true; } | head -201 | gzip > "$OUT/$tf/probe.tsv.gz"
    worst=$("$BIN" -q explain "$OUT/$tf" "$OUT/$tf/probe.tsv.gz" | awk -F'\t' '
        NR>1 { k=$1 SUBSEP $2; if ($3=="logit") l[k]=$5; else s[k]+=$5 }
        END { w=0; for (k in l) { d=s[k]-l[k]; if (d<0) d=-d; if (d>w) w=d }; printf "%.2e", w }')
    rows+=("$tf ${ORIGINAL[$tf]} $(auroc "$OUT/$tf") $stats $worst $(( $(date +%s) - start ))")
done
printf '%-6s %9s %9s %13s %17s %14s %7s\n' set original merged members-mean members-range 'explain |Σ−y|' seconds
for r in "${rows[@]}"; do
    set -- $r
    printf '%-6s %9s %9.4f %13s %8s–%-8s %14s %7s\n' "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8"
done
