#!/usr/bin/env bash
# Model throughput against the PyTorch peer (the original ExplaiNN module and a lean PyTorch
# formulation), measured in one invocation on the same machine: builds explainn in release,
# runs `explainn bench-model` and ../shared/bench/torch_throughput.py with the same shape
# (100 units, length 200, batch 100, 50 classes, 2 threads), prints the three JSON lines and
# the ratios explainn / peer.
#
# Needs a Python venv with torch + explainn==0.1.5; set PEER_VENV (default /tmp/venv-peer;
# created with pip when missing, about 3 GB).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
SHARED=${SHARED:-$ROOT/../shared}
PEER_VENV=${PEER_VENV:-/tmp/venv-peer}
UNITS=${UNITS:-100} LENGTH=${LENGTH:-200} BATCH=${BATCH:-100} CLASSES=${CLASSES:-50} THREADS=${THREADS:-2}

if [ ! -x "$PEER_VENV/bin/python" ] || ! "$PEER_VENV/bin/python" -c "import torch, explainn.models.networks" 2>/dev/null; then
    python3 -m venv "$PEER_VENV"
    "$PEER_VENV/bin/pip" install -q torch explainn==0.1.5 matplotlib
fi

# BIN=/path/to/explainn skips the build.
if [ -z "${BIN:-}" ]; then
    cargo build --release -q -p explainn
    BIN=$ROOT/target/release/explainn
fi
ours=$("$BIN" bench-model --units "$UNITS" --length "$LENGTH" --batch "$BATCH" \
    --classes "$CLASSES" --threads "$THREADS")
peer=$("$PEER_VENV/bin/python" "$SHARED/bench/torch_throughput.py" --units "$UNITS" --batch "$BATCH" \
    --length "$LENGTH" --classes "$CLASSES" --threads "$THREADS" --models original lean)
echo "$ours"
echo "$peer"
OURS="$ours" PEER="$peer" python3 - <<'PY'
import json, os
ours = json.loads(os.environ["OURS"])
if "infer_burn_seq_per_s" in ours:
    print(f"explainn inference, fused kernel / burn forward: "
          f"{ours['infer_seq_per_s'] / ours['infer_burn_seq_per_s']:.2f}x "
          f"({ours['infer_seq_per_s']:.0f} vs {ours['infer_burn_seq_per_s']:.0f} seq/s)")
for line in os.environ["PEER"].splitlines():
    p = json.loads(line)
    print(f"explainn / torch-{p['model']}: train {ours['train_seq_per_s'] / p['train_seq_per_s']:.2f}x "
          f"({ours['train_seq_per_s']:.0f} vs {p['train_seq_per_s']:.0f} seq/s), "
          f"inference {ours['infer_seq_per_s'] / p['infer_seq_per_s']:.2f}x "
          f"({ours['infer_seq_per_s']:.0f} vs {p['infer_seq_per_s']:.0f} seq/s)")
PY
