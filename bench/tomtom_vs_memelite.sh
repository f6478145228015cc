#!/usr/bin/env bash
# Time explainn's Tomtom against memelite's on the same inputs, in the same run:
# the 100 ExplaiNN filters (explainn_filters.meme) vs the 746 JASPAR 2020 motifs.
# memelite is installed into a virtual environment under /tmp if it is missing.
# Usage: bench/tomtom_vs_memelite.sh   (from anywhere; needs /work/shared/data)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DATA="${DATA:-$ROOT/../shared/data}"
Q="$DATA/explainn_fixtures/explainn_filters.meme"
T="$DATA/jaspar/JASPAR2020_CORE_vertebrates_non-redundant_pfms_meme.txt"
VENV="${MEMELITE_VENV:-/tmp/memelite-venv}"

if ! "$VENV/bin/python" -c "import memelite" 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q memelite
fi

cd "$ROOT"
cargo build -q --release -p explainn-motif --example bench_tomtom
RUST_OUT="$(BENCH_ONLY=ed target/release/examples/bench_tomtom)"
echo "$RUST_OUT"
RUST_S="$(echo "$RUST_OUT" | sed -n 's/.*: \([0-9.]*\) s wall.*/\1/p' | head -1)"

ML_S="$("$VENV/bin/python" - "$Q" "$T" <<'PY'
import sys, time
import numpy as np
from memelite import tomtom
from memelite.io import read_meme
q = [np.asarray(m, dtype=np.float64) for m in read_meme(sys.argv[1]).values()]
t = [np.asarray(m, dtype=np.float64) for m in read_meme(sys.argv[2]).values()]
tomtom(q[:2], t[:10])  # numba compilation, not timed
best = float("inf")
for _ in range(5):
    s = time.perf_counter()
    p, scores, offsets, overlaps, strands = tomtom(q, t)
    best = min(best, time.perf_counter() - s)
print(f"{best:.4f}")
PY
)"
echo "memelite.tomtom: $(grep -c '^MOTIF' "$Q") queries x $(grep -c '^MOTIF' "$T") targets: ${ML_S} s wall (best of 5)"
python3 -c "print(f'speed ratio memelite/explainn: {float(\"$ML_S\")/float(\"$RUST_S\"):.2f}x')"
