"""explainn from Python in five steps, on the simulated TAL1/GATA set bundled with the
repository (demo/data): arrays, training, prediction with its exact per-unit
decomposition, interpretation (unit PWMs named against JASPAR 2024 by Tomtom), and a
sequence logo of the best-named unit drawn with matplotlib.

    python python/examples/tutorial.py [OUTPUT_DIR]     # default: explainn-tutorial

It takes about a minute on two cores and writes OUTPUT_DIR/logo.png.
"""

import gzip
import pathlib
import sys

import numpy

import explainn_rs as ex

here = pathlib.Path(__file__).resolve().parent
out = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "explainn-tutorial")
out.mkdir(parents=True, exist_ok=True)

# 1. Arrays: one-hot X (N, 4, L) float32, rows A, C, G, T; labels y (N, C).
with gzip.open(here.parent.parent / "demo" / "data" / "tal_gata.tsv.gz", "rt") as f:
    header = f.readline().rstrip("\n").split("\t")
    rows = [line.rstrip("\n").split("\t") for line in f]
classes = header[2:]
X = ex.one_hot_encode([r[1] for r in rows])
y = numpy.array([[float(v) for v in r[2:]] for r in rows], dtype=numpy.float32)
print(f"{X.shape[0]} sequences of {X.shape[2]} bp, classes {classes}")

# A seeded 80/10/10 split, written as the TSV files training reads.
order = numpy.random.default_rng(1714).permutation(len(X))
train, valid, test = numpy.split(order, [int(0.8 * len(X)), int(0.9 * len(X))])
for name, idx in [("train", train), ("valid", valid)]:
    ex.write_tsv(out / f"{name}.tsv.gz", X[idx], y[idx], classes)

# 2. Train an ExplaiNN of 20 units (the command line's defaults otherwise).
model_file = ex.train(out / "train.tsv.gz", out / "valid.tsv.gz", out / "run", force=True,
                      units=20, max_epochs=8, seed=1, verbose=True)
model = ex.Model.load(model_file)

# 3. Predict the held-out sequences; every logit is the sum of its units' contributions.
logits = model.predict(X[test])
contributions, bias, _ = model.explain(X[test])
assert numpy.allclose(contributions.sum(-1) + bias, logits, atol=1e-4)
for c, name in enumerate(classes):
    pos, neg = logits[y[test, c] == 1, c], logits[y[test, c] == 0, c]
    auroc = (pos[:, None] > neg[None, :]).mean() + 0.5 * (pos[:, None] == neg[None, :]).mean()
    top = numpy.argsort(-numpy.abs(contributions[:, c]).mean(0))[:3]
    print(f"{name}: AUROC {auroc:.3f}; units contributing most: {top.tolist()}")

# 4. Interpret: unit PWMs, named by Tomtom against the bundled JASPAR 2024.
result = ex.interpret(out / "run", out / "valid.tsv.gz")
annotation = result["annotation"]
named = [i for i, t in enumerate(annotation["target_id"]) if t != "NA"]
print(f"{len(named)} of {len(annotation['unit'])} units named:",
      sorted(set(annotation["tf_name"][named].tolist())))

# Redundancy among the units' own PWMs, by the memelite-shaped Tomtom (MEME's numbers).
pwms = list(result["pwms"].values())
p, scores, offsets, overlaps, strands = ex.tomtom(pwms, pwms)
pairs = [(i, j) for i in range(len(pwms)) for j in range(i + 1, len(pwms)) if p[i, j] < 1e-4]
print(f"{len(pairs)} pairs of units with similar PWMs (Tomtom p < 1e-4)")

# 5. The logo of the best-named unit (smallest q-value), information content per base.
best = min(named or range(len(pwms)), key=lambda i: numpy.nan_to_num(annotation["q_value"][i], nan=1.0))
pwm = pwms[best]
ic = 2 + (pwm * numpy.log2(numpy.clip(pwm, 1e-9, 1))).sum(0)
heights = pwm * ic

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import PathPatch  # noqa: E402
from matplotlib.textpath import TextPath  # noqa: E402
from matplotlib.transforms import Affine2D  # noqa: E402

colours = {"A": "#109648", "C": "#255C99", "G": "#F7B32B", "T": "#D62839"}
fig, ax = plt.subplots(figsize=(max(4, 0.5 * pwm.shape[1]), 2.2))
for j in range(pwm.shape[1]):
    bottom = 0.0
    for b in numpy.argsort(heights[:, j]):
        h, letter = heights[b, j], "ACGT"[b]
        if h <= 0:
            continue
        glyph = TextPath((0, 0), letter, size=1, prop={"weight": "bold"})
        box = glyph.get_extents()
        t = Affine2D().translate(-box.x0, -box.y0).scale(0.9 / box.width, h / box.height)
        ax.add_patch(PathPatch(t.translate(j + 0.05, bottom).transform_path(glyph),
                               color=colours[letter], lw=0))
        bottom += h
ax.set_xlim(0, pwm.shape[1])
ax.set_ylim(0, 2)
ax.set_ylabel("bits")
ax.set_title(f"unit {best}: {annotation['label'][best]}")
fig.tight_layout()
fig.savefig(out / "logo.png", dpi=120)
print(f"logo of unit {best} ({annotation['label'][best]}) written to {out / 'logo.png'}")
