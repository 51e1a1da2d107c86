"""Guest memory from Python: reads and writes at every width, faults, mapping."""

from __future__ import annotations

import pytest

import pvm
from asm import blob, ins
from conftest import Engine

PAGE = 0x2_0000
NEXT = PAGE + 4096

WIDTHS = [
    ("u8", 1, 0xAB),
    ("u16", 2, 0xBEEF),
    ("u32", 4, 0xDEAD_BEEF),
    ("u64", 8, 0x0123_4567_89AB_CDEF),
]


@pytest.mark.parametrize(("name", "size", "value"), WIDTHS)
def test_typed_round_trip_is_little_endian(vm: pvm.VM, name: str, size: int, value: int) -> None:
    vm.map(PAGE, 4096)
    getattr(vm, f"write_{name}")(PAGE + 3, value)
    assert getattr(vm, f"read_{name}")(PAGE + 3) == value
    assert vm.read(PAGE + 3, size) == value.to_bytes(size, "little")
    assert vm.read(PAGE + 3 + size, 1) == b"\0"


@pytest.mark.parametrize(("name", "size", "value"), WIDTHS)
def test_typed_access_straddling_into_an_unmapped_page_faults(
    vm: pvm.VM, name: str, size: int, value: int
) -> None:
    vm.map(PAGE, 4096)
    address = NEXT - size + 1 if size > 1 else NEXT
    with pytest.raises(pvm.MemoryAccessError) as read_error:
        getattr(vm, f"read_{name}")(address)
    assert read_error.value.address == NEXT
    with pytest.raises(pvm.MemoryAccessError) as write_error:
        getattr(vm, f"write_{name}")(address, value)
    assert write_error.value.address == NEXT
    # All or nothing: the mapped part was not written.
    assert vm.read(PAGE, 4096) == bytes(4096)


@pytest.mark.parametrize(("name", "size", "value"), WIDTHS)
def test_typed_write_rejects_values_outside_the_width(vm: pvm.VM, name: str, size: int, value: int) -> None:
    vm.map(PAGE, 4096)
    with pytest.raises(OverflowError):
        getattr(vm, f"write_{name}")(PAGE, 1 << (8 * size))
    with pytest.raises(OverflowError):
        getattr(vm, f"write_{name}")(PAGE, -1)
    assert vm.read(PAGE, 8) == bytes(8)


def test_bytes_round_trip_and_bytes_like_inputs(vm: pvm.VM) -> None:
    vm.map(PAGE, 8192)
    vm.write(PAGE + 4090, b"straddles two pages")
    assert vm.read(PAGE + 4090, 19) == b"straddles two pages"
    vm.write(PAGE, bytearray(b"abc"))
    vm.write(PAGE + 3, memoryview(b"def"))
    assert vm.read(PAGE, 6) == b"abcdef"
    assert vm.read(PAGE, 0) == b""
    with pytest.raises(TypeError):
        vm.write(PAGE, "text")  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        vm.write(PAGE, 5)  # type: ignore[arg-type]


def test_unmapped_low_and_out_of_range_accesses_raise_with_the_address(vm: pvm.VM) -> None:
    with pytest.raises(pvm.MemoryAccessError) as error:
        vm.read(PAGE + 5, 1)
    assert error.value.address == PAGE + 5
    assert isinstance(error.value, pvm.PvmError)
    with pytest.raises(pvm.MemoryAccessError) as error:
        vm.read_u8(0x100)  # the low 64 KiB are never accessible
    assert error.value.address == 0x100
    with pytest.raises(pvm.MemoryAccessError):
        vm.read(0xFFFF_F000, 1 << 40)  # past 4 GiB: refused before allocating
    with pytest.raises(OverflowError):
        vm.read(1 << 32, 1)


