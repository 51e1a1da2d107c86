"""Host functions: ecalli -> Python callable -> resume, their registration and errors."""

from __future__ import annotations

import gc
import weakref

import pytest

import pvm
from asm import blob, ins
from conftest import GUESTS, Engine

MASK = (1 << 64) - 1
INPUT = 0x2_0000
OUTPUT = 0x2_0100


def host_add(vm: pvm.VM) -> None:
    vm.set_reg(7, (vm.get_reg(7) + vm.get_reg(8)) & MASK)


def hostcall_cases() -> list[tuple[int, int]]:
    rows = (line.split() for line in (GUESTS / "expected.txt").read_text().splitlines())
    return [(int(r[2]), int(r[3])) for r in rows if r[0] == "hostcall" and r[4:] != ["bench"]]


def test_expected_hostcall_cases_exist() -> None:
    assert (0, 0) in hostcall_cases() and len(hostcall_cases()) >= 3


@pytest.mark.parametrize(("n", "expected"), hostcall_cases())
def test_hostcall_guest_matches_native_results(
    hostcall_blob: bytes, n: int, expected: int, engine: Engine
) -> None:
    vm = pvm.VM.from_polkavm(hostcall_blob, 1 << 40, engine=engine)
    assert vm.engine == engine
    calls: list[pvm.Exit] = []

    def counting_add(v: pvm.VM) -> None:
        assert v.exit is not None
        calls.append(v.exit)
        host_add(v)

    exit = vm.call("hostcall", n, host={0: counting_add})
    assert exit == vm.exit and exit.kind == "halt"
    assert vm.get_reg(7) == expected
    assert len(calls) == n
    assert all(c.kind == "host-call" and c.host_id == 0 for c in calls)


def test_decorator_registers_and_returns_the_function(hostcall_blob: bytes) -> None:
    vm = pvm.VM.from_polkavm(hostcall_blob, 1 << 40)

    @vm.host(0)
    def add(v: pvm.VM) -> None:
        host_add(v)

    assert add is not None and add.__name__ == "add"
    assert vm.host_ids == [0]
    assert vm.call("hostcall", 10).kind == "halt"
    assert vm.get_reg(7) == 14759


def test_run_mapping_takes_precedence_over_registered(hostcall_blob: bytes) -> None:
    vm = pvm.VM.from_polkavm(hostcall_blob, 1 << 40)
    vm.host(0, lambda v: v.set_reg(7, 0))
    vm.call("hostcall", 10, host={0: host_add})
    assert vm.get_reg(7) == 14759
    vm.call("hostcall", 10)
    assert vm.get_reg(7) == 0
    assert vm.remove_host(0) and not vm.remove_host(0)


def test_unhandled_host_call_is_returned_and_resumes_after_the_ecalli(hostcall_blob: bytes) -> None:
    vm = pvm.VM.from_polkavm(hostcall_blob, 1 << 40)
    exit = vm.call("hostcall", 2)
    assert (exit.kind, exit.host_id, exit.address) == ("host-call", 0, None)
    ecalli_pc = vm.pc
    host_add(vm)  # service it by hand, then continue
    exit = vm.run(host={0: host_add})
    assert exit.kind == "halt" and vm.pc != ecalli_pc
    assert vm.get_reg(7) == 1  # hostcall(2): host_add(0, 0) = 0, host_add(0, 1) = 1


def memory_program() -> bytes:
    """r7 = INPUT, r8 = 8; ecalli 1 (pc 8); then a new block (pc 11): r9 = u64 at OUTPUT; halt."""
    return blob(
        ins("load_imm", 7, INPUT),
        ins("load_imm", 8, 8),
        ins("ecalli", 1),
        ins("fallthrough"),
        ins("load_u64", 9, OUTPUT),
        ins("jump_ind", 0, 0),
    )


