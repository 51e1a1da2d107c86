"""VM state from Python: registers, gas, pc, exits, constructors and exports."""

from __future__ import annotations

import threading

import pytest

import pvm
from conftest import GUESTS, Engine

HALTING = bytes([0, 0, 5, 51, 7, 42, 50, 0, 0b1001])  # load_imm r7, 42 ; jump_ind r0


def test_registers_get_set_and_list(vm: pvm.VM) -> None:
    assert vm.regs == [0] * 13
    vm.set_reg(12, (1 << 64) - 1)
    vm.set_reg(0, 5)
    assert vm.get_reg(12) == (1 << 64) - 1 and vm.get_reg(0) == 5
    vm.regs = list(range(100, 113))
    assert vm.regs == list(range(100, 113))
    vm.regs = tuple(range(13))
    assert vm.get_reg(4) == 4
    regs = vm.regs
    regs[3] = 99  # a copy: the VM is unchanged
    assert vm.get_reg(3) == 3


@pytest.mark.parametrize("index", [13, -1, 1 << 70])
def test_register_index_out_of_range(vm: pvm.VM, index: int) -> None:
    error = OverflowError if index > 1 << 63 else IndexError
    with pytest.raises(error):
        vm.get_reg(index)
    with pytest.raises(error):
        vm.set_reg(index, 1)


@pytest.mark.parametrize("value", [-1, 1 << 64])
def test_register_value_out_of_range(vm: pvm.VM, value: int) -> None:
    with pytest.raises(OverflowError):
        vm.set_reg(7, value)
    with pytest.raises(OverflowError):
        vm.regs = [value] * 13
    assert vm.regs == [0] * 13


def test_register_list_must_have_13_ints(vm: pvm.VM) -> None:
    with pytest.raises(ValueError, match="13"):
        vm.regs = [1] * 12
    with pytest.raises(TypeError):
        vm.regs = "0123456789abc"  # type: ignore[assignment]
    with pytest.raises(TypeError):
        vm.set_reg(1, "5")  # type: ignore[arg-type]
    assert vm.regs == [0] * 13


def test_run_gas_pc_and_exit(vm: pvm.VM) -> None:
    assert vm.exit is None and vm.pc == 0 and vm.gas == 1_000
    vm.set_reg(0, pvm.HALT_ADDRESS)
    exit = vm.run()
    assert exit == vm.exit and exit.kind == "halt"
    assert (exit.address, exit.host_id) == (None, None)
    cost = vm.program.block_costs()[0]
    assert vm.gas == 1_000 - cost and vm.pc == 3 and vm.get_reg(7) == 42
    # Halted machines keep reporting the halt.
    assert vm.run().kind == "halt" and vm.gas == 1_000 - cost
    # Moving the pc starts again and charges the block again.
    vm.pc = 0
    vm.gas = 10_000
    assert vm.run().kind == "halt" and vm.gas == 10_000 - cost


def test_panic_and_out_of_gas(vm: pvm.VM) -> None:
    assert vm.run().kind == "panic"  # r0 = 0 is not the halt address
    low = pvm.VM.from_blob(HALTING, 1)
    exit = low.run()
    assert exit.kind == "out-of-gas" and exit.is_resumable and low.gas == 1 and low.pc == 0
    low.gas = 100
    low.set_reg(0, pvm.HALT_ADDRESS)
    assert low.run().kind == "halt"


def test_exit_value_semantics(vm: pvm.VM) -> None:
    vm.set_reg(0, pvm.HALT_ADDRESS)
    first = vm.run()
    other = pvm.VM.from_blob(HALTING, 100)
    other.set_reg(0, pvm.HALT_ADDRESS)
    assert other.run() == first and hash(first) == hash(vm.exit)
    assert repr(first) == "Exit(kind='halt')"
    assert "pvm.VM" in repr(vm)


def test_vms_share_a_program() -> None:
    program = pvm.Program.from_blob(HALTING)
    assert program.gp == "0.8" and program.instruction_count == 2 and program.jump_table == []
    one, two = pvm.VM(program, 100), pvm.VM(program, 100)
    one.set_reg(0, pvm.HALT_ADDRESS)
    assert one.run().kind == "halt" and two.get_reg(7) == 0
    assert one.program.block_costs() == program.block_costs()


def test_gp_07_programs() -> None:
    # GP 0.7: no final terminator needed (an implicit trap follows the code).
    program = pvm.Program.from_blob(bytes([0, 0, 3, 51, 7, 42, 0b001]), gp="0.7")
    assert program.gp == "0.7"
    vm = pvm.VM(program, 100)
    assert vm.run().kind == "panic" and vm.get_reg(7) == 42
    with pytest.raises(pvm.ProgramError, match="last instruction"):
        pvm.Program.from_blob(bytes([0, 0, 3, 51, 7, 42, 0b001]), gp="0.8")
    with pytest.raises(ValueError, match="Gray Paper version"):
        pvm.Program.from_blob(HALTING, gp="0.9")


def test_polkavm_exports_and_calls(hostcall_blob: bytes) -> None:
    vm = pvm.VM.from_polkavm(hostcall_blob, 1 << 30)
    assert vm.exports == ["hostcall"]
    vm.prepare_call("hostcall", 0)
    assert vm.get_reg(0) == pvm.HALT_ADDRESS and vm.get_reg(1) != 0
    assert vm.run().kind == "halt" and vm.get_reg(7) == 0
    with pytest.raises(pvm.ProgramError, match="no export named"):
        vm.call("missing")
    with pytest.raises(TypeError, match="arguments"):
        vm.call("hostcall", *range(10))
    with pytest.raises(OverflowError):
        vm.call("hostcall", -1)
    plain = pvm.VM.from_blob(HALTING, 10)
    assert plain.exports == []
    with pytest.raises(pvm.ProgramError, match="from_polkavm"):
        plain.call("hostcall")


