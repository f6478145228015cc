#!/usr/bin/env bash
# Checks that a refactor changes no ExplaiNN number: runs prepare → train → test →
# interpret with two explainn binaries (the previous release and the current build) on the
# same data, seed and thread count, then compares
#   - every tensor of model.safetensors, byte for byte (the metadata may differ: format,
#     version, provenance),
#   - test/metrics.tsv and test/predictions.tsv.gz,
#   - interpret/{filters.meme,tomtom.tsv,annotation.tsv,weights.tsv,importance.tsv},
#   - the attributions of every method (`attribute`: attributions.npz arrays, deltas.tsv),
#     also of a CNN1 baseline trained for one epoch (layered DeepLIFT-SHAP and ISM),
#     `gia --insert` (a consensus and a motif) / `--pair` / `--ablate` tables, `predict`
#     (logits and --sigmoid), `explain` and `variants` (SNVs on a contig made of test
#     sequences) on the first 100 test sequences.
#
#   bash bench/compare_release.sh OLD_BINARY NEW_BINARY [demo|sp1]
#
# The previous release's binary: `git worktree add /tmp/ref <commit>` and
# `cargo build -p explainn` there (the dev profile gives the same numbers as release: no
# fast-math, the same SIMD path chosen at run time). demo = the bundled TAL1/GATA set
# (20 units, 15 epochs); sp1 = the DeepBind SP1 set with the paper protocol (needs
# ../shared/data). Exits non-zero on the first difference.
set -euo pipefail
old="$1"; new="$2"; set_name="${3:-demo}"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"; root="$(dirname "$here")"
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
threads="${THREADS:-2}"

case "$set_name" in
  demo)
    prep=(prepare "$root/demo/data/tal_gata.tsv.gz" --test-ids "$root/demo/data/test_ids.txt.gz" --splits 90 10 0)
    train_flags=(--units 20 --max-epochs 15 --patience 4)
    ablate=AGATAA
    ;;
  sp1)
    d="$root/../shared/data/chipseq/deepbind_tsv"
    mkdir -p "$work/data"
    for s in train validation test; do cp "$d"/SP1_*."$s".tsv.gz "$work/data/x.$s.tsv.gz"; done
    prep=()
    train_flags=(--units 100 --max-epochs 20 --patience 3 --seed 1714)
    ablate=GGGCGG
    ;;
  *) echo "unknown set $set_name (demo or sp1)" >&2; exit 2 ;;
esac

