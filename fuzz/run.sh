#!/usr/bin/env bash
# Runs every fuzz target for a fixed time and prints a per-target summary.
#
#   fuzz/run.sh [EXECUTE_SECS [PARSE_BLOB_SECS [PARSE_CONTAINER_SECS [PARSE_STANDARD_SECS
#               [PARSE_TRACE_SECS [EXECUTE_TRACED_SECS [PARSE_PROOF_SECS
#               [EVM_MEMORY_TRACED_SECS [MEMORY3D_TRACED_SECS]]]]]]]]]
#
# Defaults: 300 180 60 60 (10 minutes) and 0 for the trace/proof targets (round 5 in the
# README ran `fuzz/run.sh 0 0 0 0 300 600 300 300 300`); 0 skips a target (libFuzzer would read
# -max_total_time=0 as "no limit"). The parsers run under AddressSanitizer; `execute`
# (like `execute_traced`, `evm_memory_traced` and `memory3d_traced`, which only run
# engines) runs without a sanitizer unless EXECUTE_SANITIZER=address (ASan makes it ~13x slower:
# every input creates four instances, each filling a fresh 1 MiB page table). Debug
# assertions are on for every target, so the interpreter's `debug_assert!`s guard its
# unchecked indexing.
# Needs cargo-fuzz (`cargo install cargo-fuzz`); RUSTC_BOOTSTRAP=1 lets the stable
# toolchain accept the nightly-only flags cargo-fuzz passes. Logs go to fuzz/logs/,
# new corpus entries to fuzz/corpus/<target>/, crashes to fuzz/artifacts/<target>/.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
export RUSTC_BOOTSTRAP=1
mkdir -p logs
[[ -d corpus ]] || ./seed.sh

run() {
    local target=$1 secs=$2 sanitizer=$3
    [[ $secs -gt 0 ]] || return 0
    mkdir -p "corpus/$target" "artifacts/$target"
    local log="logs/$target.log"
    local status=0
    cargo fuzz run --debug-assertions --sanitizer "$sanitizer" "$target" "corpus/$target" -- \
        -max_total_time="$secs" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    local runs crashes
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    crashes=$(find "artifacts/$target" -type f \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
    printf '%-16s %6ss  sanitizer=%-7s  executions=%-10s  artifacts=%s  exit=%s\n' \
        "$target" "$secs" "$sanitizer" "$runs" "$crashes" "$status"
}

run execute "${1:-300}" "${EXECUTE_SANITIZER:-none}"
run parse_blob "${2:-180}" address
run parse_container "${3:-60}" address
run parse_standard "${4:-60}" address
run parse_trace "${5:-0}" address
run execute_traced "${6:-0}" "${EXECUTE_SANITIZER:-none}"
run parse_proof "${7:-0}" address
run evm_memory_traced "${8:-0}" none
run memory3d_traced "${9:-0}" none