def standard_program() -> bytes:
    """A JAM standard program: ro "RO", rw "RW", 1 heap page, 4 KiB stack; the code reads
    the first argument byte: r9 = u8 [r7]; halt (r0 = halt address)."""
    code = [0, 0, 6, 124, 0x79, 0, 50, 0, 0, 0b0001001]
    blob = bytes([2, 0, 0, 2, 0, 0, 1, 0, 0, 16, 0]) + b"RO" + b"RW"
    return blob + len(code).to_bytes(4, "little") + bytes(code)


def test_standard_program_with_arguments(engine: Engine) -> None:
    blob = standard_program()
    vm = pvm.VM.from_standard(blob, b"\x2a rest", 1_000, engine=engine)
    assert vm.engine == engine
    assert vm.get_reg(0) == pvm.HALT_ADDRESS and vm.get_reg(8) == 6
    args = vm.get_reg(7)
    assert vm.read(args, 6) == b"\x2a rest"
    assert vm.read(0x1_0000, 2) == b"RO"
    assert vm.run().kind == "halt" and vm.get_reg(9) == 0x2A
    with pytest.raises(pvm.ProgramError):
        pvm.VM.from_standard(blob[:-1], b"", 1_000)
    with pytest.raises(ValueError, match="16 MiB"):
        pvm.VM.from_standard(blob, bytes((1 << 24) + 1), 1_000)


def test_vm_runs_in_another_thread_with_or_without_the_gil(hostcall_blob: bytes) -> None:
    def host_add(vm: pvm.VM) -> None:
        vm.set_reg(7, (vm.get_reg(7) + vm.get_reg(8)) % 2**64)

    results: dict[bool, int] = {}

    def work(release_gil: bool) -> None:
        vm = pvm.VM.from_polkavm(hostcall_blob, 1 << 40)
        vm.release_gil = release_gil
        assert vm.call("hostcall", 10_000, host={0: host_add}).kind == "halt"
        results[release_gil] = vm.get_reg(7)

    threads = [threading.Thread(target=work, args=(flag,)) for flag in (True, False)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {True: 1838007774129845683, False: 1838007774129845683}


def test_touching_a_vm_while_another_thread_runs_it_raises_runtime_error() -> None:
    vm = pvm.VM.from_polkavm((GUESTS / "bin" / "sort.polkavm").read_bytes(), 1 << 40)
    vm.prepare_call("quicksort", 1_000_000)  # about a second of guest code
    exits: list[pvm.Exit] = []
    thread = threading.Thread(target=lambda: exits.append(vm.run()))
    thread.start()
    refused = 0
    while thread.is_alive():
        try:
            vm.get_reg(7)
        except RuntimeError:  # the runner holds the VM while the GIL is released
            refused += 1
    thread.join()
    assert refused > 0
    assert [e.kind for e in exits] == ["halt"]
    assert vm.get_reg(7) == 8434127344903356356  # guests/expected.txt


def test_engine_defaults_to_the_library_default_and_is_chosen_per_vm(
    hostcall_blob: bytes,
) -> None:
    expected = "recompiler" if "recompiler" in pvm.SUPPORTED_ENGINES else "interpreter"
    assert pvm.DEFAULT_ENGINE == expected
    program = pvm.Program.from_blob(HALTING)
    assert pvm.VM(program, 10).engine == expected
    assert pvm.VM.from_blob(HALTING, 10).engine == expected
    assert pvm.VM.from_standard(standard_program(), b"", 10).engine == expected
    assert pvm.VM.from_polkavm(hostcall_blob, 10).engine == expected
    assert pvm.Module(hostcall_blob, "polkavm").instantiate(10).engine == expected
    assert pvm.Module(HALTING).instantiate(10, engine=None).engine == expected
    # Naming the interpreter overrides the default everywhere.
    assert pvm.VM(program, 10, engine="interpreter").engine == "interpreter"
    assert pvm.Module(HALTING).instantiate(10, engine="interpreter").engine == "interpreter"
    with pytest.raises(ValueError, match='"interpreter" or "recompiler"'):
        pvm.VM(program, 10, engine="jit")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match='"interpreter" or "recompiler"'):
        pvm.Module(HALTING).instantiate(10, engine="fast")  # type: ignore[arg-type]


def test_every_constructor_takes_the_engine(hostcall_blob: bytes, engine: Engine) -> None:
    program = pvm.Program.from_blob(HALTING)
    vms = [
        pvm.VM(program, 100, engine=engine),
        pvm.VM.from_blob(HALTING, 100, engine=engine),
        pvm.VM.from_polkavm(hostcall_blob, 1 << 30, engine=engine),
        pvm.Module(hostcall_blob, "polkavm").instantiate(1 << 30, engine=engine),
        pvm.Module(HALTING).instantiate(100, engine=engine),
    ]
    assert [vm.engine for vm in vms] == [engine] * len(vms)
    assert f"engine={engine}" in repr(vms[0])
    for vm in vms[:2] + vms[4:]:
        vm.set_reg(0, pvm.HALT_ADDRESS)
        assert vm.run().kind == "halt" and vm.get_reg(7) == 42
    for vm in vms[2:4]:
        assert vm.call("hostcall", 0).kind == "halt" and vm.get_reg(7) == 0


def test_the_recompiler_where_unsupported_is_an_error_not_a_fallback() -> None:
    if "recompiler" in pvm.SUPPORTED_ENGINES:
        pytest.skip("the recompiler is supported here")
    with pytest.raises(pvm.PvmError, match="not supported on this platform"):
        pvm.VM.from_blob(HALTING, 10, engine="recompiler")
