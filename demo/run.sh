#!/usr/bin/env bash
# explainn demo: prepare → train → test → interpret → report on the simulated TAL1/GATA
# benchmark (demo/data, MIT). Run from the repository root after `cargo build --release`:
#
#   cargo build --release && bash demo/run.sh
#
# Environment: EXPLAINN (binary, default target/release/explainn), OUT (default demo-out),
# THREADS (default: all cores), EPOCHS (default 15), UNITS (default 20).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"
bin="${EXPLAINN:-$root/target/release/explainn}"
out="${OUT:-$root/demo-out}"
threads="${THREADS:-0}"
epochs="${EPOCHS:-15}"
units="${UNITS:-20}"
tflag=()
[ "$threads" != 0 ] && tflag=(--threads "$threads")
[ -x "$bin" ] || { echo "explainn binary not found at $bin: run 'cargo build --release' first" >&2; exit 1; }
mkdir -p "$out/data"
start=$SECONDS
step() { printf '\n== %s (%ds)\n' "$1" $((SECONDS - start)); }

step "prepare: the benchmark's 800 test ids form the test set; the rest is split 90:10"
"$bin" prepare "$here/data/tal_gata.tsv.gz" --test-ids "$here/data/test_ids.txt.gz" \
  --splits 90 10 0 -o "$out/data/tal_gata"

step "train: $units units, at most $epochs epochs"
"$bin" train "$out/data/tal_gata.train.tsv.gz" "$out/data/tal_gata.validation.tsv.gz" -o "$out/run" \
  --units "$units" --max-epochs "$epochs" --patience 4 --force "${tflag[@]}"

step "test"
"$bin" test "$out/run" "$out/data/tal_gata.test.tsv.gz" -o "$out/run/test" "${tflag[@]}"

step "interpret (well-predicted training sequences, JASPAR 2024 annotation)"
"$bin" interpret "$out/run" "${tflag[@]}"

step "report"
"$bin" report "$out/run"
step "acceptance: GATA and TAL1 units annotated and in the top 5 of their tasks"
bash "$here/check_acceptance.sh" "$out/run" || true
printf '\ndone in %ds. Open the report: file://%s\n' $((SECONDS - start)) "$(cd "$out/run" && pwd)/report.html"
