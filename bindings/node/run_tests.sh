#!/usr/bin/env bash
# Builds the pvm Node binding (one release build of this crate with `napi build`) and runs
# its node:test suite. Works from any directory, without stdin, with CI=true.
#
#   bindings/node/run_tests.sh [test files...]      (default: test/*.test.mjs)
#
# Installs Node.js and npm with apt-get when they are missing and we are root (Debian's
# nodejs/npm). Environment: PVM_VECTORS picks the conformance vectors (default
# ../shared/pvm-vectors beside the repository; converted once by ../emit_cases.sh into the
# case file $PVM_CASES that test/vectors.test.mjs runs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ -n "${PVM_VECTORS:-}" ]; then
  PVM_VECTORS="$(realpath -m -- "$PVM_VECTORS")"  # the tests run from $here
  export PVM_VECTORS
fi

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "== installing Node.js and npm (apt-get install nodejs npm)"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null
  else
    echo "node and npm are required (apt-get install nodejs npm)" >&2
    exit 1
  fi
fi
node_major="$(node -p 'process.versions.node.split(".")[0]')"
if [ "$node_major" -lt 20 ]; then
  echo "Node.js >= 20 is required, found $(node --version)" >&2
  exit 1
fi
echo "node $(node --version), npm $(npm --version 2>/dev/null)"

cd "$here"
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

echo "== cargo fmt --check (bindings/node)"
cargo fmt -- --check

echo "== cargo clippy -D warnings (bindings/node)"
cargo clippy --all-targets --quiet -- -D warnings

echo "== cargo test (bindings/node unit tests)"
cargo test --quiet

echo "== npm ci"
if [ -f package-lock.json ]; then npm ci --no-progress; else npm install --no-progress; fi

echo "== napi build --release (pvm.node)"
npx --no-install napi build --release --dts native.d.ts

echo "== conformance cases (pvm test-vectors --emit-cases, debug build)"
PVM_CASES="$(bash "$here/../emit_cases.sh")"
export PVM_CASES

echo "== node --test"
if [ "$#" -eq 0 ]; then
  set -- test/*.test.mjs
fi
exec node --expose-gc --test "$@"
