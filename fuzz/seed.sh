#!/usr/bin/env bash
# Fills fuzz/corpus/<target>/ with seed inputs made from real programs:
#
#   parse_blob, execute  the raw blob of every conformance vector ("program" field of
#                        shared/pvm-vectors/*/programs/*.json) and the code section of
#                        every .polkavm guest, re-encoded as a raw blob
#   parse_standard       each of those blobs wrapped in a JAM standard program (small
#                        RO/RW data, heap and stack; guests keep their own data)
#   parse_container      every .polkavm file (guests/bin, crates/pvm/tests/data)
#   execute_traced       the same inputs as execute
#   parse_trace          the committed traces (examples/traces, crates/evm-memory/tests/data,
#                        crates/memory3d/tests/data: *.mtrace)
#   parse_proof          proofs of the smallest committed trace at k = 9 and k = 10 (made
#                        with `cargo run -p memory-proof`; skipped if that fails), plus a
#                        few edit lists of the harness's own valid proof
#
# Files are named by their SHA-1, as libFuzzer names corpus entries, so re-running adds
# nothing twice. Usage: fuzz/seed.sh [VECTORS_DIR]   (default: ../shared/pvm-vectors
# beside the repository, or $PVM_VECTORS). Needs python3 (standard library only).
set -euo pipefail

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$fuzz_dir")"
vectors="${1:-${PVM_VECTORS:-$repo/../shared/pvm-vectors}}"

if [[ ! -d "$vectors" ]]; then
    echo "seed.sh: no vectors at $vectors (pass a directory); seeding from guests only" >&2
fi

python3 - "$fuzz_dir/corpus" "$vectors" "$repo/guests/bin" "$repo/crates/pvm/tests/data" <<'PY'
import glob
import hashlib
import json
import os
import sys

corpus, vectors, *container_dirs = sys.argv[1:]
targets = ["parse_blob", "parse_standard", "parse_container", "execute", "execute_traced"]
for target in targets:
    os.makedirs(os.path.join(corpus, target), exist_ok=True)
added = {target: 0 for target in targets}


def save(target, data):
    path = os.path.join(corpus, target, hashlib.sha1(data).hexdigest())
    if not os.path.exists(path):
        with open(path, "wb") as f:
            f.write(data)
        added[target] += 1


def varint(value):
    """The JAM / PolkaVM variable-length natural (GP appendix C)."""
    if value < 0x80:
        return bytes([value])
    for extra in range(1, 8):
        if value < 1 << (7 * (extra + 1)):
            prefix = (0xFF00 >> extra) & 0xFF
            return bytes([prefix | (value >> (8 * extra))]) + value.to_bytes(8, "little")[:extra]
    return b"\xff" + value.to_bytes(8, "little")


def read_varint(data, pos):
    first = data[pos]
    extra = 0
    while extra < 8 and first & (0x80 >> extra):
        extra += 1
    low = int.from_bytes(data[pos + 1 : pos + 1 + extra], "little")
    high = first & (0xFF >> (extra + 1)) if extra < 8 else 0
    return low | (high << (8 * extra)), pos + 1 + extra


def raw_blob(code, bitmask, jump_table):
    largest = max(jump_table, default=0)
    size = (largest.bit_length() + 7) // 8
    table = b"".join(entry.to_bytes(4, "little")[:size] for entry in jump_table)
    return varint(len(jump_table)) + bytes([size]) + varint(len(code)) + table + code + bitmask


def standard(blob, ro=b"", rw=b"", heap_pages=1, stack=4096):
    def le(value, width):
        return value.to_bytes(width, "little")

    return (
        le(len(ro), 3) + le(len(rw), 3) + le(heap_pages, 2) + le(stack, 3)
        + ro + rw + le(len(blob), 4) + blob
    )


