#!/usr/bin/env bash
# Pretrained models as units (`train --units-from`) on the simulated TAL1/GATA benchmark
# (demo/data): single-task ExplaiNN models trained on the GATA and on the TAL1 column, then
# a NAM head (and a linear head) over the two on all three tasks (both, GATA, TAL1). Prints
# the single-task models' test AUROC, the stacked models' test metrics, and the head's
# importance.tsv (the TAL1 model-unit should dominate the TAL1 task, the GATA one GATA).
#
# BIN=/path/to/explainn skips the build; OUT keeps the outputs (default: a temporary dir);
# EPOCHS (default 10), UNITS per single-task model (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BIN:-}" ]; then
    cargo build --release -q -p explainn
    BIN=$(pwd)/target/release/explainn
fi
EPOCHS=${EPOCHS:-10} UNITS=${UNITS:-10}
W=${OUT:-$(mktemp -d)}
mkdir -p "$W"
"$BIN" -q prepare demo/data/tal_gata.tsv.gz --test-ids demo/data/test_ids.txt.gz \
    --splits 90 10 0 -o "$W/d" >/dev/null
# single-task sets: id, seq and one label column (header kept)
for task in GATA TAL1; do
    for split in train validation test; do
        zcat "$W/d.$split.tsv.gz" | awk -F'\t' -v t="$task" 'BEGIN{OFS="\t"}
            NR==1{for(i=3;i<=NF;i++) if($i==t) c=i; print $1,$2,$c; next} {print $1,$2,$c}' \
            | gzip > "$W/$task.$split.tsv.gz"
    done
    "$BIN" -q train "$W/$task.train.tsv.gz" "$W/$task.validation.tsv.gz" -o "$W/units/$task" \
        --units "$UNITS" --max-epochs "$EPOCHS" --patience 3 --force
    "$BIN" -q test "$W/units/$task" "$W/$task.test.tsv.gz" -o "$W/units/$task/test" >/dev/null
    printf '%s single-task model: ' "$task"; tail -n +2 "$W/units/$task/test/metrics.tsv" | cut -f1,2 | tr '\n' ' '; echo
done
for head in nam linear; do
    "$BIN" -q train "$W/d.train.tsv.gz" "$W/d.validation.tsv.gz" -o "$W/$head" \
        --units-from "$W/units" --head "$head" --max-epochs "$EPOCHS" --patience 3 --force
    "$BIN" -q test "$W/$head" "$W/d.test.tsv.gz" -o "$W/$head/test" >/dev/null
    "$BIN" -q interpret "$W/$head" >/dev/null
    echo "== $head head: test metrics"; cat "$W/$head/test/metrics.tsv"
    echo "== $head head: interpret/importance.tsv"; cat "$W/$head/interpret/importance.tsv"
done
