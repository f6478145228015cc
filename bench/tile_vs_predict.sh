#!/usr/bin/env bash
# Tiled genome-wide prediction (`predict --genome G --tile 50`) against per-window
# `predict` of the same windows cut out as BED intervals, in one invocation on the same
# machine and thread count, ratio printed:
#   1. the 1 Mb hg19 chr22 slice at stride 50: wall times, windows per second, the ratio,
#      and the time extrapolated to a 249 Mb chromosome;
#   2. a synthetic chromosome of BIG bases (default 249,000,000; BIG=0 skips it): wall
#      time and peak RSS of the tiled run (constant memory in the genome's size);
#   3. the class bigWig read back with pyBigWig (PyPI `pybigwig`, in PEER_VENV) and
#      compared with the bedGraph of the same run.
# The model: MODEL (a run directory), else a 100-unit ExplaiNN of 200 bp trained one epoch
# on the bundled set (speed does not depend on the weights).
#
#   bash bench/tile_vs_predict.sh            # THREADS=2 BIG=249000000 by default
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA=${DATA:-$ROOT/../shared/data}
THREADS=${THREADS:-2}
BIG=${BIG:-249000000}
PEER_VENV=${PEER_VENV:-/tmp/venv-peer}
cargo build --release -q -p explainn
X=$ROOT/target/release/explainn
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
MODEL=${MODEL:-}
if [ -z "$MODEL" ]; then
  zcat demo/data/tal_gata.tsv.gz | awk 'NR <= 2001' | gzip > "$W/train.tsv.gz"
  zcat demo/data/tal_gata.tsv.gz | awk 'NR == 1 || (NR > 2001 && NR <= 2501)' | gzip > "$W/valid.tsv.gz"
  "$X" train "$W/train.tsv.gz" "$W/valid.tsv.gz" -o "$W/run" --max-epochs 1 -q
  MODEL=$W/run
fi
L=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['architecture']['input_length'])" "$MODEL/config.json" 2>/dev/null || echo 200)
G=$DATA/genome/hg19_chr22_20000001-21000000.fa.gz
CHROM="22:20000001-21000000"
awk -v L="$L" -v C="$CHROM" 'BEGIN{OFS="\t"; for (s = 0; s + L <= 1000000; s += 50) print C, s, s + L}' > "$W/windows.bed"
N=$(wc -l < "$W/windows.bed")
secs() { local t0 t1; t0=$(date +%s.%N); "$@"; t1=$(date +%s.%N); python3 -c "print(f'{$t1 - $t0:.3f}')"; }
echo "model $MODEL, window $L bp, $N windows at stride 50 over the chr22 slice, $THREADS threads"
best_tile=999; best_cut=999
for _ in 1 2 3; do
  t=$(secs "$X" predict "$MODEL" --genome "$G" --tile 50 --max-n 1 --bedgraph -o "$W/tiles" --threads "$THREADS" -q)
  c=$(secs "$X" predict "$MODEL" "$W/windows.bed" --genome "$G" -o "$W/cut" --threads "$THREADS" -q)
  best_tile=$(python3 -c "print(min($best_tile, $t))"); best_cut=$(python3 -c "print(min($best_cut, $c))")
done
python3 - "$N" "$best_tile" "$best_cut" <<'PY'
import sys
n, t, c = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
print(f"tiled     {t:7.3f} s  {n / t:9.0f} windows/s")
print(f"per-window{c:7.3f} s  {n / c:9.0f} windows/s")
print(f"ratio tiled/per-window: {c / t:.2f}x")
w249 = 249_000_000 // 50
print(f"extrapolated to 249 Mb at stride 50 ({w249} windows): tiled {w249 / (n / t) / 60:.1f} min, per-window {w249 / (n / c) / 60:.1f} min")
PY
# The same values, read back by pyBigWig.
if ! "$PEER_VENV/bin/python" -c "import pyBigWig" 2>/dev/null; then
  [ -x "$PEER_VENV/bin/python" ] || python3 -m venv "$PEER_VENV"
  "$PEER_VENV/bin/pip" install -q pybigwig numpy || echo "pyBigWig unavailable: check skipped"
fi
if "$PEER_VENV/bin/python" -c "import pyBigWig" 2>/dev/null; then
  "$PEER_VENV/bin/python" - "$W/tiles" "$CHROM" <<'PY'
import glob, os, sys
import pyBigWig
out, chrom = sys.argv[1], sys.argv[2]
for bw_path in sorted(glob.glob(os.path.join(out, "*.bw"))):
    bg = [l.split("\t") for l in open(bw_path[:-3] + ".bedGraph")]
    bw = pyBigWig.open(bw_path)
    assert bw.isBigWig() and chrom in bw.chroms(), bw.chroms()
    iv = bw.intervals(chrom)
    assert len(iv) == len(bg), (len(iv), len(bg))
    worst = max(abs(v - float(b[3])) for (s, e, v), b in zip(iv, bg) if (s, e) == (int(b[1]), int(b[2])))
    print(f"pyBigWig {os.path.basename(bw_path)}: {len(iv)} intervals, largest difference from the bedGraph {worst:.2e}")
PY
fi
if [ "$BIG" -gt 0 ]; then
  python3 - "$W/big.fa" "$BIG" <<'PY'
import os, sys
path, n = sys.argv[1], int(sys.argv[2])
table = bytes(b"ACGT"[i % 4] for i in range(256))
with open(path, "wb") as f:
    f.write(b">synthetic\n")
    left = n
    while left > 0:
        k = min(left, 6_000_000)
        s = os.urandom(k).translate(table)
        f.write(b"\n".join(s[i:i + 60] for i in range(0, k, 60)) + b"\n")
        left -= k
PY
  /usr/bin/time -f "%e %M" -o "$W/big.time" "$X" predict "$MODEL" --genome "$W/big.fa" --tile 50 -o "$W/big" --threads "$THREADS" -q
  read -r wall rss < "$W/big.time"
  python3 -c "print(f'synthetic chromosome of $BIG bp at stride 50: {$wall / 60:.1f} min, peak RSS {$rss / 1024:.0f} MB')"
fi