def parse_container(data):
    """The parts of a JamV1 .polkavm container that seeds need (None if unexpected)."""
    if data[:4] != b"PVM\0" or data[4] != 3:
        return None
    pos, parts = 13, {"ro": b"", "rw": b"", "stack": 4096}
    while pos < len(data) and data[pos] != 0:
        section = data[pos]
        length, pos = read_varint(data, pos + 1)
        body, pos = data[pos : pos + length], pos + length
        if section == 1:
            _, at = read_varint(body, 0)
            _, at = read_varint(body, at)
            parts["stack"], _ = read_varint(body, at)
        elif section == 2:
            parts["ro"] = body
        elif section == 3:
            parts["rw"] = body
        elif section == 6:
            count, at = read_varint(body, 0)
            size = body[at]
            code_len, at = read_varint(body, at + 1)
            table = [
                int.from_bytes(body[at + i * size : at + (i + 1) * size], "little")
                for i in range(count)
            ] if size else []
            at += count * size
            parts["code"] = body[at : at + code_len]
            parts["bitmask"] = body[at + code_len :]
            parts["jump_table"] = table
    return parts if "code" in parts else None


blobs = []
for path in sorted(glob.glob(os.path.join(vectors, "*", "programs", "*.json"))):
    with open(path) as f:
        program = json.load(f).get("program")
    if isinstance(program, list):
        blobs.append(bytes(program))

for directory in container_dirs:
    for path in sorted(glob.glob(os.path.join(directory, "*.polkavm"))):
        with open(path, "rb") as f:
            data = f.read()
        save("parse_container", data)
        parts = parse_container(data)
        if parts is None:
            print(f"seed.sh: skipping unreadable container {path}", file=sys.stderr)
            continue
        blob = raw_blob(parts["code"], parts["bitmask"], parts["jump_table"])
        blobs.append(blob)
        ro, rw = parts["ro"][:0xFFFFFF], parts["rw"][:0xFFFFFF]
        save("parse_standard", standard(blob, ro, rw, 4, min(parts["stack"], 0xFFFFFF)))

for blob in blobs:
    save("parse_blob", blob)
    save("execute", blob)
    save("execute_traced", blob)
    save("parse_standard", standard(blob))
    # Odd layouts too: no data, a little RO/RW data, no stack.
    save("parse_standard", standard(blob, b"\x01\x02\x03", b"\xff" * 5, 0, 0))

summary = ", ".join(f"{target} +{count}" for target, count in added.items())
print(f"seed.sh: {len(blobs)} programs -> {corpus}: {summary}")
PY

# Traces and proofs.
mkdir -p "$fuzz_dir/corpus/parse_trace" "$fuzz_dir/corpus/parse_proof"
save() { # save TARGET FILE: copy FILE into the corpus, named by its SHA-1
    local sha
    sha=$(sha1sum "$2" | cut -d' ' -f1)
    cp "$2" "$fuzz_dir/corpus/$1/$sha"
}
traces=("$repo"/examples/traces/*.mtrace "$repo"/crates/evm-memory/tests/data/*.mtrace \
    "$repo"/crates/memory3d/tests/data/*.mtrace)
for trace in "${traces[@]}"; do
    save parse_trace "$trace"
done
echo "seed.sh: ${#traces[@]} traces -> parse_trace"

# The smallest trace fits k = 9 (capacity 505 records).
smallest=$(ls -S "${traces[@]}" | tail -n 1)
proofs=0
for k in 9 10; do
    out="$fuzz_dir/corpus/parse_proof/k$k.proof"
    if (cd "$repo" && cargo run -q -p memory-proof -- prove "$smallest" --k "$k" -o "$out" --insecure-test-setup) >/dev/null; then
        save parse_proof "$out"
        rm "$out"
        proofs=$((proofs + 1))
    else
        echo "seed.sh: could not prove $smallest at k = $k; parse_proof seeds without it" >&2
    fi
done
# Edit lists of the harness's valid proof (see fuzz/src/proof.rs): none, one flipped
# transcript bit, a changed record count, a truncation.
edits=$(mktemp -d)
printf '' >"$edits/none"
printf '\x40\x00\x01' >"$edits/flip"
printf '\x0a\x00\x01' >"$edits/records"
printf '\x00\x01\x00' >"$edits/truncate"
for edit in "$edits"/*; do
    save parse_proof "$edit"
done
rm -r "$edits"
echo "seed.sh: $proofs proofs and 4 edit lists -> parse_proof"
