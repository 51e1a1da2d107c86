"""Bad input raises a Python exception and never crashes the interpreter."""

from __future__ import annotations

import random
from typing import Callable

import pytest

import pvm
from conftest import GUESTS

HALTING = bytes([0, 0, 5, 51, 7, 42, 50, 0, 0b1001])


@pytest.mark.parametrize(
    "blob",
    [b"", b"garbage", b"\xff" * 64, bytes([0, 0, 0]), bytes([0, 0, 200, 1, 2]), HALTING[:-1]],
)
def test_garbage_blobs_raise_program_error(blob: bytes) -> None:
    with pytest.raises(pvm.ProgramError) as error:
        pvm.Program.from_blob(blob)
    assert str(error.value)  # the engine's message
    with pytest.raises(pvm.ProgramError):
        pvm.VM.from_blob(blob, 100)
    with pytest.raises(pvm.ProgramError):
        pvm.VM.from_polkavm(blob, 100)
    with pytest.raises(pvm.ProgramError):
        pvm.VM.from_standard(blob, b"", 100)


def test_unknown_opcode_message_comes_from_the_engine() -> None:
    with pytest.raises(pvm.ProgramError, match="invalid instruction at pc 0"):
        pvm.Program.from_blob(bytes([0, 0, 2, 255, 0, 0b01]))


def test_errors_form_a_hierarchy() -> None:
    assert issubclass(pvm.ProgramError, pvm.PvmError)
    assert issubclass(pvm.MemoryAccessError, pvm.PvmError)
    assert issubclass(pvm.PvmError, Exception)


def test_wrong_argument_types() -> None:
    with pytest.raises(TypeError):
        pvm.Program.from_blob("not bytes")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pvm.Program.from_blob(12)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pvm.VM(HALTING, 10)  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        pvm.VM.from_blob(HALTING, -1)
    with pytest.raises(OverflowError):
        pvm.VM.from_blob(HALTING, 1 << 64)


def test_random_and_mutated_blobs_load_or_raise_and_run_bounded() -> None:
    rng = random.Random(0x5EED)
    seeds = [HALTING, (GUESTS / "bin" / "fib.polkavm").read_bytes()]
    loaded = rejected = 0
    for round_ in range(1500):
        base = bytearray(seeds[round_ % 2])
        if round_ % 5 == 0:
            base = bytearray(rng.randbytes(rng.randrange(1, 64)))
        for _ in range(rng.randrange(1, 6)):
            base[rng.randrange(len(base))] = rng.randrange(256)
        data = bytes(base)
        loaders: list[Callable[[], pvm.VM]] = [
            lambda: pvm.VM.from_blob(data, 2_000),
            lambda: pvm.VM.from_blob(data, 2_000, gp="0.7"),
            lambda: pvm.VM.from_polkavm(data, 2_000),
        ]
        for load in loaders:
            try:
                vm = load()
            except pvm.ProgramError:
                rejected += 1
                continue
            loaded += 1
            vm.map(0x2_0000, 4096)
            for _ in range(4):  # resume through host calls and faults
                exit = vm.run()
                assert exit.kind in {"halt", "panic", "out-of-gas", "page-fault", "host-call"}
                if not exit.is_resumable:
                    break
    assert loaded > 50 and rejected > 50
