"""The table of bench/argminn_vs.sh (standard library only).

    python3 bench/argminn_eval.py OUT_DIR GRAMMAR_DIR GRAMMAR...

Per grammar: test AUROC of each model; ARGMINN's instance calls (interpret/instances.tsv)
against the planted sites (data.instances.bed): precision (a call counts when it overlaps
a planted site by at least half of its width) and recall (a planted site counts when a
call overlaps it so); FIMO with ARGMINN's own PFMs at the same number of calls (its
best p-values); the motif-quality score of the specification: the mean over passing
filters of −log10 of the best Tomtom q-value against a planted motif (q = 1 without one),
with and without the overlap term.
"""
import collections
import gzip
import json
import math
import os
import sys

MODELS = ["argminn", "argminn_no_overlap", "explainn8", "explainn100", "cnn"]


def auroc(run):
    path = os.path.join(run, "test", "metrics.tsv")
    if not os.path.exists(path):
        return float("nan")
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if f[0] == "macro":
            return float(f[1])
    return float("nan")


def overlap(a, b):
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def precision_recall(calls, planted, ids):
    """calls: [(seq, start, end)]; planted: seq -> [(start, end)]."""
    hit = lambda c: any(overlap(c[1:], p) * 2 >= c[2] - c[1] for p in planted[c[0]])
    tp = sum(1 for c in calls if hit(c))
    by_seq = collections.defaultdict(list)
    for c in calls:
        by_seq[c[0]].append(c[1:])
    sites = [(s, p) for s in ids for p in planted[s]]
    found = sum(
        1 for s, p in sites if any(overlap(c, p) * 2 >= c[1] - c[0] for c in by_seq[s])
    )
    prec = tp / len(calls) if calls else float("nan")
    return prec, found / len(sites) if sites else float("nan")


def motif_ids(grammar):
    ids = set()

    def walk(x):
        if isinstance(x, dict):
            if "motif" in x:
                ids.add(x["motif"])
            for v in x.values():
                walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)

    walk(grammar)
    return ids


def quality(run, planted_ids):
    interp = os.path.join(run, "interpret")
    passing = [
        l.split("\t")[0]
        for l in open(os.path.join(interp, "motifs_qc.tsv"))
        if l.rstrip("\n").endswith("\ttrue")
    ]
    best = {}
    for line in open(os.path.join(interp, "tomtom.tsv")):
        f = line.rstrip("\n").split("\t")
        if len(f) < 6 or f[0].startswith("#") or f[0] == "Query_ID":
            continue
        if f[1] in planted_ids:
            best[f[0]] = min(best.get(f[0], 1.0), float(f[5]))
    if not passing:
        return 0.0, 0
    return sum(-math.log10(max(best.get(u, 1.0), 1e-300)) for u in passing) / len(passing), len(passing)


def main():
    out, grammar_dir, grammars = sys.argv[1], sys.argv[2], sys.argv[3:]
    head = ["grammar"] + [f"auroc_{m}" for m in MODELS] + [
        "calls", "precision", "recall", "fimo_precision", "fimo_recall",
        "passing", "quality", "passing_no_overlap", "quality_no_overlap"]
    print("\t".join(head))
    for g in grammars:
        d = os.path.join(out, g)
        grammar = json.load(open(os.path.join(grammar_dir, g + ".json")))
        planted = collections.defaultdict(list)
        for line in open(os.path.join(d, "data.instances.bed")):
            f = line.split("\t")
            planted[f[0]].append((int(f[1]), int(f[2])))
        with gzip.open(os.path.join(d, "data.test.tsv.gz"), "rt") as fh:
            ids = [l.split("\t")[0] for l in fh if not l.startswith("#")]
        row = [g] + ["%.4f" % auroc(os.path.join(d, m)) for m in MODELS]
        calls = []
        for line in open(os.path.join(d, "argminn", "interpret", "instances.tsv")):
            f = line.split("\t")
            if f[0] != "sequence":
                calls.append((f[0], int(f[1]), int(f[2])))
        p, r = precision_recall(calls, planted, ids)
        fimo = []
        for line in open(os.path.join(d, "argminn", "fimo.tsv")):
            f = line.rstrip("\n").split("\t")
            if len(f) < 8 or f[0].startswith("#") or f[0] == "motif_id":
                continue
            fimo.append((float(f[7]), f[2], int(f[3]) - 1, int(f[4])))
        fimo.sort()
        fimo = [(s, a, b) for _, s, a, b in fimo[: len(calls)]]
        fp, fr = precision_recall(fimo, planted, ids)
        ids_planted = motif_ids(grammar)
        q, n = quality(os.path.join(d, "argminn"), ids_planted)
        q0, n0 = quality(os.path.join(d, "argminn_no_overlap"), ids_planted)
        row += [str(len(calls)), "%.3f" % p, "%.3f" % r, "%.3f" % fp, "%.3f" % fr,
                str(n), "%.2f" % q, str(n0), "%.2f" % q0]
        print("\t".join(row))


if __name__ == "__main__":
    main()
