# The CLI: pvm-<version>-<arch>-linux.tar.gz with bin/pvm (sourced by scripts/package.sh).

# package_cli STAGE WORK VERSION ARCH RELEASE_DIR
package_cli() {
  local stage="$1" work="$2" version="$3" arch="$4" release="$5"
  local name="pvm-$version-$arch-linux"
  local dir="$work/$name"
  echo "== $name.tar.gz"
  local reported
  reported="$("$release/pvm" --version)"
  [ "$reported" = "pvm $version" ] || fail "target/release/pvm --version says '$reported', not 'pvm $version'"
  mkdir -p "$dir/bin"
  cp "$release/pvm" "$dir/bin/"
  copy_licenses "$dir"
  local glibc
  glibc="$(glibc_needed "$dir/bin/pvm")"
  cat > "$dir/README.md" <<README
# pvm $version ($arch Linux)

The \`pvm\` command-line tool: run, trace, disassemble and conformance-test JAM PVM
programs (Gray Paper 0.8.0 as PolkaVM 0.37's JamV1 implements it, \`--gp 0.7\` for GP 0.7).
One executable with no dependencies beyond glibc $glibc or newer (Debian 12 has 2.36,
Ubuntu 22.04 has 2.35).

    bin/pvm --version
    bin/pvm run PROGRAM [--export NAME | --entry PC] [--arg N]... [--gas N] [--json]
    bin/pvm trace | disasm | check-memory | test-vectors ...   (bin/pvm --help)

Licensed under MIT or Apache-2.0, at your option (LICENSE-MIT, LICENSE-APACHE).
README
  tar_dir "$dir" "$stage/$name.tar.gz"
  echo "   bin/pvm needs glibc >= $glibc"
}
