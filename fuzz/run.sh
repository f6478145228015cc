#!/usr/bin/env bash
# Coverage-guided fuzzing of every parser: libFuzzer through cargo-fuzz, on the stable
# toolchain (no sanitizer: Rust code is memory-safe, and a panic is what we look for).
# Each target starts from the checked-in seeds (fuzz/corpus/TARGET) and keeps what it
# finds in fuzz/artifacts/corpus/TARGET; crashes land in fuzz/artifacts/TARGET/.
# Usage: fuzz/run.sh [SECONDS_PER_TARGET (default 600)] [TARGET...]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-600}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=(records tsv bed genome motifs model pth vcf)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
FLAGS=(-s none --features libfuzzer -O)
cargo fuzz build "${FLAGS[@]}"
for t in "${TARGETS[@]}"; do
    mkdir -p "fuzz/artifacts/corpus/$t"
    log="fuzz/artifacts/$t.log"
    status=0
    cargo fuzz run "${FLAGS[@]}" "$t" "fuzz/artifacts/corpus/$t" "fuzz/corpus/$t" -- \
        -max_total_time="$SECS" -rss_limit_mb=4096 -timeout=20 -print_final_stats=1 \
        > "$log" 2>&1 || status=$?
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 || true)
    if [ $status -eq 0 ]; then
        echo "$t: $execs executions in ${SECS}s, $cov, no crash"
    else
        echo "$t: FAILED (exit $status) after $execs executions; see $log and fuzz/artifacts/$t/"
    fi
done
