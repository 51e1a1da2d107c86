"""The C guest programs (guests/bin/*.polkavm) called through the binding match their
native results (guests/expected.txt, the small cases)."""

from __future__ import annotations

import pytest

import pvm
from conftest import GUESTS

MASK = (1 << 64) - 1


def cases() -> list[tuple[str, str, int, int]]:
    rows = [line.split() for line in (GUESTS / "expected.txt").read_text().splitlines()]
    return [(r[0], r[1], int(r[2]), int(r[3])) for r in rows if r and r[4:] != ["bench"]]


def host_add(vm: pvm.VM) -> None:
    vm.set_reg(7, (vm.get_reg(7) + vm.get_reg(8)) & MASK)


@pytest.mark.parametrize(("program", "export", "arg", "expected"), cases(),
                         ids=[f"{c[0]}-{c[2]}" for c in cases()])
def test_guest(program: str, export: str, arg: int, expected: int) -> None:
    vm = pvm.VM.from_polkavm((GUESTS / "bin" / f"{program}.polkavm").read_bytes(), 1 << 40)
    exit = vm.call(export, arg, host={0: host_add})
    assert exit.kind == "halt", exit
    assert vm.get_reg(7) == expected
