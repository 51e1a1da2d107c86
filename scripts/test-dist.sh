#!/usr/bin/env bash
# Builds the release artifacts once (scripts/package.sh, reusing the release builds the
# bindings' tests made) and installs each one as a user would, into a fresh temporary
# place with cargo and rustc removed from PATH:
#   CLI     the tarball, `pvm --version` and `pvm run`
#   Python  a new venv, pip install --no-index dist/*.whl
#   Node    an empty npm project, npm install --offline dist/pvm-node-*.tgz (CJS and ESM)
#   C       the SDK tarball: pkg-config shared and static, CMake when cmake is present
#   Go      the module tarball, a program outside the repository with a replace directive,
#           when go is present
# Each runs scripts/test-dist's program with a host call and a page fault, reports its
# version (all must equal the workspace version), and an unsupported platform is refused
# by name (Python, Node, Go). Called by scripts/test-all.sh after the binding tests.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
checks="$root/scripts/test-dist"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PIP_PROGRESS_BAR=off
export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false

fail() { echo "test-dist.sh: $*" >&2; exit 1; }

# --- System tools: pkg-config (required), cmake (its check is skipped without it),
# objdump (package.sh). Installed from Debian when missing and we are root.
missing=()
command -v pkg-config >/dev/null || missing+=(pkg-config)
command -v cmake >/dev/null || missing+=(cmake)
command -v objdump >/dev/null || missing+=(binutils)
if [ "${#missing[@]}" -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "== installing ${missing[*]} (apt-get)"
  apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
command -v pkg-config >/dev/null || fail "pkg-config is required (apt-get install pkg-config)"

# --- The packaging tools: maturin (+ auditwheel) in a venv, the Node binding's napi CLI.
tools="$root/target/dist-tools"
if [ ! -x "$tools/bin/maturin" ] || [ ! -x "$tools/bin/auditwheel" ]; then
  echo "== installing maturin and auditwheel into $tools"
  "${PYTHON:-python3}" -m venv "$tools"
  "$tools/bin/python" -m pip install --quiet "maturin>=1.16,<2" "auditwheel>=6"
fi
export MATURIN="$tools/bin/maturin"
if [ ! -x bindings/node/node_modules/.bin/napi ]; then
  echo "== npm ci (bindings/node)"
  (cd bindings/node && npm ci --no-progress)
fi

bash scripts/package.sh
version="$(bash scripts/version.sh)"
arch="$(uname -m)"
dist="$root/dist"
auditwheel_bin="$tools/bin/auditwheel"

# --- From here on, nothing may need Rust.
clean_path=""
IFS=: read -r -a path_dirs <<<"$PATH"
for dir in "${path_dirs[@]}"; do
  if [ -e "$dir/cargo" ] || [ -e "$dir/rustc" ] || [ -e "$dir/rustup" ]; then continue; fi
  case "$dir" in "$tools"/* | "$root"/*) continue ;; esac
  clean_path="${clean_path:+$clean_path:}$dir"
done
export PATH="$clean_path"
unset CARGO_TARGET_DIR MATURIN VIRTUAL_ENV
if command -v cargo >/dev/null || command -v rustc >/dev/null; then fail "cargo is still on PATH"; fi
echo "== cargo and rustc are not on PATH from here on"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
declare -A reported  # artifact -> the version it reports at run time
expect_contains() {  # what text needle
  case "$2" in *"$3"*) ;; *) fail "$1: expected '$3' in: $2" ;; esac
}

echo "== CLI: pvm-$version-$arch-linux.tar.gz"
mkdir "$tmp/cli"
tar -xzf "$dist/pvm-$version-$arch-linux.tar.gz" -C "$tmp/cli"
pvm_bin="$tmp/cli/pvm-$version-$arch-linux/bin/pvm"
cli_version="$("$pvm_bin" --version)"
reported[cli]="${cli_version#pvm }"
printf '\x00\x00\x09\x0a\x01\x3a\x08\x00\x00\x02\x32\x00\x85\x00' > "$tmp/hostcall_fault.bin"
cli_run="$("$pvm_bin" run "$tmp/hostcall_fault.bin" --json || true)"
expect_contains "pvm run" "$cli_run" '"host_call":1'
echo "$cli_version: run -> $cli_run"

echo "== Python: a new venv, pip install --no-index the wheel"
wheel="$(ls "$dist"/pvm-"$version"-cp39-abi3-manylinux_*.whl)"
audit="$("$auditwheel_bin" show "$wheel")"
tag="$(basename "$wheel" .whl)"
tag="${tag##*-abi3-}"
expect_contains "auditwheel show" "$audit" "$tag"
echo "auditwheel: $(echo "$audit" | tr '\n' ' ' | sed 's/  */ /g' | cut -c1-160)..."
"${PYTHON:-python3}" -m venv "$tmp/py"
"$tmp/py/bin/python" -m pip install --quiet --no-index "$wheel"
(cd "$tmp" && "$tmp/py/bin/python" "$checks/check.py")
reported[python]="$(cd "$tmp" && "$tmp/py/bin/python" -c 'import pvm; print(pvm.__version__)')"
native="$(cd "$tmp" && "$tmp/py/bin/python" -c 'import importlib.util as u; print(u.find_spec("pvm._native").origin)')"
mv "$native" "$native.hidden"
py_error="$(cd "$tmp" && "$tmp/py/bin/python" -c 'import pvm' 2>&1 || true)"
mv "$native.hidden" "$native"
py_platform="$("$tmp/py/bin/python" -c 'import sysconfig; print(sysconfig.get_platform())')"
expect_contains "python without its native module" "$py_error" "cannot be loaded on $py_platform"
expect_contains "python without its native module" "$py_error" "Prebuilt wheels support: linux-x86_64"
echo "without its native module: $(echo "$py_error" | tail -1 | cut -c1-200)..."

echo "== Node: an empty npm project, npm install --offline the tarball"
mkdir "$tmp/node"
cp "$checks"/check.cjs "$checks"/check.mjs "$checks"/check-common.cjs "$tmp/node/"
(
  cd "$tmp/node"
  npm init -y >/dev/null
  npm install --offline --no-progress --silent "$dist/pvm-node-$version.tgz"
  node check.cjs
  node check.mjs
)
reported[node]="$(cd "$tmp/node" && node -p "require('pvm-node').version")"
node_platform="$(node -p '`${process.platform}-${process.arch}-` + (process.report.getReport().header.glibcVersionRuntime ? "gnu" : "musl")')"
manifest="$tmp/node/node_modules/pvm-node/package.json"
cp "$manifest" "$tmp/package.json.orig"
node -e 'const f = process.argv[1], m = require(f); m.pvm.platforms = ["plan9-mips"];
  require("node:fs").writeFileSync(f, JSON.stringify(m))' "$manifest"
node_error="$(cd "$tmp/node" && node -e "require('pvm-node')" 2>&1 || true)"
cp "$tmp/package.json.orig" "$manifest"
expect_contains "node on another platform" "$node_error" "no prebuilt addon on $node_platform"
expect_contains "node on another platform" "$node_error" "supports: plan9-mips"
echo "a package for plan9-mips: $(echo "$node_error" | grep -m1 'pvm-node:' | cut -c1-200)..."

echo "== C: the SDK tarball with pkg-config (shared and static)"
mkdir "$tmp/c"
tar -xzf "$dist/libpvm-$version-$arch-linux.tar.gz" -C "$tmp/c"
sdk="$tmp/c/libpvm-$version-$arch-linux"
export PKG_CONFIG_PATH="$sdk/lib/pkgconfig"
[ "$(pkg-config --modversion pvm)" = "$version" ] || fail "pkg-config --modversion pvm"
expect_contains "pkg-config --static --libs pvm" "$(pkg-config --static --libs pvm)" "-lpthread"
cc -Wall -Wextra -Werror "$checks/check.c" $(pkg-config --cflags --libs pvm) \
  -Wl,-rpath,"$(pkg-config --variable=libdir pvm)" -o "$tmp/c/check_shared"
cc -Wall -Wextra -Werror "$checks/check.c" $(pkg-config --cflags --libs pvm-static) -o "$tmp/c/check_static"
needed_shared="$(readelf -d "$tmp/c/check_shared" | grep NEEDED)"
needed_static="$(readelf -d "$tmp/c/check_static" | grep NEEDED)"
expect_contains "check_shared's NEEDED" "$needed_shared" "[libpvm.so.1]"
case "$needed_static" in *libpvm*) fail "check_static needs a shared libpvm: $needed_static" ;; esac
echo -n "shared (NEEDED libpvm.so.1): "; "$tmp/c/check_shared"
echo -n "static: "; "$tmp/c/check_static"
reported[c]="$("$tmp/c/check_static" | sed -n 's/^c \([^ ]*\) .*/\1/p')"
if command -v cmake >/dev/null; then
  echo "== C: CMake find_package(pvm) (pvm::pvm, pvm::pvm_static)"
  cmake -S "$checks" -B "$tmp/cmake" -DCMAKE_PREFIX_PATH="$sdk" >/dev/null
  cmake --build "$tmp/cmake" >/dev/null
  echo -n "cmake shared: "; "$tmp/cmake/check_shared"
  echo -n "cmake static: "; "$tmp/cmake/check_static"
