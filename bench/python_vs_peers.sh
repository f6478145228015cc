#!/usr/bin/env bash
# explainn_rs (the Python package) against the Python peers, in one invocation on the
# same machine, same inputs, ratios printed:
#   1. explainn_rs.tomtom vs memelite.tomtom: the 100 ExplaiNN filters vs the 746 JASPAR
#      2020 motifs (best of 5 each, memelite's numba compilation not timed);
#   2. Model.predict vs the original PyTorch ExplaiNN (explainn==0.1.5) on the same
#      weights (`explainn export`): a 100-unit model of 200 bp, 5,000 sequences, forward
#      strand, the largest logit difference printed beside the times.
# Both on THREADS threads (default 2).
#
#   bash bench/python_vs_peers.sh
#
# Needs ../shared/data and a venv with torch, explainn==0.1.5 and memelite: PEER_VENV
# (default /tmp/venv-peer, created with pip when missing, about 3 GB); explainn_rs is
# built into it from python/ with pip.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA=${DATA:-$ROOT/../shared/data}
PEER_VENV=${PEER_VENV:-/tmp/venv-peer}
THREADS=${THREADS:-2}
if ! "$PEER_VENV/bin/python" -c "import torch, explainn.models.networks, memelite" 2>/dev/null; then
  python3 -m venv "$PEER_VENV"
  "$PEER_VENV/bin/pip" install -q torch explainn==0.1.5 memelite matplotlib
fi
"$PEER_VENV/bin/pip" install -q "$ROOT/python"
cargo build --release -q -p explainn
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
# A 100-unit ExplaiNN of 200 bp (one epoch on the bundled set: the weights only need to be
# the same on both sides), exported for the original classes.
zcat demo/data/tal_gata.tsv.gz | awk 'NR <= 2001' | gzip > "$W/train.tsv.gz"
zcat demo/data/tal_gata.tsv.gz | awk 'NR == 1 || (NR > 2001 && NR <= 2501)' | gzip > "$W/valid.tsv.gz"
target/release/explainn train "$W/train.tsv.gz" "$W/valid.tsv.gz" -o "$W/run" --max-epochs 1 -q
target/release/explainn export "$W/run" -o "$W/torch" -q
W="$W" DATA="$DATA" THREADS="$THREADS" "$PEER_VENV/bin/python" - <<'PY'
import json, os, time
import numpy as np
import torch
import explainn_rs as ex
import memelite
from memelite.io import read_meme
from explainn.models.networks import ExplaiNN

threads, w, data = int(os.environ["THREADS"]), os.environ["W"], os.environ["DATA"]
torch.set_num_threads(threads)


def best(f, n=5):
    t = float("inf")
    for _ in range(n):
        s = time.perf_counter()
        f()
        t = min(t, time.perf_counter() - s)
    return t


# 1. Tomtom
qf = f"{data}/explainn_fixtures/explainn_filters.meme"
tf = f"{data}/jaspar/JASPAR2020_CORE_vertebrates_non-redundant_pfms_meme.txt"
q_ml = [np.asarray(m, dtype=np.float64) for m in read_meme(qf).values()]
t_ml = [np.asarray(m, dtype=np.float64) for m in read_meme(tf).values()]
q_ex, t_ex = list(ex.read_meme(qf).values()), list(ex.read_meme(tf).values())
memelite.tomtom(q_ml[:2], t_ml[:10], n_jobs=threads)  # numba compilation
t_mem = best(lambda: memelite.tomtom(q_ml, t_ml, n_jobs=threads))
t_ours = best(lambda: ex.tomtom(q_ex, t_ex, n_jobs=threads))
print(f"tomtom {len(q_ex)} x {len(t_ex)}: explainn_rs {t_ours:.3f} s, memelite {t_mem:.3f} s "
      f"(best of 5, {threads} threads): {t_mem / t_ours:.2f}x")

# 2. predict on the same weights
p = json.load(open(f"{w}/torch/parameters-train.py.json"))
model = ex.Model.load(f"{w}/run")
net = ExplaiNN(p["num_units"], p["input_length"], len(model.classes), p["filter_size"],
               p["num_fc"], p["pool_size"], p["pool_stride"])
net.load_state_dict(torch.load(f"{w}/torch/model.pth", weights_only=True), strict=True)
net.eval()
rng = np.random.default_rng(1)
X = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (5000, 200))].transpose(0, 2, 1).copy()
Xt = torch.from_numpy(X)


def torch_predict():
    with torch.no_grad():
        return torch.cat([net(Xt[i:i + 256]) for i in range(0, len(Xt), 256)]).numpy()


diff = float(np.abs(model.predict(X, forward_only=True, threads=threads) - torch_predict()).max())
t_torch = best(torch_predict, 3)
t_ex = best(lambda: model.predict(X, forward_only=True, threads=threads), 3)
print(f"predict {p['num_units']} units x {len(X)} sequences of 200 bp: explainn_rs {t_ex:.3f} s, "
      f"original PyTorch ExplaiNN {t_torch:.3f} s (best of 3, {threads} threads, batches of 256): "
      f"{t_torch / t_ex:.2f}x; max |logit difference| {diff:.1e}")
PY
