#!/usr/bin/env bash
# Writes the normalised conformance cases (every vector of $PVM_VECTORS or
# ../shared/pvm-vectors, schema: crates/pvm-testkit/SCHEMA.md) that the bindings' vector
# tests execute, with the debug `pvm` binary (`cargo run -p pvm-cli`, the build
# `cargo test` already makes), and prints the file's path. Used by bindings/*/run_tests.sh:
#
#   PVM_CASES="$(bash bindings/emit_cases.sh)"
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Relative paths are the caller's.
if [ -n "${PVM_VECTORS:-}" ]; then
  PVM_VECTORS="$(realpath -m -- "$PVM_VECTORS")"
  export PVM_VECTORS
fi
target="$(realpath -m -- "${CARGO_TARGET_DIR:-$root/target}")"
cd "$root"
mkdir -p "$target"
cases="$target/pvm-cases.json"
cargo run --quiet -p pvm-cli -- test-vectors --emit-cases "$cases" >&2
echo "$cases"
