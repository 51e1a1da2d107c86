#!/usr/bin/env bash
# Builds the pvm Python binding (one release compile of this crate) into a virtualenv and
# runs its pytest suite. Works from any directory, without stdin, with CI=true.
#
#   bindings/python/run_tests.sh [pytest args...]
#
# Environment: PYTHON (default python3) picks the interpreter, PVM_PY_VENV the virtualenv
# (default bindings/python/.venv), PVM_VECTORS the conformance vectors (default
# ../shared/pvm-vectors beside the repository; converted once by ../emit_cases.sh into the
# case file $PVM_CASES that tests/test_vectors.py runs).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="${PVM_PY_VENV:-$here/.venv}"
if [ -n "${PVM_VECTORS:-}" ]; then
  PVM_VECTORS="$(realpath -m -- "$PVM_VECTORS")"  # the tests run from $here
  export PVM_VECTORS
fi
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_PROGRESS_BAR=off

echo "== cargo fmt --check (bindings/python)"
cargo fmt --manifest-path "$here/Cargo.toml" -- --check

if [ ! -x "$venv/bin/python" ]; then
  echo "== creating virtualenv $venv"
  "${PYTHON:-python3}" -m venv "$venv"
fi
py="$venv/bin/python"
# maturin's build backend runs the `maturin` executable from PATH.
export VIRTUAL_ENV="$venv" PATH="$venv/bin:$PATH"

if ! "$py" -c "import maturin, pytest, mypy" >/dev/null 2>&1; then
  echo "== installing maturin, pytest and mypy"
  "$py" -m pip install --quiet "maturin>=1.16,<2" "pytest>=8" "mypy>=1.10"
fi

echo "== building and installing bindings/python (cargo, release)"
"$py" -m pip install --quiet --no-build-isolation --no-deps --force-reinstall "$here"

echo "== conformance cases (pvm test-vectors --emit-cases, debug build)"
PVM_CASES="$(bash "$here/../emit_cases.sh")"
export PVM_CASES

echo "== pytest"
# Every test must run here: the stub checks fail instead of skipping without mypy.
export PVM_PY_STRICT=1
cd "$here"
exec "$py" -m pytest "$@"