else
  echo "== C: cmake not installed; CMake check skipped"
fi

if command -v go >/dev/null; then
  echo "== Go: the module tarball, a program outside the repository (replace directive)"
  if [ -z "${HOME:-}" ]; then export HOME="$tmp/home"; mkdir -p "$HOME"; fi
  mkdir "$tmp/go" "$tmp/go/app"
  tar -xzf "$dist/pvm-go-$version-$arch-linux.tar.gz" -C "$tmp/go"
  module="$tmp/go/pvm-go-$version-$arch-linux"
  cp "$checks/go/main.go" "$tmp/go/app/"
  cat > "$tmp/go/app/go.mod" <<GOMOD
module example.com/pvmcheck

go 1.19

require github.com/pvm-toolkit/pvm/bindings/go v$version

replace github.com/pvm-toolkit/pvm/bindings/go => $module
GOMOD
  (
    cd "$tmp/go/app"
    export GOFLAGS=-mod=mod GOPROXY=off GOWORK=off GOTOOLCHAIN=local
    go build -o check .
    ./check
    go_error="$(GOOS=darwin GOARCH=arm64 go build -o /dev/null . 2>&1 || true)"
    expect_contains "go build for darwin/arm64" "$go_error" "no prebuilt libpvm.a for darwin/arm64"
    echo "GOOS=darwin GOARCH=arm64: $(echo "$go_error" | grep -o '(constant "pvm: [^)]*' | cut -c1-160)..."
  )
  reported[go]="$("$tmp/go/app/check" | sed -n 's/^go \([^ ]*\): .*/\1/p')"
else
  echo "== Go: go not installed; Go check skipped"
fi

echo "== versions (workspace: $version)"
status=0
for artifact in $(printf "%s\n" "${!reported[@]}" | sort); do
  echo "  $artifact ${reported[$artifact]}"
  [ "${reported[$artifact]}" = "$version" ] || status=1
done
[ "$status" = 0 ] || fail "an artifact reports another version than $version"
echo "== test-dist: every artifact installed and ran without cargo"
