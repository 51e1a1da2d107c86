#!/usr/bin/env bash
# Builds the C guest programs into JAM PolkaVM (JamV1) blobs and regenerates
# the expected results.
#
#   guests/programs.txt: PROGRAM EXPORT SOURCE... (one program per line)
#   guests/src/SOURCE... + rt.c --clang-19--> guests/build/PROGRAM.elf --pvm-link--> guests/bin/PROGRAM.polkavm
#   guests/src/SOURCE... (all programs) + guests/native/driver.c --host cc--> guests/build/native-driver
#   guests/cases.txt --native-driver--> guests/expected.txt
#
# Needs: clang-19 and lld-19 (Debian packages), a host C compiler (cc/gcc/clang),
# cargo. Rerunnable; any failure aborts the script.
set -euo pipefail

GUESTS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$GUESTS_DIR/.." && pwd)"
BUILD_DIR="$GUESTS_DIR/build"
BIN_DIR="$GUESTS_DIR/bin"

CLANG="${CLANG:-clang-19}"
HOST_CC="${HOST_CC:-cc}"

# PROGRAMS: names in programs.txt order; SOURCES[name]: its .c files in src/.
PROGRAMS=()
declare -A SOURCES=()
while read -r name _export srcs; do
    case "$name" in '' | '#'*) continue ;; esac
    [ -n "$srcs" ] || { echo "build.sh: error: programs.txt: $name has no sources" >&2; exit 1; }
    PROGRAMS+=("$name")
    SOURCES[$name]="$srcs"
done < "$GUESTS_DIR/programs.txt"

# RISC-V rv64emac (+zbb) with the lp64e ABI, freestanding, position-independent.
TARGET_CFLAGS=(
    --target=riscv64-unknown-none-elf
    -march=rv64emac_zbb
    -mabi=lp64e
    -mno-relax            # keep relocations explicit for polkavm-linker
    -mno-strict-align     # PolkaVM allows unaligned accesses
    -O2
    -ffreestanding
    -nostdlib
    -fPIC
    -fvisibility=hidden
    -fno-stack-protector
    -fno-unwind-tables
    -fno-asynchronous-unwind-tables
    -ffunction-sections
    -fdata-sections
    -g0
    -std=c11
    -Wall -Wextra
    -I"$GUESTS_DIR/include"
    -isystem "$GUESTS_DIR/src/libc"   # string.h, stdlib.h, ... shims for third-party code
)
# rt.c implements memset/memcpy itself, so it must not be turned into calls to them.
RT_CFLAGS=(-fno-builtin)

# Link as a position-independent shared object, like polkavm's Rust target
# (cdylib); --emit-relocs keeps the static relocations polkavm-linker needs.
TARGET_LDFLAGS=(
    -fuse-ld=lld
    -nostdlib
    -Wl,-shared
    -Wl,--emit-relocs
    -Wl,--no-relax
    -Wl,--unique
    -Wl,--apply-dynamic-relocs
    -Wl,-Bsymbolic
    -Wl,--no-allow-shlib-undefined
)

HOST_CFLAGS=(-O2 -std=c11 -Wall -Wextra -I"$GUESTS_DIR/include")

die() { echo "build.sh: error: $*" >&2; exit 1; }

command -v "$CLANG" >/dev/null || die "$CLANG not found (apt-get install clang-19 lld-19)"
command -v ld.lld-19 >/dev/null || command -v ld.lld >/dev/null || die "ld.lld not found (apt-get install lld-19)"
command -v "$HOST_CC" >/dev/null || die "host C compiler '$HOST_CC' not found (set HOST_CC)"
command -v cargo >/dev/null || die "cargo not found"

mkdir -p "$BUILD_DIR" "$BIN_DIR"

echo "== building pvm-link"
cargo build --release --locked --quiet --manifest-path "$REPO_DIR/tools/pvm-link/Cargo.toml"
PVM_LINK="$REPO_DIR/tools/pvm-link/target/release/pvm-link"
[ -x "$PVM_LINK" ] || die "pvm-link was not built at $PVM_LINK"

echo "== compiling guests for riscv64 (rv64emac_zbb, lp64e)"
"$CLANG" "${TARGET_CFLAGS[@]}" "${RT_CFLAGS[@]}" -c "$GUESTS_DIR/src/rt.c" -o "$BUILD_DIR/rt.o"
for prog in "${PROGRAMS[@]}"; do
    objs=()
    for src in ${SOURCES[$prog]}; do
        obj="$BUILD_DIR/${src%.c}.o"
        "$CLANG" "${TARGET_CFLAGS[@]}" -c "$GUESTS_DIR/src/$src" -o "$obj"
        objs+=("$obj")
    done
    "$CLANG" "${TARGET_CFLAGS[@]}" "${TARGET_LDFLAGS[@]}" \
        "${objs[@]}" "$BUILD_DIR/rt.o" -o "$BUILD_DIR/$prog.elf"
    "$PVM_LINK" "$BUILD_DIR/$prog.elf" "$BIN_DIR/$prog.polkavm.tmp"
    mv -f "$BIN_DIR/$prog.polkavm.tmp" "$BIN_DIR/$prog.polkavm"
done

echo "== compiling native reference driver ($HOST_CC)"
native_srcs=()
for prog in "${PROGRAMS[@]}"; do
    for src in ${SOURCES[$prog]}; do
        native_srcs+=("$GUESTS_DIR/src/$src")
    done
done
"$HOST_CC" "${HOST_CFLAGS[@]}" "${native_srcs[@]}" "$GUESTS_DIR/native/driver.c" \
    -o "$BUILD_DIR/native-driver"

echo "== computing expected results"
"$BUILD_DIR/native-driver" < "$GUESTS_DIR/cases.txt" > "$GUESTS_DIR/expected.txt.tmp"
n_cases=$(grep -cv -e '^[[:space:]]*$' -e '^#' "$GUESTS_DIR/cases.txt")
n_out=$(wc -l < "$GUESTS_DIR/expected.txt.tmp")
[ "$n_cases" -eq "$n_out" ] || die "driver printed $n_out lines for $n_cases cases"
mv -f "$GUESTS_DIR/expected.txt.tmp" "$GUESTS_DIR/expected.txt"

echo "== done: $(ls "$BIN_DIR"/*.polkavm | wc -l) blobs in $BIN_DIR, $n_out cases in $GUESTS_DIR/expected.txt"
