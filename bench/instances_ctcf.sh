#!/usr/bin/env bash
# Learned-motif instances along a genome: a 100-unit ExplaiNN trained on the 39k CTCF peaks
# (those on chr22 held out), interpreted (units named against JASPAR), then
# `explainn instances` over the 1 Mb hg19 chr22 slice. Printed: for the CTCF-like unit
# ranked first by importance, and for all CTCF-like units together, the fraction of the
# slice's 25 CTCF peaks (100 bp) holding an instance against the fraction of the other
# 100-bp bins of the slice (those with at most 10% N), the enrichment and a one-sided
# Fisher exact p (also for the CTCF-like unit with the most instances); the wall time of
# the scan.
#
#   bash bench/instances_ctcf.sh   # RUN=DIR reuses a trained, interpreted run; FRACTION=0.5
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DATA=${DATA:-$ROOT/../shared/data}
THREADS=${THREADS:-2}
cargo build --release -q -p explainn
X=$ROOT/target/release/explainn
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
RUN=${RUN:-}
if [ -z "$RUN" ]; then
  zcat "$DATA/chipseq/ctcf_pu1_100bp/ctcf.fa.gz" | awk '/^>/ {keep = ($0 !~ /^>chr22:/)} keep' | gzip > "$W/ctcf.fa.gz"
  "$X" prepare "$W/ctcf.fa.gz" -o "$W/ctcf" -q
  "$X" train "$W/ctcf.train.tsv.gz" "$W/ctcf.validation.tsv.gz" -o "$W/run" --units 100 --max-epochs 8 --threads "$THREADS" -q
  "$X" interpret "$W/run" --threads "$THREADS" -q
  RUN=$W/run
fi
G=$DATA/genome/hg19_chr22_20000001-21000000.fa.gz
CHROM="22:20000001-21000000"
# The slice's CTCF peaks, in the slice's coordinates (it starts at hg19 chr22:20,000,000).
zcat "$DATA/chipseq/ctcf_pu1_100bp/ctcf.fa.gz" | awk -v C="$CHROM" 'BEGIN{OFS="\t"} /^>chr22:/ {
  split(substr($0, 2), a, /[:-]/); if (a[2] >= 20000000 && a[3] <= 21000000) print C, a[2] - 20000000, a[3] - 20000000 }' > "$W/peaks.bed"
t0=$(date +%s.%N)
"$X" instances "$RUN" --genome "$G" -o "$W/instances.bed" --fraction "${FRACTION:-0.5}" --threads "$THREADS" -q
t1=$(date +%s.%N)
python3 - "$W/instances.bed" "$W/peaks.bed" "$RUN/interpret/importance.tsv" "$G" "$t0" "$t1" <<'PY'
import csv, gzip, math, sys
inst_path, peaks_path, imp_path, genome, t0, t1 = sys.argv[1:]
seq = "".join(l.strip() for l in gzip.open(genome, "rt") if not l.startswith(">")).upper()
peaks = [tuple(map(int, l.split("\t")[1:3])) for l in open(peaks_path)]
rows = [r for r in csv.reader(open(imp_path), delimiter="\t")]
ranked = sorted((r for r in rows[1:] if r[1].startswith("CTCF")), key=lambda r: -float(r[3]))
ctcf_units = {int(r[0][4:]) for r in ranked}
top = int(ranked[0][0][4:])
hits = []
for l in open(inst_path):
    if l.startswith("#"):
        continue
    f = l.split("\t")
    hits.append((int(f[1]), int(f[2]), int(f[3].split(" ")[0][1:])))
print(f"{len(hits)} instances of {len({u for _, _, u in hits})} units over the slice in {float(t1) - float(t0):.1f} s; "
      f"{len(ctcf_units)} CTCF-like units, ranked first by importance: u{top}")

def log_choose(n, k):
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)

def fisher_greater(a, b, c, d):
    """P(X >= a) for the 2x2 table [[a, b], [c, d]] with fixed margins."""
    n1, n2, k = a + b, c + d, a + c
    lo, hi = max(0, k - n2), min(k, n1)
    den = log_choose(n1 + n2, k)
    return sum(math.exp(log_choose(n1, x) + log_choose(n2, k - x) - den) for x in range(a, hi + 1))

def report(name, units):
    covered = bytearray(len(seq) + 1)
    for s, e, u in hits:
        if u in units:
            covered[s] = 1
    prefix = [0]
    for v in covered:
        prefix.append(prefix[-1] + v)
    has = lambda s, e: prefix[e] - prefix[s] > 0  # an instance starting in [s, e)
    in_peaks = sum(has(s, e) for s, e in peaks)
    peak_bp = bytearray(len(seq))
    for s, e in peaks:
        peak_bp[s:e] = b"\x01" * (e - s)
    rest = rest_hit = 0
    for s in range(0, len(seq) - 100 + 1, 100):
        if any(peak_bp[s:s + 100]) or seq[s:s + 100].count("N") > 10:
            continue
        rest += 1
        rest_hit += has(s, s + 100)
    a, b, c, d = in_peaks, len(peaks) - in_peaks, rest_hit, rest - rest_hit
    p_peak, p_rest = a / len(peaks), c / rest
    enr = p_peak / p_rest if p_rest > 0 else float("inf")
    print(f"{name}: peaks with an instance {a}/{len(peaks)} ({p_peak:.1%}), other 100-bp bins {c}/{rest} ({p_rest:.2%}), "
          f"enrichment {enr:.1f}x, one-sided Fisher p = {fisher_greater(a, b, c, d):.2e}")

report(f"u{top} (the CTCF-like unit ranked first by importance)", {top})
counts = {u: sum(1 for _, _, v in hits if v == u) for u in ctcf_units}
most = max(counts, key=counts.get)
report(f"u{most} (the CTCF-like unit with the most instances on the slice)", {most})
report("all CTCF-like units", ctcf_units)
PY
