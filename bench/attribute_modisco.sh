#!/usr/bin/env bash
# tfmodisco-lite on explainn's attributions: DeepLIFT-SHAP of the demo model's GATA task
# on the TAL1/GATA test split, `modisco motifs` on ohe.npy + scores.npy (hypothetical
# contributions), and each pattern's consensus (its sequence matrix's argmax, trimmed to
# bases with probability ≥ 0.5). Usage: bench/attribute_modisco.sh BIN [RUN] [TEST]
# (defaults: demo-out/run and demo-out/data/tal_gata.test.tsv.gz after `bash demo/run.sh`);
# needs the peer venv's modisco (PEER=~/.peer).
set -euo pipefail
BIN=${1:?usage: bench/attribute_modisco.sh BIN [RUN] [TEST]}
RUN=${2:-demo-out/run}
TEST=${3:-demo-out/data/tal_gata.test.tsv.gz}
PEER=${PEER:-$HOME/.peer}
TMP=$(mktemp -d)
"$BIN" attribute "$RUN" "$TEST" -o "$TMP/att" --target GATA -q
"$PEER/bin/python" - "$TMP/att" <<'PY'
import sys, numpy as np
d = sys.argv[1]
z = np.load(f"{d}/attributions.npz")
print("attributions.npz:", {k: z[k].shape for k in z.files})
PY
time "$PEER/bin/modisco" motifs -s "$TMP/att/ohe.npy" -a "$TMP/att/scores.npy" -n 2000 -w 200 -o "$TMP/modisco.h5"
"$PEER/bin/python" - "$TMP/modisco.h5" <<'PY'
import sys, h5py, numpy as np
with h5py.File(sys.argv[1]) as f:
    for group in ("pos_patterns", "neg_patterns"):
        if group not in f:
            continue
        for name in f[group]:
            p = f[group][name]
            s = np.array(p["sequence"])
            keep = s.max(1) >= 0.5
            cons = "".join("ACGT"[i] if k else "n" for i, k in zip(s.argmax(1), keep)).strip("n")
            print(f"{group}/{name}: {int(np.ravel(p['seqlets']['n_seqlets'])[0])} seqlets, consensus {cons}")
PY
