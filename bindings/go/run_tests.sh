#!/usr/bin/env bash
# Builds libpvm.a (debug profile, as `cargo test` does) and runs the Go binding's tests
# and a short host-call benchmark. Called by CI from the repository root:
#   bash bindings/go/run_tests.sh
# Installs Go with apt-get when it is missing and we are root (Debian's golang-go).
set -euo pipefail
cd "$(dirname "$0")"
root="$(cd ../.. && pwd)"

if ! command -v go >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing Go (apt-get install golang-go)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-go >/dev/null
  else
    echo "go is required (apt-get install golang-go)" >&2
    exit 1
  fi
fi
go version
# Go needs a cache directory; without HOME (some CI shells) keep it under target/.
if [ -z "${HOME:-}" ]; then
  export HOME="$root/target/go-home"
  mkdir -p "$HOME"
fi

echo "== cargo build -p pvm-ffi (libpvm.a, debug profile)"
(cd "$root" && cargo build -p pvm-ffi)

echo "== gofmt / go vet"
unformatted="$(gofmt -l .)"
if [ -n "$unformatted" ]; then
  echo "gofmt needed: $unformatted" >&2
  exit 1
fi
go vet ./...

echo "== conformance cases (pvm test-vectors --emit-cases, debug build)"
PVM_CASES="$(bash "$root/bindings/emit_cases.sh")"
export PVM_CASES

echo "== go test (PVM_VECTORS=${PVM_VECTORS:-../shared/pvm-vectors beside the repository}, PVM_CASES=$PVM_CASES)"
go test -count=1 -v ./...

echo "== benchmark (debug-profile library; see README for release numbers)"
go test -run '^$' -bench 'HostCall' -benchtime 200000x ./...
