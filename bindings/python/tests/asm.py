"""A tiny PVM assembler for hand-made test programs (GP 0.8 / JamV1 opcodes).

The opcode bytes and operand forms come from the engine's one instruction table, printed
by `pvm isa --json` (run once per test session through cargo, which reuses the workspace's
debug build). Only the operand forms the tests need are encoded: no operands, one
immediate, a register and an immediate, two registers and an immediate. Immediates use the
shortest sign-extending little-endian encoding, as the Gray Paper's decoder reads them.
"""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[3]


@functools.cache
def isa() -> dict[str, dict[str, Any]]:
    """The instruction table by mnemonic: `{"load_imm": {"opcode": 51, "form": "RegImm", ...}}`."""
    run = subprocess.run(
        ["cargo", "run", "--quiet", "-p", "pvm-cli", "--", "isa", "--json"],
        cwd=REPO, capture_output=True, text=True, check=False,
    )
    if run.returncode != 0:
        raise RuntimeError(f"`cargo run -p pvm-cli -- isa --json` failed:\n{run.stderr}")
    return {row["name"]: row for row in json.loads(run.stdout)}


def imm(value: int) -> bytes:
    """The shortest encoding of the 32-bit immediate `value` (sign-extended on decode)."""
    value &= 0xFFFF_FFFF
    signed = value - (1 << 32) if value & 0x8000_0000 else value
    for length in range(5):
        low = signed & ((1 << (8 * length)) - 1) if length else 0
        decoded = low - (1 << (8 * length)) if length and low >> (8 * length - 1) else low
        if decoded == signed:
            return low.to_bytes(length, "little")
    raise AssertionError("unreachable")


def ins(name: str, *operands: int) -> bytes:
    """One instruction: `ins("load_imm", 7, 42)`, `ins("ecalli", 1)`, `ins("trap")`,
    `ins("load_ind_u8", a, b, offset)`; the operands follow the table's operand form."""
    row = isa()[name]
    if row["opcode"] is None:
        raise ValueError(f"{name} is not a GP 0.8 instruction")
    op = bytes([row["opcode"]])
    form = row["form"]
    if form == "None" and not operands:
        return op
    if form == "Imm" and len(operands) == 1:
        return op + imm(operands[0])
    if form == "RegImm" and len(operands) == 2:
        reg, value = operands
        return op + bytes([reg]) + imm(value)
    if form == "RegRegImm" and len(operands) == 3:
        ra, rb, value = operands
        return op + bytes([ra | rb << 4]) + imm(value)
    raise ValueError(f"the test assembler cannot encode {name} ({form}) with {operands}")


def varint(value: int) -> bytes:
    """The Gray Paper's variable-length natural number encoding (values < 2**7 here)."""
    assert value < 128
    return bytes([value])


def blob(*instructions: bytes) -> bytes:
    """A raw program blob (no jump table) of `instructions`."""
    code = b"".join(instructions)
    bits = 0
    offset = 0
    for instruction in instructions:
        bits |= 1 << offset
        offset += len(instruction)
    bitmask = bits.to_bytes((len(code) + 7) // 8, "little")
    return varint(0) + bytes([0]) + varint(len(code)) + code + bitmask
