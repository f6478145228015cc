#!/usr/bin/env python3
"""`explainn motifs cluster` on JASPAR 2024 CORE vertebrates (879 motifs) beside memelite's
all-vs-all `tomtom` on the same 879 x 879, in the same run; then cluster purity by JASPAR
family (metadata TSV) and where the forkhead (FOX) motifs end up.

Usage: python bench/motifs_cluster_vs_memelite.py [--threshold P] [--linkage complete|average]
(memelite from the peer venv, e.g. ~/.peer/bin/python; explainn from target/release).
"""
import argparse, collections, csv, os, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DATA = os.environ.get("DATA", os.path.join(ROOT, "..", "shared", "data"))
MEME = os.path.join(DATA, "jaspar", "JASPAR2024_CORE_vertebrates_non-redundant_pfms_meme.txt")
META = os.path.join(DATA, "jaspar", "JASPAR2024_CORE_vertebrates_non-redundant_metadata.tsv")
EXE = os.path.join(ROOT, "target", "release", "explainn")

ap = argparse.ArgumentParser()
ap.add_argument("--threshold", default="1e-3")
ap.add_argument("--linkage", default="complete")
ap.add_argument("--threads", default="2")
ap.add_argument("--repeats", type=int, default=3)
a = ap.parse_args()

out = tempfile.mkdtemp()
import re
best_rs = best_tt = float("inf")
for _ in range(a.repeats):
    t = time.perf_counter()
    r = subprocess.run([EXE, "motifs", "cluster", MEME, "-o", os.path.join(out, "c"),
                        "--threads", a.threads, "--threshold", a.threshold, "--linkage", a.linkage],
                       check=True, capture_output=True, text=True)
    best_rs = min(best_rs, time.perf_counter() - t)
    best_tt = min(best_tt, float(re.search(r"pairs: ([0-9.]+) s", r.stderr).group(1)))

ml = None
try:
    import numpy as np
    from memelite import tomtom
    from memelite.io import read_meme
    import numba
    numba.set_num_threads(int(a.threads))
    ms = [np.asarray(m, dtype=np.float64) for m in read_meme(MEME).values()]
    tomtom(ms[:2], ms[:10])  # numba compilation, not timed
    ml = float("inf")
    for _ in range(a.repeats):
        t = time.perf_counter()
        tomtom(ms, ms)
        ml = min(ml, time.perf_counter() - t)
except ImportError as e:
    print(f"memelite not available ({e}); explainn only", file=sys.stderr)

n = sum(1 for l in open(MEME) if l.startswith("MOTIF"))
print(f"explainn motifs cluster, {n} x {n}, {a.threads} threads (best of {a.repeats}): "
      f"all-vs-all Tomtom {best_tt:.3f} s; whole command (reading, Tomtom, clustering, "
      f"averages, npz, HTML) {best_rs:.3f} s")
if ml is not None:
    print(f"memelite.tomtom {n} x {n}, {a.threads} threads: {ml:.3f} s -> explainn's Tomtom "
          f"{ml / best_tt:.2f}x memelite's speed; the whole command {ml / best_rs:.2f}x")

family = {r["matrix_id"]: r["family"] for r in csv.DictReader(open(META), delimiter="\t")}
clusters = collections.defaultdict(list)
for r in csv.DictReader(open(os.path.join(out, "c", "clusters.tsv")), delimiter="\t"):
    clusters[r["cluster"]].append(r["motif_id"])
multi = [m for m in clusters.values() if len(m) > 1]
pure = sum(collections.Counter(family[x] for x in m).most_common(1)[0][1] for m in multi)
tot = sum(len(m) for m in multi)
print(f"{len(clusters)} clusters, {len(multi)} with 2+ members holding {tot} motifs; "
      f"purity (members in their cluster's majority family) {pure / tot:.3f}")
fox = [m for m in clusters.values() if any(family[x] == "FOX" for x in m)]
nfox = sum(family[x] == "FOX" for x in family)
inbig = sorted((sum(family[x] == "FOX" for x in m), len(m)) for m in fox)[::-1]
others = collections.Counter(family[x] for m in fox for x in m if family[x] != "FOX")
print(f"FOX: {nfox} motifs in {len(fox)} clusters; (FOX members, size) per cluster: {inbig}; "
      f"non-FOX motifs in those clusters: {dict(others)}")
