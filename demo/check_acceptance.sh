#!/usr/bin/env bash
# Check the TAL1/GATA acceptance criterion on a demo run's interpretation:
# a GATA-family unit and a TAL1 unit annotated at q <= 0.05, ranking in the top 5 of
# importance.tsv for the GATA and TAL1 tasks. Usage: bash demo/check_acceptance.sh [RUN_DIR]
set -euo pipefail
dir="${1:-demo-out/run}/interpret"
awk -F'\t' '
  FNR == 1 { file++ }
  file == 1 && FNR > 1 {               # annotation.tsv
    if ($7 != "NA" && $7 + 0 <= 0.05) {
      if ($6 ~ /GATA/ || $4 ~ /^GATA|Gata/) gata[$1] = $2 " " $3 " q=" $7
      if ($4 ~ /TAL1|Tal1/) tal[$1] = $2 " " $3 " q=" $7
    }
  }
  file == 2 && FNR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
  file == 2 { n++; unit[n] = $1; g[n] = $(col["GATA"]); t[n] = $(col["TAL1"]) }
  END {
    ok = 1
    for (task in col) if (task == "GATA" || task == "TAL1") {
      # rank units by decreasing median importance for the task
      m = 0; for (i = 1; i <= n; i++) { m++; u[m] = unit[i]; v[m] = (task == "GATA" ? g[i] : t[i]) + 0 }
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (v[j] > v[i]) { x = v[i]; v[i] = v[j]; v[j] = x; x = u[i]; u[i] = u[j]; u[j] = x }
      best = 0
      for (i = 1; i <= 5 && i <= m; i++) {
        if (task == "GATA" && (u[i] in gata)) { printf "GATA task: rank %d %s (%s)\n", i, u[i], gata[u[i]]; best = 1 }
        if (task == "TAL1" && (u[i] in tal))  { printf "TAL1 task: rank %d %s (%s)\n", i, u[i], tal[u[i]]; best = 1 }
      }
      if (!best) { printf "%s task: no matching unit in the top 5\n", task; ok = 0 }
    }
    if (ok) print "PASS"; else { print "FAIL"; exit 1 }
  }' "$dir/annotation.tsv" "$dir/importance.tsv"
