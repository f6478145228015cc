"""Forward parity of a trained explainn baseline with the original package's class.

Loads RUN/model.safetensors (PyTorch state_dict names) into the original class, computes
forward-strand logits of TSV with PyTorch, runs `explainn predict` on the same file, and
prints the largest absolute difference.

Usage: ~/.peer/bin/python bench/baseline_parity.py RUN TSV shallowcnn|deepcnn|danq
(BIN=path/to/explainn, default target/release/explainn; the original classes need 200-bp
inputs, so train on sequences padded to 200 bp, e.g. with Python's str.center).
"""
import gzip, os, subprocess, sys, tempfile
import numpy as np
import torch
from safetensors.torch import load_file
from explainn.models import networks

run, tsv, name = sys.argv[1:4]
cls = {"shallowcnn": networks.ConvNetShallow, "deepcnn": networks.ConvNetDeep, "danq": networks.DanQ}[name]
sd = load_file(os.path.join(run, "model.safetensors"))
ids, xs, classes = [], [], None
lut = np.full(256, 4)
for i, c in enumerate("ACGT"):
    lut[ord(c)] = i
    lut[ord(c.lower())] = i
opener = gzip.open if tsv.endswith(".gz") else open
with opener(tsv, "rt") as f:
    for line in f:
        if line.startswith("#"):
            continue
        p = line.rstrip("\n").split("\t")
        classes = len(p) - 2
        ids.append(p[0])
        idx = lut[np.frombuffer(p[1].encode(), dtype=np.uint8)]
        oh = np.zeros((5, len(idx)), np.float32)
        oh[idx, np.arange(len(idx))] = 1
        xs.append(oh[:4])
m = cls(classes)
own = m.state_dict()
missing = [k for k in own if k not in sd and not k.endswith("num_batches_tracked")]
if missing:
    sys.exit(f"tensors missing from the explainn model: {missing}")
m.load_state_dict({k: sd.get(k, own[k]) for k in own})
m.eval()
with torch.no_grad():
    torch_logits = m(torch.tensor(np.stack(xs))).numpy()
bin_ = os.environ.get("BIN", "target/release/explainn")
with tempfile.TemporaryDirectory() as out:
    subprocess.run([bin_, "predict", run, tsv, "-o", out], check=True, capture_output=True)
    ours = {}
    with gzip.open(os.path.join(out, "predictions.tsv.gz"), "rt") as f:
        next(f)
        for line in f:
            p = line.split("\t")
            ours[(p[0], p[1])] = float(p[2])
names = list(dict.fromkeys(k[1] for k in ours))  # class names in file order
diff = max(abs(ours[(i, names[k])] - torch_logits[r, k]) for r, i in enumerate(ids) for k in range(classes))
print(f"{name}: {len(ids)} sequences, max |explainn - original| forward logit = {diff:.3g}")
