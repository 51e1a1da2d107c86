"""A tiny PVM assembler for hand-made test programs (GP 0.8 / JamV1 opcodes).

Only the operand forms the tests need: no operands, one immediate, a register and an
immediate, two registers and an immediate. Immediates use the shortest sign-extending
little-endian encoding, as the Gray Paper's decoder reads them.
"""

from __future__ import annotations

OPCODES = {
    "trap": 0,
    "fallthrough": 1,
    "ecalli": 10,
    "jump_ind": 50,
    "load_imm": 51,
    "load_u8": 52,
    "load_u64": 58,
    "store_u64": 62,
    "load_ind_u8": 124,
    "store_ind_u8": 120,
    "add_imm_64": 149,
}


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
    """One instruction: `ins("load_imm", 7, 42)`, `ins("ecalli", 1)`, `ins("trap")`."""
    op = bytes([OPCODES[name]])
    if not operands:
        return op
    if name == "ecalli":
        return op + imm(operands[0])
    if len(operands) == 2:
        reg, value = operands
        return op + bytes([reg]) + imm(value)
    ra, rb, value = operands
    return op + bytes([ra | rb << 4]) + imm(value)


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
