"""The test assembler reads the engine's instruction table (`pvm isa --json`)."""

from __future__ import annotations

import pytest

from asm import blob, ins, isa


def test_assembler_encodes_the_fixture_program_byte_for_byte() -> None:
    # conftest's `vm` fixture spells out load_imm r7, 42 ; jump_ind r0 in bytes.
    expected = bytes([0, 0, 5, 51, 7, 42, 50, 0, 0b1001])
    assert blob(ins("load_imm", 7, 42), ins("jump_ind", 0, 0)) == expected


def test_table_covers_both_numberings_and_rejects_what_it_cannot_encode() -> None:
    table = isa()
    assert sum(row["opcode"] is not None for row in table.values()) == 139
    assert table["sbrk"]["opcode"] is None and table["sbrk"]["opcode_0_7"] == 101
    with pytest.raises(ValueError, match="not a GP 0.8 instruction"):
        ins("sbrk", 1, 2)
    with pytest.raises(ValueError, match="cannot encode"):
        ins("load_imm", 7)
    with pytest.raises(KeyError):
        ins("no_such_op")
