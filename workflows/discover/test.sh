#!/usr/bin/env bash
# The discover workflow on two tiny datasets (a planted GATA site, a planted E-box) with
# the local executor, in a venv of its own (workflows/.venv: snakemake from PyPI, made
# once); then a sample sheet naming a missing file must stop it before any job runs.
#   bash workflows/discover/test.sh
# Uses $EXPLAINN_BIN, else target/release/explainn or target/debug/explainn.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
venv=${VENV:-$root/workflows/.venv}
if [ ! -x "$venv/bin/snakemake" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  "$venv/bin/pip" install -q snakemake
fi
bin=${EXPLAINN_BIN:-}
for b in "${CARGO_TARGET_DIR:-$root/target}/release/explainn" "${CARGO_TARGET_DIR:-$root/target}/debug/explainn"; do
  [ -n "$bin" ] || { [ -x "$b" ] && bin=$b; }
done
[ -n "$bin" ] || { echo "no explainn binary: cargo build -p explainn first" >&2; exit 1; }
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
python3 - "$w" <<'PY'
import random, sys
w = sys.argv[1]
for name, site, seed in (("gata", "AGATAAG", 1), ("ebox", "CACGTG", 2)):
    random.seed(seed)
    with open(f"{w}/{name}.fa", "w") as f:
        for i in range(400):
            s = [random.choice("ACGT") for _ in range(60)]
            s[25:25 + len(site)] = site
            f.write(f">{name}{i}\n{''.join(s)}\n")
with open(f"{w}/samples.tsv", "w") as f:
    f.write("sample\tpeaks\ngata\tgata.fa\nebox\tebox.fa\n")
with open(f"{w}/missing.tsv", "w") as f:
    f.write("sample\tpeaks\ngata\tgata.fa\nfoxa\tfoxa_peaks.fa\n")
PY
snake() { "$venv/bin/snakemake" -s "$here/Snakefile" --cores 2 --directory "$w" --quiet rules progress "$@"; }
snake --config samples="$w/samples.tsv" outdir="$w/results" explainn="$bin" \
  discover_args="--units 8 --max-epochs 4" threads=1
best=$w/results/summary/best_motifs.tsv
cat "$best"
for s in gata ebox; do
  grep -q "^$s	" "$best" || { echo "FAIL: $s missing from $best" >&2; exit 1; }
done
[ -s "$w/results/summary/clusters/clusters.tsv" ] || { echo "FAIL: no clusters.tsv" >&2; exit 1; }
grep -q "^MOTIF gata_unit" "$w/results/summary/all_motifs.meme" || { echo "FAIL: ids not prefixed" >&2; exit 1; }
# A missing file in the sample sheet: an error naming it, before any job.
if snake --config samples="$w/missing.tsv" outdir="$w/results2" explainn="$bin" > "$w/err.log" 2>&1; then
  echo "FAIL: a missing file was accepted" >&2; exit 1
fi
grep -q "missing.tsv, line 3: .*foxa_peaks.fa does not exist" "$w/err.log" || { cat "$w/err.log" >&2; echo "FAIL: unclear error" >&2; exit 1; }
[ ! -e "$w/results2/gata" ] || { echo "FAIL: a job ran before the check" >&2; exit 1; }
echo "workflow test: ok"
