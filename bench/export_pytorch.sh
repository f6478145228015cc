#!/usr/bin/env bash
# `explainn export` against PyTorch: trains small models on the bundled TAL1/GATA demo data
# (ExplaiNN with num_fc 2 and 1, and the ConvNetDeep baseline `deepcnn`), exports each with
# `explainn export`, loads model.pth with `torch.load` (weights_only) into the original
# package's classes (PyPI explainn==0.1.5: ExplaiNN built from parameters-train.py.json,
# ConvNetDeep) with `load_state_dict(strict=True)`, and compares their logits on 500
# sequences with `explainn predict`'s forward-strand logits. The other way round, the
# original ConvNetDeep and DanQ classes (fresh, seeded) are saved with torch.save and
# brought in with `explainn import --arch deepcnn|danq`. Prints the largest difference per
# model; exits 1 if any exceeds 1e-5.
#
# Needs a Python venv with torch + explainn==0.1.5; PEER_VENV (default ~/.peer; created with
# pip when missing). BIN=/path/to/explainn skips the build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PEER_VENV=${PEER_VENV:-$HOME/.peer}
if [ ! -x "$PEER_VENV/bin/python" ] || ! "$PEER_VENV/bin/python" -c "import torch, explainn.models.networks" 2>/dev/null; then
    python3 -m venv "$PEER_VENV"
    "$PEER_VENV/bin/pip" install -q torch explainn==0.1.5 matplotlib
fi
if [ -z "${BIN:-}" ]; then
    cargo build --release -q -p explainn
    BIN=$ROOT/target/release/explainn
fi
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
"$BIN" -q prepare demo/data/tal_gata.tsv.gz --splits 80 10 10 -o "$W/d" >/dev/null
{ zcat "$W/d.test.tsv.gz" || true; } | head -501 | gzip > "$W/probe.tsv.gz"
for spec in "explainn2:--units 8 --num-fc 2" "explainn1:--units 8 --num-fc 1" "deepcnn:--arch deepcnn"; do
    name=${spec%%:*}
    # shellcheck disable=SC2086
    "$BIN" -q train "$W/d.train.tsv.gz" "$W/d.validation.tsv.gz" -o "$W/$name" --max-epochs 2 ${spec#*:}
    "$BIN" -q export "$W/$name" -o "$W/$name/torch"
    "$BIN" -q predict "$W/$name" "$W/probe.tsv.gz" -o "$W/$name/pred"
done
# PyTorch → explainn: the original classes' checkpoints, imported
W="$W" "$PEER_VENV/bin/python" - <<'PY'
import os, torch
from explainn.models.networks import ConvNetDeep, DanQ
torch.manual_seed(1714)
w = os.environ["W"]
for name, cls in [("torch_deepcnn", ConvNetDeep), ("torch_danq", DanQ)]:
    os.makedirs(f"{w}/{name}", exist_ok=True)
    torch.save(cls(3).state_dict(), f"{w}/{name}/model.pth")
PY
for spec in "torch_deepcnn:deepcnn" "torch_danq:danq"; do
    name=${spec%%:*}
    "$BIN" -q import "$W/$name/model.pth" --arch "${spec#*:}" --length 200 -o "$W/$name"
    "$BIN" -q predict "$W/$name" "$W/probe.tsv.gz" -o "$W/$name/pred"
done
W="$W" "$PEER_VENV/bin/python" - <<'PY'
import gzip, json, os, sys
import numpy as np, torch
from explainn.models.networks import ExplaiNN, ConvNetDeep, DanQ
torch.set_num_threads(2)
w = os.environ["W"]
probe = [l.split("\t") for l in gzip.open(f"{w}/probe.tsv.gz", "rt").read().splitlines()[1:]]
seqs = [r[1] for r in probe]
classes = len(probe[0]) - 2
idx = {b: i for i, b in enumerate("ACGT")}
x = np.zeros((len(seqs), 4, len(seqs[0])), dtype=np.float32)
for n, s in enumerate(seqs):
    for j, b in enumerate(s.upper()):
        if b in idx:
            x[n, idx[b], j] = 1.0
worst = 0.0
for name in ["explainn2", "explainn1", "deepcnn", "torch_deepcnn", "torch_danq"]:
    d = f"{w}/{name}" if name.startswith("torch_") else f"{w}/{name}/torch"
    sd = torch.load(f"{d}/model.pth", weights_only=True)
    if name == "torch_danq":
        model = DanQ(classes)
    elif name.startswith("explainn"):
        p = json.load(open(f"{d}/parameters-train.py.json"))
        model = ExplaiNN(p["num_units"], p["input_length"], classes, p["filter_size"],
                         p["num_fc"], p["pool_size"], p["pool_stride"])
    else:
        model = ConvNetDeep(classes)
    model.load_state_dict(sd, strict=True)
    model.eval()
    with torch.no_grad():
        torch_logits = model(torch.from_numpy(x)).numpy()
    rows = gzip.open(f"{w}/{name}/pred/predictions.tsv.gz", "rt").read().splitlines()
    head = rows[0].split("\t")
    ours = {}
    for r in rows[1:]:
        f = dict(zip(head, r.split("\t")))
        ours.setdefault(f[head[0]], []).append(float(f["forward"]))
    ids = [r[0] for r in probe]
    mine = np.array([ours[i] for i in ids], dtype=np.float64)
    diff = float(np.abs(mine - torch_logits).max())
    scale = float(np.abs(torch_logits).max())
    worst = max(worst, diff)
    how = ("imported by explainn from the original" if name.startswith("torch_")
           else "loaded strictly into the original")
    print(f"{name}: {len(sd)} tensors {how} {type(model).__name__}; "
          f"max |explainn − torch| logit = {diff:.2e} (logits up to {scale:.2f}) on {len(seqs)} sequences")
print("PASS" if worst <= 1e-5 else "FAIL", f"(largest difference {worst:.2e}, tolerance 1e-5)")
sys.exit(0 if worst <= 1e-5 else 1)
PY