def test_read_only_pages_refuse_writes_unless_privileged(vm: pvm.VM) -> None:
    vm.map(PAGE, 4096, "r")
    with pytest.raises(pvm.MemoryAccessError) as error:
        vm.write(PAGE + 8, b"x")
    assert error.value.address == PAGE + 8
    vm.write(PAGE + 8, b"x", privileged=True)
    assert vm.read(PAGE + 8, 1) == b"x"
    with pytest.raises(pvm.MemoryAccessError):
        vm.write(NEXT, b"x", privileged=True)  # unmapped stays refused


def test_map_protect_unmap(vm: pvm.VM) -> None:
    assert vm.mapped_pages() == []
    vm.map(PAGE, 5000)  # rounded up to two pages
    assert vm.mapped_pages() == [(PAGE, "rw"), (NEXT, "rw")]
    vm.write_u32(NEXT, 7)
    vm.protect(NEXT, 4096, "r")
    assert vm.mapped_pages() == [(PAGE, "rw"), (NEXT, "r")]
    assert vm.read_u32(NEXT) == 7
    with pytest.raises(pvm.MemoryAccessError):
        vm.write_u32(NEXT, 8)
    vm.unmap(PAGE, 4096)
    assert vm.mapped_pages() == [(NEXT, "r")]
    with pytest.raises(pvm.MemoryAccessError):
        vm.read_u8(PAGE)
    vm.map(NEXT, 4096)  # remapping zeroes
    assert vm.read_u32(NEXT) == 0


def test_bad_map_arguments(vm: pvm.VM) -> None:
    with pytest.raises(ValueError, match="page-aligned"):
        vm.map(PAGE + 1, 4096)
    with pytest.raises(ValueError, match="access"):
        vm.map(PAGE, 4096, "x")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="access"):
        vm.map(PAGE, 4096, "none")  # type: ignore[arg-type]
    with pytest.raises(pvm.MemoryAccessError) as error:
        vm.map(0, 4096)  # the low 64 KiB
    assert error.value.address == 0
    with pytest.raises(pvm.MemoryAccessError):
        vm.map(0xFFFF_F000, 8192)  # past 4 GiB
    with pytest.raises(pvm.MemoryAccessError):
        vm.map(PAGE, (1 << 64) - 1)  # huge lengths do not wrap around
    assert vm.mapped_pages() == []


def test_guest_page_fault_then_map_and_resume(engine: Engine) -> None:
    # r8 = byte at PAGE (page fault until mapped); halt.
    vm = pvm.VM.from_blob(blob(ins("load_u8", 8, PAGE + 1), ins("jump_ind", 0, 0)), 1_000,
                          engine=engine)
    vm.set_reg(0, pvm.HALT_ADDRESS)
    exit = vm.run()
    assert (exit.kind, exit.address, exit.is_resumable) == ("page-fault", PAGE, True)
    assert vm.pc == 0
    gas = vm.gas
    # Mapped without access, the retry faults again at the same address, charging nothing.
    vm.map(PAGE, 4096, "r")
    vm.protect(PAGE, 4096, "none")
    exit = vm.run()
    assert (exit.kind, exit.address, vm.pc, vm.gas) == ("page-fault", PAGE, 0, gas)
    vm.map(PAGE, 4096, "r")
    vm.write_u8(PAGE + 1, 0x5A, privileged=True)
    exit = vm.run()
    assert exit.kind == "halt" and not exit.is_resumable
    assert vm.get_reg(8) == 0x5A


def test_guest_writes_are_visible_to_the_host(engine: Engine) -> None:
    # r7 = 0x77; store_u64 [NEXT] = r7; halt
    vm = pvm.VM.from_blob(
        blob(ins("load_imm", 7, 0x77), ins("store_u64", 7, NEXT), ins("jump_ind", 0, 0)), 1_000,
        engine=engine,
    )
    vm.set_reg(0, pvm.HALT_ADDRESS)
    vm.map(NEXT, 4096)
    assert vm.run().kind == "halt"
    assert vm.read_u64(NEXT) == 0x77
