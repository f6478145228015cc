"""DeepLIFT-SHAP through a convolutional baseline, side by side with tangermeme 1.6 on the
same weights: a CNN1 (the original package's ConvNetShallow, 200 bp) trained by explainn,
exported with `explainn export` and loaded into the original class; 100 test sequences,
20 dinucleotide shuffles, 2 threads. Prints wall times, the ratio and the convergence
deltas |Σ attributions − (f(x) − f(r))| (explainn: deltas.tsv, the largest over each
sequence's references; tangermeme: from its raw per-reference attributions).

Usage: python3 bench/attribute_cnn_vs_tangermeme.py BIN RUN TEST_TSV TARGET
(RUN: `explainn train --arch cnn1` on 200-bp data, e.g. the demo's TAL1/GATA split;
TARGET: a class name; run with the peer venv's python: torch, explainn 0.1.5, tangermeme).
"""
import gzip, os, subprocess, sys, tempfile, time, warnings
import numpy as np
import torch

BIN, RUN, TEST, TARGET = sys.argv[1:5]
N = int(os.environ.get("N", 100))
torch.set_num_threads(2)
warnings.filterwarnings("ignore", message="Convergence deltas")
tmp = tempfile.mkdtemp(prefix="attr-cnn-")
rows, classes = [], None
with gzip.open(TEST, "rt") as f:
    for line in f:
        p = line.rstrip("\n").split("\t")
        if line.startswith("#"):
            classes = p[2:]
            continue
        rows.append((p[0], p[1]))
rows = rows[:N]
t_idx = classes.index(TARGET)
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

t = time.perf_counter()
out = os.path.join(tmp, "dls")
subprocess.run([BIN, "attribute", RUN, fa, "-o", out, "--target", TARGET, "--method", "deepliftshap",
                "--references", "shuffle:20", "--threads", "2", "-q"], check=True)
t_ex = time.perf_counter() - t
d_ex = np.array([float(l.split("\t")[3]) for l in open(os.path.join(out, "deltas.tsv")).read().splitlines()[1:]])

exp = os.path.join(tmp, "export")
subprocess.run([BIN, "export", RUN, "-o", exp, "-q"], check=True)
from explainn.models.networks import ConvNetShallow
from tangermeme.deep_lift_shap import deep_lift_shap
m = ConvNetShallow(len(classes))
m.load_state_dict(torch.load(os.path.join(exp, "model.pth"), map_location="cpu", weights_only=True))
m.eval()
t = time.perf_counter()
raw, refs = deep_lift_shap(m, X, target=t_idx, n_shuffles=20, raw_outputs=True, return_references=True,
                           device="cpu", random_state=1714, warning_threshold=1e9)
t_tm = time.perf_counter() - t
with torch.no_grad():
    fx = m(X)[:, t_idx]
    fr = m(refs.reshape(-1, 4, 200)).reshape(N, -1, len(classes))[:, :, t_idx]
d_tm = (raw.sum(dim=(2, 3)) - (fx[:, None] - fr)).abs().max(dim=1).values.numpy()

print(f"CNN1, {N} sequences x 200 bp, 20 shuffles, target {TARGET}, 2 threads")
print(f"{'':24s} {'explainn':>12s} {'tangermeme':>12s} {'ratio':>8s}")
print(f"{'deepliftshap s':24s} {t_ex:12.2f} {t_tm:12.2f} {t_tm / t_ex:7.1f}x")
print(f"{'median |delta|':24s} {np.median(d_ex):12.2e} {np.median(d_tm):12.2e}")
print(f"{'max |delta|':24s} {d_ex.max():12.2e} {d_tm.max():12.2e}")
print(f"median |f(x) - f(r)| {(fx[:, None] - fr).abs().median().item():.3f} (tangermeme's references)")
