#!/usr/bin/env bash
# Runs every test of the project: formatting and lints, the Rust workspace (engine,
# CLI, C ABI with its C tests under valgrind, differential tests against PolkaVM,
# conformance vectors, guests), the version copies and rustdoc, the Python, Go and Node
# bindings, then the release artifacts (built once, reusing the bindings' release builds,
# and installed without cargo). Each script installs what it needs (pip packages,
# golang-go, npm packages).
# Needs the conformance vectors in ../shared/pvm-vectors (or PVM_VECTORS).
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check

echo "== cargo clippy"
cargo clippy --workspace --all-targets -- -D warnings

echo "== module graphs (no cycles between a crate's modules)"
for src in crates/*/src bindings/python/src bindings/node/src fuzz/src bench/src; do
  printf '%s: ' "$src"
  python3 scripts/module-graph.py "$src"
done

echo "== cargo test --workspace"
cargo test --workspace

echo "== versions (scripts/version.sh --check)"
bash scripts/version.sh --check

echo "== cargo doc --no-deps (-D warnings)"
# pvm-ffi's lib is `doc = false` (its name, pvm, is the engine's): its doc comments are
# checked apart, before the workspace's docs overwrite target/doc/pvm.
cargo rustdoc --quiet -p pvm-ffi --lib -- -D warnings
RUSTDOCFLAGS="-D warnings" cargo doc --quiet --workspace --no-deps

echo "== Python binding (maturin build + pytest)"
bash bindings/python/run_tests.sh -q

echo "== Go binding (cgo over libpvm.a)"
bash bindings/go/run_tests.sh

echo "== Node binding (napi-rs addon, node --test)"
bash bindings/node/run_tests.sh

echo "== release artifacts (scripts/package.sh, installed and run by scripts/test-dist.sh)"
bash scripts/test-dist.sh