for side in old new; do
  bin="$old"; [ "$side" = new ] && bin="$new"
  out="$work/$side"; mkdir -p "$out"
  if [ ${#prep[@]} -gt 0 ]; then
    "$bin" "${prep[@]}" -o "$out/x" >/dev/null 2>&1
    data="$out/x"
  else
    data="$work/data/x"
  fi
  "$bin" train "$data.train.tsv.gz" "$data.validation.tsv.gz" -o "$out/run" \
    "${train_flags[@]}" --threads "$threads" 2>/dev/null
  "$bin" test "$out/run" "$data.test.tsv.gz" -o "$out/run/test" --threads "$threads" >/dev/null 2>&1
  "$bin" interpret "$out/run" "$data.train.tsv.gz" --threads "$threads" >/dev/null 2>&1
  zcat "$data.test.tsv.gz" | awk '!/^#/ && n++ < 100' > "$out/few.tsv"
  for m in deepliftshap deeplift ism saliency input-x-gradient integrated-gradients; do
    "$bin" attribute "$out/run" "$out/few.tsv" --method "$m" --target 0 --threads "$threads" \
      -o "$out/attr-$m" -q 2>/dev/null
  done
  "$bin" gia "$out/run" --insert AGATAAGG --n 200 --threads "$threads" -o "$out/gia-insert" -q >/dev/null
  "$bin" gia "$out/run" --pair AGATAA CAGCTG --distances 0:20:5 --n 100 --threads "$threads" \
    -o "$out/gia-pair" -q >/dev/null
  # a motif pattern (instances drawn from the PFM) and an ablation
  printf 'MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\nMOTIF gata GATA\n\nletter-probability matrix: alength= 4 w= 6\n0.7 0.1 0.1 0.1\n0.05 0.05 0.85 0.05\n0.9 0.03 0.03 0.04\n0.05 0.05 0.05 0.85\n0.9 0.03 0.03 0.04\n0.6 0.1 0.2 0.1\n' > "$out/gata.meme"
  "$bin" gia "$out/run" --insert "$out/gata.meme" --n 200 --threads "$threads" -o "$out/gia-motif" -q >/dev/null
  "$bin" gia "$out/run" --ablate "$ablate" --thresh 0.001 --sequences "$out/few.tsv" --threads "$threads" \
    -o "$out/gia-ablate" -q >/dev/null
  "$bin" predict "$out/run" "$out/few.tsv" --threads "$threads" -o "$out/predict" -q 2>/dev/null
  "$bin" predict "$out/run" "$out/few.tsv" --sigmoid --threads "$threads" -o "$out/predict-sigmoid" -q 2>/dev/null
  "$bin" explain "$out/run" "$out/few.tsv" --threads "$threads" -o "$out/explain.tsv" -q 2>/dev/null
  # a convolutional baseline (exact DeepLIFT through its layers; ISM), trained briefly
  "$bin" train "$data.train.tsv.gz" "$data.validation.tsv.gz" -o "$out/cnn" --arch cnn1 \
    --max-epochs 1 --threads "$threads" -q 2>/dev/null
  for m in deepliftshap ism; do
    "$bin" attribute "$out/cnn" "$out/few.tsv" --method "$m" --target 0 --threads "$threads" \
      -o "$out/attr-cnn-$m" -q 2>/dev/null
  done
  # variants: the first ten test sequences as one 2 kb contig, an SNV at every 97th base
  awk -F'\t' 'BEGIN { printf ">chrT\n" } NR <= 10 { printf "%s", $2 } END { printf "\n" }' "$out/few.tsv" > "$out/genome.fa"
  awk 'BEGIN { print "##fileformat=VCFv4.2"; print "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO" }
       NR == 2 { for (p = 50; p < length($0) - 50; p += 97) { r = substr($0, p, 1); a = (r == "A") ? "G" : "A";
                 printf "chrT\t%d\tv%d\t%s\t%s\t.\t.\t.\n", p, p, r, a } }' "$out/genome.fa" > "$out/snv.vcf"
  "$bin" variants "$out/run" "$out/snv.vcf" --genome "$out/genome.fa" --threads "$threads" \
    -o "$out/variants.tsv" -q 2>/dev/null
done

python3 - "$work/old/run/model.safetensors" "$work/new/run/model.safetensors" <<'EOF'
import json, struct, sys
def tensors(p):
    b = open(p, "rb").read()
    n = struct.unpack("<Q", b[:8])[0]
    h = json.loads(b[8:8 + n]); h.pop("__metadata__", None)
    data = b[8 + n:]
    return {k: (v["dtype"], v["shape"], data[v["data_offsets"][0]:v["data_offsets"][1]]) for k, v in h.items()}
a, b = tensors(sys.argv[1]), tensors(sys.argv[2])
if a.keys() != b.keys():
    sys.exit(f"tensor names differ: {sorted(a.keys() ^ b.keys())}")
diff = [k for k in a if a[k] != b[k]]
if diff:
    sys.exit(f"tensors differ: {diff}")
print(f"model.safetensors: {len(a)} tensors byte-identical")
EOF
for f in test/metrics.tsv interpret/filters.meme interpret/tomtom.tsv interpret/annotation.tsv \
         interpret/weights.tsv interpret/importance.tsv; do
  cmp "$work/old/run/$f" "$work/new/run/$f" || { echo "DIFFERENT: $f" >&2; exit 1; }
  echo "$f: identical"
done
cmp <(zcat "$work/old/run/test/predictions.tsv.gz") <(zcat "$work/new/run/test/predictions.tsv.gz") \
  || { echo "DIFFERENT: test/predictions.tsv.gz" >&2; exit 1; }
echo "test/predictions.tsv.gz: identical"
for m in deepliftshap deeplift ism saliency input-x-gradient integrated-gradients cnn-deepliftshap cnn-ism; do
  python3 - "$work/old/attr-$m/attributions.npz" "$work/new/attr-$m/attributions.npz" <<'EOF'
import sys, zipfile
a, b = (zipfile.ZipFile(p) for p in sys.argv[1:3])
if sorted(a.namelist()) != sorted(b.namelist()):
    sys.exit(f"npz members differ: {a.namelist()} {b.namelist()}")
for n in a.namelist():
    if a.read(n) != b.read(n):
        sys.exit(f"DIFFERENT: {sys.argv[1]} {n}")
EOF
  if [ -e "$work/old/attr-$m/deltas.tsv" ]; then
    cmp "$work/old/attr-$m/deltas.tsv" "$work/new/attr-$m/deltas.tsv" || { echo "DIFFERENT: attribute $m deltas.tsv" >&2; exit 1; }
  fi
  echo "attribute --method $m: identical"
done
for f in gia-insert/insert.tsv gia-insert/insert_units.tsv gia-pair/pair.tsv gia-motif/insert.tsv \
         gia-motif/insert_units.tsv gia-ablate/ablate.tsv gia-ablate/ablate_units.tsv explain.tsv \
         variants.tsv; do
  cmp "$work/old/$f" "$work/new/$f" || { echo "DIFFERENT: $f" >&2; exit 1; }
  echo "$f: identical"
done
for f in predict/predictions.tsv.gz predict-sigmoid/predictions.tsv.gz; do
  cmp <(zcat "$work/old/$f") <(zcat "$work/new/$f") || { echo "DIFFERENT: $f" >&2; exit 1; }
  echo "$f: identical"
done
echo "PASS: $set_name gives the same numbers with both binaries"
