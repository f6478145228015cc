"""Variant effects on planted GATA sites (issue 15 acceptance): the TAL1/GATA test
sequences that carry a planted GATA site (simdna `embeddings`, e.g. GCAGATAAGA), laid
end to end as one contig `sim`; a VCF with one SNV per site turning the G of its GATA core
into C; `explainn variants` on the demo model; for the GATA class, the fraction of variants
whose largest |Δ unit contribution| is a GATA-like unit, and the mean Δ GATA logit.

Usage: python3 bench/variants_gata.py BIN [RUN] [TEST_TSV]
(defaults demo-out/run, demo-out/data/tal_gata.test.tsv.gz after `bash demo/run.sh`).
"""
import gzip, os, subprocess, sys, tempfile

BIN = sys.argv[1]
RUN = sys.argv[2] if len(sys.argv) > 2 else "demo-out/run"
TEST = sys.argv[3] if len(sys.argv) > 3 else "demo-out/data/tal_gata.test.tsv.gz"
ROOT = os.path.dirname(os.path.abspath(__file__))
SIM = os.path.join(ROOT, "..", "..", "shared", "data", "synthetic", "tal_gata_simdata", "sequences.simdata.gz")
test_ids = {l.split("\t")[0] for l in gzip.open(TEST, "rt") if not l.startswith("#")}
contig, variants = [], []
offset = 0
with gzip.open(SIM, "rt") as f:
    next(f)
    for line in f:
        name, seq, emb = line.rstrip("\n").split("\t")[:3]
        if name not in test_ids:
            continue
        sites = []
        for e in filter(None, emb.split(",")):
            pos, rest = e.split("_", 1)
            motif, inst = rest.split("-", 1)
            if motif.startswith("GATA"):
                start = int(pos[len("pos-"):])
                core = inst.find("GATA")
                if core >= 0:
                    sites.append(start + core)  # the G of GATA
                elif inst.find("TATC") >= 0:
                    sites.append(start + inst.find("TATC") + 3)  # the C of TATC (G on the other strand)
        for p in sites:
            ref = seq[p]
            alt = "C" if ref == "G" else "G"
            variants.append((offset + p + 1, ref, alt, f"{name}:{p}"))
        contig.append(seq)
        offset += len(seq)
tmp = tempfile.mkdtemp(prefix="variants-gata-")
with open(os.path.join(tmp, "sim.fa"), "w") as f:
    f.write(">sim\n" + "".join(contig) + "\n")
with open(os.path.join(tmp, "gata.vcf"), "w") as f:
    f.write("##fileformat=VCFv4.2\n##contig=<ID=sim>\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
    for pos, ref, alt, vid in sorted(set(variants)):
        f.write(f"sim\t{pos}\t{vid}\t{ref}\t{alt}\t.\t.\t.\n")
out = os.path.join(tmp, "variants.tsv")
subprocess.run([BIN, "variants", RUN, os.path.join(tmp, "gata.vcf"), "--genome", os.path.join(tmp, "sim.fa"), "-o", out], check=True)
rows = [l.rstrip("\n").split("\t") for l in open(out)][1:]
gata = [r for r in rows if r[5] == "GATA"]
top = sum("GATA" in r[11] for r in gata)
mean = sum(float(r[8]) for r in gata) / len(gata)
print(f"{len(gata)} variants breaking planted GATA sites: top |Δ contribution| unit GATA-like for {top} ({100 * top / len(gata):.1f}%); mean Δ GATA logit {mean:.3f}")
