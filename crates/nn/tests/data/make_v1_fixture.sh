#!/usr/bin/env bash
# Makes the format-1 model fixture and its golden predictions with the release that wrote
# format 1 (commit 61b3f92, explainn 0.1.0):
#
#   git worktree add /tmp/v1 61b3f92 && (cd /tmp/v1 && cargo build -p explainn)
#   bash crates/nn/tests/data/make_v1_fixture.sh /tmp/v1/target/debug/explainn
#
# Outputs (committed): v1_model.safetensors (4 units, hidden 8, 3 classes, 200 bp, trained
# 2 epochs on the bundled TAL1/GATA demo data) and v1_predictions.tsv (that release's
# `explainn predict` on the first 20 demo sequences: id, class, forward, reverse, mean, max).
set -euo pipefail
bin="$1"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../../.." && pwd)"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
"$bin" prepare "$root/demo/data/tal_gata.tsv.gz" --test-ids "$root/demo/data/test_ids.txt.gz" \
  --splits 90 10 0 -o "$work/d" 2>/dev/null
"$bin" train "$work/d.train.tsv.gz" "$work/d.validation.tsv.gz" -o "$work/run" \
  --units 4 --hidden 8 --max-epochs 2 --threads 1 --seed 7 2>/dev/null
(zcat "$work/d.test.tsv.gz" || true) | head -21 > "$work/few.tsv"
"$bin" predict "$work/run" "$work/few.tsv" -o "$work/pred" --threads 1 2>/dev/null
cp "$work/run/model.safetensors" "$here/v1_model.safetensors"
zcat "$work/pred/predictions.tsv.gz" > "$here/v1_predictions.tsv"
cp "$work/few.tsv" "$here/v1_sequences.tsv"
echo "wrote $here/v1_model.safetensors, v1_predictions.tsv, v1_sequences.tsv"
