#!/usr/bin/env bash
# Builds every release artifact into dist/ (linux, this machine's architecture):
#
#   pvm-<version>-cp39-abi3-manylinux_*.whl    Python wheel (maturin, abi3, type stubs)
#   pvm-node-<version>.tgz                     npm package with the prebuilt Node-API addon
#   libpvm-<version>-<arch>-linux.tar.gz       C SDK: pvm.h, libpvm.a, libpvm.so, pkg-config, CMake
#   pvm-<version>-<arch>-linux.tar.gz          the pvm CLI
#   pvm-go-<version>-<arch>-linux.tar.gz       Go module with the prebuilt libpvm.a
#   SHA256SUMS
#
# Every artifact carries the workspace version (scripts/version.sh) and the licenses.
# The artifacts are assembled in a temporary directory beside dist/ and replace dist/ only
# when all of them are built: a failed run leaves the previous dist/ (or none), never a
# partial one. Needs cargo, maturin (pip install maturin), node and npm with the Node
# binding's dev dependencies (npm ci in bindings/node), tar, gzip, sha256sum and objdump;
# a missing one stops the script before anything is built. Release builds reuse what
# bindings/*/run_tests.sh and earlier runs left in the cargo target directories.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

fail() { echo "package.sh: $*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || fail "$1 is required but not on PATH ($2)"; }

[ "$(uname -s)" = Linux ] || fail "builds Linux artifacts only (this is $(uname -s))"
need cargo "rustup toolchain"
need "${MATURIN:-maturin}" "pip install 'maturin>=1.16,<2', or set MATURIN"
need node "apt-get install nodejs"
need npm "apt-get install npm"
need tar "tar"
need gzip "gzip"
need sha256sum "coreutils"
need objdump "binutils, to report the glibc the binaries need"
napi="$root/bindings/node/node_modules/.bin/napi"
[ -x "$napi" ] || fail "@napi-rs/cli is missing: run npm ci in bindings/node"

bash scripts/version.sh --check >/dev/null || fail "the copies of the version disagree (scripts/version.sh --check)"
version="$(bash scripts/version.sh)"
arch="$(uname -m)"
target_dir="$(cargo metadata --format-version 1 --no-deps | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).target_directory))')"

stage="$(mktemp -d "$root/.dist-partial.XXXXXX")"  # becomes dist/
work="$(mktemp -d "$root/.dist-work.XXXXXX")"      # the trees the archives are made of
trap 'rm -rf "$stage" "$work"' EXIT
set -E
trap 'echo "package.sh: failed (line $LINENO: $BASH_COMMAND); dist/ left as it was" >&2' ERR
echo "== pvm $version: artifacts for $arch-linux, staged in $stage"

# shellcheck source=scripts/package/common.sh
. scripts/package/common.sh
for part in c cli python node go; do
  # shellcheck source=/dev/null
  . "scripts/package/$part.sh"
done

echo "== cargo build --release -p pvm-ffi -p pvm-cli"
cargo build --release --locked -p pvm-ffi -p pvm-cli
release="$target_dir/release"

package_c "$stage" "$work" "$version" "$arch" "$release"
package_cli "$stage" "$work" "$version" "$arch" "$release"
package_go "$stage" "$work" "$version" "$arch" "$release"
package_python "$stage" "$version"
package_node "$stage" "$work" "$version"

(cd "$stage" && sha256sum -- * > SHA256SUMS)

# Replace dist/ as a whole.
rm -rf "$root/.dist-old"
if [ -e "$root/dist" ]; then mv "$root/dist" "$root/.dist-old"; fi
mv "$stage" "$root/dist"
trap - EXIT ERR
rm -rf "$root/.dist-old" "$work"
echo "== dist/"
(cd "$root/dist" && ls -l --block-size=K -- * | awk '{ printf "  %8s  %s\n", $5, $9 }')
