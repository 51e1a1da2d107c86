# The Python wheel (sourced by scripts/package.sh): maturin, abi3 for CPython >= 3.9, with
# the type stubs and licenses (bindings/python/LICENSE-* link to the root's), tagged with
# the manylinux level that maturin's compatibility check finds for this machine's glibc.

# package_python STAGE VERSION
package_python() {
  local stage="$1" version="$2"
  echo "== Python wheel (maturin build --release)"
  "${MATURIN:-maturin}" build --release --locked --quiet \
    --manifest-path bindings/python/Cargo.toml --out "$stage"
  local wheels=("$stage"/pvm-"$version"-cp39-abi3-manylinux_*.whl)
  [ -f "${wheels[0]}" ] || fail "maturin made no pvm-$version-cp39-abi3-manylinux_*.whl"
}
