#!/usr/bin/env python3
"""Writes the golden of Tomtom's count-based column scores (allr, blic1, blic5, llr1, llr5).

Run from this directory: `python3 gen_distance_golden.py`. It writes
`data/distance_motifs.meme` (four small motifs, two with site counts, one without and one
given as a count matrix in probability form) and `data/distance_golden.tsv`: for every
distance and every ordered pair of those motifs, the score of every query column against
every target column, printed with 17 significant digits.

Everything is computed here from the published definitions, with only Python's standard
library (math.lgamma for the Dirichlet-multinomial likelihoods, no shortcuts):

* Motif preparation, as Tomtom does it for every distance: the background is the motif
  file's (uniform when absent), averaged with its reverse complement, then smoothed,
  b <- (b + 5e-7) / (sum b + 4 * 5e-7); each row is divided by its sum when that is off by
  more than 1e-5, then f <- (f * N + 0.1 * b) / (N + 0.1) with N = int(nsites), or 20
  without nsites.
* Counts of a column: c = n * f, with n = nsites as stated (not truncated), or 20.
* ALLR (Wang & Stormo 2003): sum_a [c_y,a ln(f_x,a / b_a) + c_x,a ln(f_y,a / b_a)]
  / sum_a (c_x,a + c_y,a).
* Source estimate of counts c (total N) under a Dirichlet mixture with components alpha_k
  and equal weights: P(k | c) proportional to the Dirichlet-multinomial likelihood
  Gamma(|alpha|) / Gamma(N + |alpha|) * prod_a Gamma(alpha_a + c_a) / Gamma(alpha_a);
  theta_a = sum_k P(k | c) (c_a + alpha_k,a) / (N + |alpha_k|). The one-component prior is
  alpha = (1, 1, 1, 1); the five-component one (5,1,1,1), (1,5,1,1), (1,1,5,1), (1,1,1,5),
  (2,2,2,2).
* LLR: L(c_x + c_y) - L(c_x) - L(c_y), with L(c) = sum_a c_a ln theta_a(c).
* BLiC (Habib et al. 2008, eq. 2): 2 L(c_x + c_y) - L(c_x) - L(c_y)
  - sum_a (c_x,a + c_y,a) ln b_a.
"""
import math
import os

HERE = os.path.dirname(os.path.abspath(__file__))

# (id, nsites or None, rows). Rows need not sum to 1 (the third motif is counts).
MOTIFS = [
    ("m1", 18, [[0.70, 0.10, 0.10, 0.10], [0.05, 0.05, 0.85, 0.05],
                [0.25, 0.25, 0.25, 0.25], [0.00, 1.00, 0.00, 0.00],
                [0.40, 0.00, 0.10, 0.50]]),
    ("m2", 1234.5, [[0.90, 0.02, 0.03, 0.05], [0.10, 0.60, 0.20, 0.10],
                    [0.01, 0.01, 0.01, 0.97]]),
    ("m3", None, [[0.30, 0.20, 0.20, 0.30], [0.00, 0.00, 0.05, 0.95],
                  [0.50, 0.50, 0.00, 0.00], [0.12, 0.38, 0.38, 0.12]]),
    ("m4", 40, [[10, 10, 10, 10], [0, 37, 3, 0], [2, 2, 2, 34]]),
]
BACKGROUND = [0.3, 0.2, 0.2, 0.3]
PSEUDO = 0.1
DISTANCES = ["allr", "blic1", "blic5", "llr1", "llr5"]
ONE = [[1.0, 1.0, 1.0, 1.0]]
FIVE = [[5.0, 1.0, 1.0, 1.0], [1.0, 5.0, 1.0, 1.0], [1.0, 1.0, 5.0, 1.0],
        [1.0, 1.0, 1.0, 5.0], [2.0, 2.0, 2.0, 2.0]]


def background():
    b = list(BACKGROUND)
    at, cg = (b[0] + b[3]) / 2, (b[1] + b[2]) / 2
    b = [at, cg, cg, at]
    s = sum(b)
    return [(x + 5e-7) / (s + 4 * 5e-7) for x in b]


def prepared(nsites, rows, bg):
    npc = int(nsites) if nsites else 20
    out = []
    for r in rows:
        s = sum(r)
        if abs(s - 1) > 1e-5:
            r = [x / s for x in r]
        out.append([(r[a] * npc + PSEUDO * bg[a]) / (npc + PSEUDO) for a in range(4)])
    return out


def ln_dm(alpha, c):
    sa, sc = sum(alpha), sum(c)
    v = math.lgamma(sa) - math.lgamma(sa + sc)
    for a in range(4):
        v += math.lgamma(alpha[a] + c[a]) - math.lgamma(alpha[a])
    return v


def source(prior, c):
    n = sum(c)
    logs = [math.log(1.0 / len(prior)) + ln_dm(al, c) for al in prior]
    top = max(logs)
    z = sum(math.exp(x - top) for x in logs)
    post = [math.exp(x - top) / z for x in logs]
    return [sum(pk * (c[a] + al[a]) / (n + sum(al)) for pk, al in zip(post, prior))
            for a in range(4)]


def loglik(prior, c):
    th = source(prior, c)
    return sum(c[a] * math.log(th[a]) for a in range(4))


def score(dist, fx, nx, fy, ny, bg):
    cx = [nx * v for v in fx]
    cy = [ny * v for v in fy]
    if dist == "allr":
        num = sum(cy[a] * math.log(fx[a] / bg[a]) + cx[a] * math.log(fy[a] / bg[a])
                  for a in range(4))
        return num / sum(cx[a] + cy[a] for a in range(4))
    prior = ONE if dist.endswith("1") else FIVE
    cc = [cx[a] + cy[a] for a in range(4)]
    llr = loglik(prior, cc) - loglik(prior, cx) - loglik(prior, cy)
    if dist.startswith("llr"):
        return llr
    return llr + loglik(prior, cc) - sum(cc[a] * math.log(bg[a]) for a in range(4))


def main():
    os.makedirs(os.path.join(HERE, "data"), exist_ok=True)
    with open(os.path.join(HERE, "data", "distance_motifs.meme"), "w") as f:
        f.write("MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n")
        f.write("Background letter frequencies\n")
        f.write("A %g C %g G %g T %g\n\n" % tuple(BACKGROUND))
        for mid, ns, rows in MOTIFS:
            f.write("MOTIF %s\n" % mid)
            nstext = " nsites= %g" % ns if ns else ""
            f.write("letter-probability matrix: alength= 4 w= %d%s E= 0\n" % (len(rows), nstext))
            for r in rows:
                f.write(" ".join("%g" % x for x in r) + "\n")
            f.write("\n")
    bg = background()
    prep = [(mid, float(ns) if ns else 20.0, prepared(ns, rows, bg)) for mid, ns, rows in MOTIFS]
    with open(os.path.join(HERE, "data", "distance_golden.tsv"), "w") as f:
        f.write("# written by gen_distance_golden.py: distance, query, target, query column, "
                "target column, score\n")
        for dist in DISTANCES:
            for qid, qn, qf in prep:
                for tid, tn, tf in prep:
                    for i, qc in enumerate(qf):
                        for j, tc in enumerate(tf):
                            s = score(dist, qc, qn, tc, tn, bg)
                            f.write("%s\t%s\t%s\t%d\t%d\t%.17g\n" % (dist, qid, tid, i, j, s))


if __name__ == "__main__":
    main()
