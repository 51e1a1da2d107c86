#!/usr/bin/env bash
# Runs every test of the project: formatting and lints, the Rust workspace (engine,
# CLI, C ABI with its C tests under valgrind, differential tests against PolkaVM,
# conformance vectors, guests), then the Python, Go and Node bindings. Each binding's
# script installs what it needs (pip packages, golang-go, npm packages).
# Needs the conformance vectors in ../shared/pvm-vectors (or PVM_VECTORS).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== cargo test --workspace"
cargo test --workspace

echo "== Python binding (maturin build + pytest)"
bash bindings/python/run_tests.sh -q

echo "== Go binding (cgo over libpvm.a)"
bash bindings/go/run_tests.sh

echo "== Node binding (napi-rs addon, node --test)"
bash bindings/node/run_tests.sh