def test_host_reads_guest_memory_writes_a_result_and_the_guest_continues(engine: Engine) -> None:
    vm = pvm.VM.from_blob(memory_program(), 10_000, engine=engine)
    vm.set_reg(0, pvm.HALT_ADDRESS)
    vm.map(INPUT, 4096)
    vm.write(INPUT, bytes(range(1, 9)))
    seen = []

    @vm.host(1)
    def digest(v: pvm.VM) -> None:
        data = v.read(v.get_reg(7), v.get_reg(8))
        seen.append(data)
        v.write_u64(OUTPUT, sum(data) * 1000 + len(data))
        v.set_reg(7, len(data))

    assert vm.run().kind == "halt"
    assert seen == [bytes(range(1, 9))]
    assert vm.get_reg(9) == 36 * 1000 + 8
    assert vm.get_reg(7) == 8
    assert vm.read_u64(OUTPUT) == 36_008


def test_exception_in_host_function_propagates_and_leaves_the_vm_usable() -> None:
    vm = pvm.VM.from_blob(memory_program(), 10_000)
    vm.set_reg(0, pvm.HALT_ADDRESS)
    vm.map(INPUT, 4096)

    class Stop(Exception):
        pass

    def failing(v: pvm.VM) -> None:
        v.set_reg(10, 99)
        raise Stop("host says no")

    with pytest.raises(Stop, match="host says no"):
        vm.run(host={1: failing})
    # Consistent state: stopped at the ecalli, the handler's changes kept.
    assert vm.exit is not None and vm.exit.kind == "host-call" and vm.exit.host_id == 1
    assert vm.pc == 8 and vm.get_reg(10) == 99
    gas = vm.gas
    # The call counts as serviced: the next run resumes after the ecalli without paying
    # for its block again; only the next block (pc 11) is charged.
    vm.write_u64(OUTPUT, 5)
    assert vm.run().kind == "halt"
    assert vm.get_reg(9) == 5 and vm.gas == gas - vm.program.block_costs()[11]


def test_host_function_must_return_none() -> None:
    vm = pvm.VM.from_blob(memory_program(), 10_000)
    vm.map(INPUT, 4096)
    with pytest.raises(TypeError, match="must return None"):
        vm.run(host={1: lambda v: 42})  # type: ignore[dict-item]


def test_host_function_can_change_gas_and_run_out() -> None:
    vm = pvm.VM.from_blob(memory_program(), 10_000)
    vm.set_reg(0, pvm.HALT_ADDRESS)
    vm.map(INPUT, 4096)

    def drain(v: pvm.VM) -> None:
        v.gas = 0

    exit = vm.run(host={1: drain})
    assert exit.kind == "out-of-gas" and vm.gas == 0
    vm.gas = 1_000
    assert vm.run().kind == "halt"


def test_run_inside_a_host_function_is_refused(hostcall_blob: bytes) -> None:
    vm = pvm.VM.from_polkavm(hostcall_blob, 1 << 40)
    with pytest.raises(RuntimeError, match="inside a host function"):
        vm.call("hostcall", 1, host={0: lambda v: v.run()})  # type: ignore[dict-item]
    with pytest.raises(RuntimeError):
        vm.call("hostcall", 1, host={0: lambda v: v.call("hostcall", 1)})  # type: ignore[dict-item]
    # Not stuck in the "running" state afterwards.
    assert vm.call("hostcall", 10, host={0: host_add}).kind == "halt"


def test_bad_host_tables_are_rejected(hostcall_blob: bytes) -> None:
    vm = pvm.VM.from_polkavm(hostcall_blob, 1 << 40)
    with pytest.raises(TypeError, match="not callable"):
        vm.run(host={0: 5})  # type: ignore[dict-item]
    with pytest.raises(TypeError, match="not callable"):
        vm.host(0, "nope")  # type: ignore[call-overload]
    with pytest.raises(TypeError, match="mapping"):
        vm.run(host=[host_add])  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="id"):
        vm.run(host={-1: host_add})
    with pytest.raises(OverflowError):
        vm.host(1 << 32)


def test_vm_and_handler_cycle_is_collected(hostcall_blob: bytes) -> None:
    vm = pvm.VM.from_polkavm(hostcall_blob, 1 << 40)

    @vm.host(0)
    def add(v: pvm.VM) -> None:
        vm.set_reg(7, v.get_reg(7))  # the closure refers to vm: a reference cycle

    ref = weakref.ref(add)
    del vm, add
    gc.collect()
    assert ref() is None
