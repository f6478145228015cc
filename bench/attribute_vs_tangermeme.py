"""Attributions side by side with tangermeme 1.6 on the same weights: the original
ExplaiNN checkpoint (../shared/data/explainn_fixtures/model_epoch_best_4.pth, 100 units,
200 bp, 3 classes) and 100 of its test sequences, 2 threads, target class 0.

- DeepLIFT-SHAP with 20 dinucleotide shuffles: wall time and convergence deltas
  |Σ attributions − (f(x) − f(r))| per sequence–reference pair (explainn's from
  deltas.tsv, the largest over each sequence's references; tangermeme's from its raw
  per-reference attributions and the model's outputs on the references it returns).
- Saturation mutagenesis: sequences per second.
Prints one table with the ratios. Usage: python3 bench/attribute_vs_tangermeme.py BIN
(BIN: the explainn binary; run with the peer venv's python, which has torch, explainn
0.1.5 and tangermeme).
"""
import gzip, json, os, subprocess, sys, tempfile, time, warnings
import numpy as np
import torch

BIN = sys.argv[1]
N = int(os.environ.get("N", 100))
ROOT = os.path.dirname(os.path.abspath(__file__))
FIX = os.path.join(ROOT, "..", "..", "shared", "data", "explainn_fixtures")
torch.set_num_threads(2)
# tangermeme warns once per batch that its deltas exceed the output differences; the
# table below prints those deltas.
warnings.filterwarnings("ignore", message="Convergence deltas")
tmp = tempfile.mkdtemp(prefix="attr-bench-")

rows = []
with gzip.open(os.path.join(FIX, "golden", "janggu_test_predictions.tsv.gz"), "rt") as f:
    next(f)
    for line in f:
        p = line.rstrip("\n").split("\t")
        rows.append((p[0], p[1]))
rows = rows[:N]
fa = os.path.join(tmp, "s.fa")
with open(fa, "w") as f:
    for i, s in rows:
        f.write(f">{i}\n{s}\n")
LUT = {c: k for k, c in enumerate("ACGT")}
X = np.zeros((N, 4, 200), dtype=np.float32)
for n, (_, s) in enumerate(rows):
    for j, c in enumerate(s.upper()):
        if c in LUT:
            X[n, LUT[c], j] = 1
X = torch.from_numpy(X)

# explainn
model_dir = os.path.join(tmp, "m")
subprocess.run([BIN, "import", os.path.join(FIX, "model_epoch_best_4.pth"), "--length", "200", "-o", model_dir, "-q"], check=True)
def ex(method, out, extra=()):
    t = time.perf_counter()
    subprocess.run([BIN, "attribute", model_dir, fa, "-o", out, "--target", "0", "--method", method, "--threads", "2", "-q", *extra], check=True)
    return time.perf_counter() - t
t_ex_dls = ex("deepliftshap", os.path.join(tmp, "dls"), ["--references", "shuffle:20"])
d_ex = np.array([float(l.split("\t")[3]) for l in open(os.path.join(tmp, "dls", "deltas.tsv")).read().splitlines()[1:]])
t_ex_ism = ex("ism", os.path.join(tmp, "ism"))

# tangermeme on the original class with the same weights
from explainn.models.networks import ExplaiNN
from tangermeme.deep_lift_shap import deep_lift_shap
from tangermeme.saturation_mutagenesis import saturation_mutagenesis
m = ExplaiNN(100, 200, 3)
m.load_state_dict(torch.load(os.path.join(FIX, "model_epoch_best_4.pth"), map_location="cpu", weights_only=True))
m.eval()
t = time.perf_counter()
res = deep_lift_shap(m, X, target=0, n_shuffles=20, raw_outputs=True, return_references=True, device="cpu", random_state=1714, warning_threshold=1e9)
t_tm_dls = time.perf_counter() - t
raw, refs = res[0], res[1]  # (N, S, 4, L) each
with torch.no_grad():
    fx = m(X)[:, 0]
    fr = m(refs.reshape(-1, 4, 200)).reshape(N, -1, 3)[:, :, 0]
d_tm = (raw.sum(dim=(2, 3)) - (fx[:, None] - fr)).abs().max(dim=1).values.numpy()
dpred = (fx[:, None] - fr).abs().median().item()
K = int(os.environ.get("ISM_N", 10))
t = time.perf_counter()
saturation_mutagenesis(m, X[:K], device="cpu", target=0)
t_tm_ism = (time.perf_counter() - t) / K * N

print(json.dumps(dict(sequences=N, threads=2)))
print(f"{'':24s} {'explainn':>12s} {'tangermeme':>12s} {'ratio':>8s}")
print(f"{'deepliftshap (20) s':24s} {t_ex_dls:12.2f} {t_tm_dls:12.2f} {t_tm_dls / t_ex_dls:7.1f}x")
print(f"{'ism seq/s':24s} {N / t_ex_ism:12.1f} {N / t_tm_ism:12.2f} {t_tm_ism / t_ex_ism:7.1f}x")
print(f"{'median |delta|':24s} {np.median(d_ex):12.2e} {np.median(d_tm):12.2e}")
print(f"{'max |delta|':24s} {d_ex.max():12.2e} {d_tm.max():12.2e}")
print(f"median |f(x) - f(r)| {dpred:.3f} (tangermeme's references)")
