#!/usr/bin/env bash
# The paper's plug-and-play finding (Fig. 5) on the DeepBind ChIP-seq sets: test AUROC of
# ExplaiNN with freely learned filters, with JASPAR-initialised frozen filters, and with
# JASPAR-initialised filters left to train. 100 units; initialised from the first 100
# motifs of the bundled JASPAR 2024 CORE vertebrates set (they include GABPA, REST and
# CTCF); paper protocol otherwise (batch 100, Adam 0.003, BCE, RC, patience 3, at most 20
# epochs, seed 1714).
# Usage: bench/jaspar_init_deepbind.sh [OUT_DIR] [TF...]   (default: GABPA REST)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA=${DATA:-$ROOT/../shared/data/chipseq/deepbind_tsv}
OUT=${1:-/tmp/explainn-jaspar-init}
shift || true
SETS=("$@")
[ ${#SETS[@]} -eq 0 ] && SETS=(GABPA REST)
if [ -z "${BIN:-}" ]; then
    cargo build --release -q -p explainn
    BIN=$ROOT/target/release/explainn
fi
IDS=$(grep '^MOTIF' crates/motif/data/JASPAR2024_CORE_vertebrates_non-redundant_pfms_meme.txt \
    | head -100 | awk '{print $2}' | paste -sd,)
mkdir -p "$OUT"
printf '%-6s %-14s %8s %8s %7s\n' set setting auroc auprc seconds
for tf in "${SETS[@]}"; do
    prefix=$(ls "$DATA"/"${tf}"_*.train.tsv.gz | head -1)
    prefix=${prefix%.train.tsv.gz}
    for setting in learned init-frozen init-unfrozen; do
        flags=(--units 100)
        case $setting in
            init-frozen) flags=(--init-motifs jaspar --init-ids "$IDS" --freeze filters) ;;
            init-unfrozen) flags=(--init-motifs jaspar --init-ids "$IDS") ;;
        esac
        dir="$OUT/$tf-$setting"
        start=$(date +%s)
        "$BIN" -q train "$prefix.train.tsv.gz" "$prefix.validation.tsv.gz" -o "$dir" --force \
            "${flags[@]}" --batch-size 100 --loss bce --patience 3 --max-epochs 20 --seed 1714
        "$BIN" -q test "$dir" "$prefix.test.tsv.gz" -o "$dir/test" > /dev/null
        read -r auroc auprc < <(awk -F'\t' '$1=="macro"{print $2, $3}' "$dir/test/metrics.tsv")
        printf '%-6s %-14s %8.4f %8.4f %7s\n' "$tf" "$setting" "$auroc" "$auprc" $(( $(date +%s) - start ))
    done
done
