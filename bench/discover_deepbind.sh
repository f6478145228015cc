#!/usr/bin/env bash
# `explainn discover` on the four DeepBind ENCODE sets against JASPAR: for each TF,
# discover runs on the training peaks (positives of the `_AC` file, one dinucleotide
# shuffle each, its own splits), then the discovered motifs and all JASPAR 2024 motifs are
# scored alone on the official held-out test file (`_B`: 500 bound + 500 shuffled, as
# ExplaiNN TSV in deepbind_tsv/) with `explainn motifs score`. Printed per TF: the best
# discovered motif (test AUPRC, its unit's rank by explained contribution, its JASPAR
# match), the best JASPAR motif of the TF's family (CTCFL: CTCF/CTCFL; GABPA: GABPA/ETS;
# REST: REST; SP1: SP/KLF) and the difference; the wall time of discover.
#
#   bash bench/discover_deepbind.sh [TF…]        # default: CTCFL GABPA REST SP1; THREADS=2
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA=${DATA:-$ROOT/../shared/data}
THREADS=${THREADS:-2}
cargo build --release -q -p explainn
X=$ROOT/target/release/explainn
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
JASPAR=$DATA/jaspar/JASPAR2024_CORE_vertebrates_non-redundant_pfms_meme.txt
TFS=("$@")
[ ${#TFS[@]} -gt 0 ] || TFS=(CTCFL GABPA REST SP1)
for tf in "${TFS[@]}"; do
  ac=$(ls "$DATA"/chipseq/deepbind_encode/"${tf}"_*_AC.seq.gz)
  test=$(ls "$DATA"/chipseq/deepbind_tsv/"${tf}"_*.test.tsv.gz)
  zcat "$ac" | awk -F'\t' 'NR > 1 && $4 == 1 {print ">" $2 "\n" $3}' > "$W/$tf.fa"
  t0=$(date +%s.%N)
  "$X" discover "$W/$tf.fa" -o "$W/$tf" --threads "$THREADS" -q
  t1=$(date +%s.%N)
  "$X" motifs score "$W/$tf/motifs.meme" "$test" -o "$W/$tf.found.tsv" --threads "$THREADS" -q
  "$X" motifs score "$JASPAR" "$test" -o "$W/$tf.jaspar.tsv" --threads "$THREADS" -q
  python3 - "$tf" "$W/$tf.found.tsv" "$W/$tf.jaspar.tsv" "$W/$tf/motifs.tsv" "$(grep -c '>' "$W/$tf.fa")" "$t0" "$t1" <<'PY'
import csv, re, sys
tf, found, jaspar, table, n, t0, t1 = sys.argv[1:]
family = {"CTCFL": r"^CTCF", "GABPA": r"^(GABPA|ELK|ETS|ETV|ELF|FLI1|ERG|FEV|ELK)", "REST": r"^REST$", "SP1": r"^(SP\d|KLF)"}[tf]
rows = lambda p: list(csv.DictReader(open(p), delimiter="\t"))
f = rows(found)
j = [r for r in rows(jaspar) if re.match(family, r["motif_alt_id"].upper())]
info = {r["motif_id"]: r for r in rows(table)}
bf = max(f, key=lambda r: float(r["auprc"]))
bj = max(j, key=lambda r: float(r["auprc"]))
u = info[bf["motif_id"]]
print(f"{tf}: {n} peaks, discover {float(t1) - float(t0):.0f} s; best discovered {bf['motif_id']} ({u['best_match']}, unit rank {u['unit_rank']}) "
      f"test AUPRC {float(bf['auprc']):.3f}; best JASPAR of the family {bj['motif_id']} {bj['motif_alt_id']} {float(bj['auprc']):.3f}; "
      f"difference {float(bf['auprc']) - float(bj['auprc']):+.3f}")
PY
done
