"""pvm.Module (load once, start many VMs) and pvm.ModuleCache (by code hash, bounded, LRU)."""

from __future__ import annotations

import threading

import pytest

import pvm

MASK = (1 << 64) - 1
# 0: ecalli 7 ; 2: add_imm_64 r7, r7, -1 ; 5: branch_ne_imm r7, 0, @0 ; 8: jump_ind r0
LOOP = bytes([0, 0, 10, 10, 7, 0x95, 0x77, 0xFF, 0x52, 0x07, 0xFB, 0x32, 0x00, 0x25, 0x01])
# load_imm r7, 42 ; jump_ind r0
HALTING = bytes([0, 0, 5, 51, 7, 42, 50, 0, 0b1001])


def host_add(vm: pvm.VM) -> None:
    vm.set_reg(7, (vm.get_reg(7) + vm.get_reg(8)) & MASK)


def hostcall(module: pvm.Module, n: int) -> int:
    vm = module.instantiate(gas=1 << 40)
    exit = vm.call("hostcall", n, host={0: host_add})
    assert exit.kind == "halt", exit
    return vm.get_reg(7)


def test_load_once_run_many_and_only_touched_blocks_are_prepared(hostcall_blob: bytes) -> None:
    module = pvm.Module(hostcall_blob, format="polkavm")
    assert module.format == "polkavm" and module.gp == "0.8"
    assert "hostcall" in module.exports
    before = module.prepared_blocks
    assert module.block_count > 1 and before < module.block_count
    results = {hostcall(module, 10) for _ in range(20)}
    assert results == {14759}
    after = module.prepared_blocks
    assert before < after <= module.block_count
    assert module.footprint >= len(hostcall_blob) // 2
    # The module's export is the VM's, at the same code offset as from_polkavm.
    direct = pvm.VM.from_polkavm(hostcall_blob, 10)
    direct.prepare_call("hostcall", 1)
    assert direct.pc == module.export("hostcall")
    with pytest.raises(pvm.ProgramError, match="nope"):
        module.export("nope")
    assert module.program.instruction_count > 0


def test_raw_and_standard_modules() -> None:
    raw = pvm.Module(LOOP)
    assert raw.format == "raw" and raw.exports == []
    for _ in range(3):
        vm = raw.instantiate(1_000)
        assert vm.regs == [0] * 13 and vm.mapped_pages() == []
        vm.set_reg(0, pvm.HALT_ADDRESS)
        vm.set_reg(7, 2)
        calls = []
        exit = vm.run(host={7: lambda vm: calls.append(vm.get_reg(7))})
        assert exit.kind == "halt" and calls == [2, 1]
    with pytest.raises(pvm.ProgramError, match="no exports"):
        raw.instantiate(10).prepare_call("main")
    old = pvm.Module(LOOP, gp="0.7")
    assert old.gp == "0.7"

    # A standard program (no data, HALTING as its code): the arguments at r7, length in r8.
    standard = bytes(11) + len(HALTING).to_bytes(4, "little") + HALTING
    module = pvm.Module(standard, format="standard")
    vm = module.instantiate(100, args=b"\x07\x08\x09")
    assert vm.get_reg(0) == pvm.HALT_ADDRESS and vm.get_reg(8) == 3
    assert vm.read(vm.get_reg(7), 3) == b"\x07\x08\x09"
    assert vm.run().kind == "halt" and vm.get_reg(7) == 42
    assert module.instantiate(100).get_reg(8) == 0


@pytest.mark.parametrize(("blob", "format", "gp", "error"), [
    (b"garbage!", "raw", "0.8", pvm.ProgramError),
    (b"", "raw", "0.8", pvm.ProgramError),
    (LOOP[:-1], "raw", "0.8", pvm.ProgramError),
    (b"garbage!", "standard", "0.8", pvm.ProgramError),
    (b"PVM\0garbage", "polkavm", "0.8", pvm.ProgramError),
    (LOOP, "polkavm", "0.7", ValueError),
    (LOOP, "elf", "0.8", ValueError),
    (LOOP, "raw", "0.9", ValueError),
])
def test_bad_input_raises(blob: bytes, format: str, gp: str, error: type[Exception]) -> None:
    with pytest.raises(error):
        pvm.Module(blob, format=format, gp=gp)  # type: ignore[arg-type]
    cache = pvm.ModuleCache(1 << 20)
    with pytest.raises(error):
        cache.load(blob, format=format, gp=gp)  # type: ignore[arg-type]
    assert cache.stats["entries"] == 0


def test_bad_arguments_raise_type_and_value_errors() -> None:
    with pytest.raises(TypeError):
        pvm.Module("not bytes")  # type: ignore[arg-type]
    with pytest.raises(OverflowError):
        pvm.ModuleCache(-1)
    cache = pvm.ModuleCache(1 << 20)
    with pytest.raises(ValueError, match="32 bytes"):
        cache.load(LOOP, code_hash=b"short")
    with pytest.raises(ValueError, match="16 MiB"):
        pvm.Module(bytes(11) + len(HALTING).to_bytes(4, "little") + HALTING,
                   format="standard").instantiate(10, args=bytes((1 << 24) + 1))


def test_cache_hits_misses_hashes_and_clear(hostcall_blob: bytes) -> None:
    cache = pvm.ModuleCache(64 << 20)
    assert cache.max_bytes == 64 << 20
    assert cache.stats == {"entries": 0, "bytes": 0, "max_bytes": 64 << 20, "hits": 0,
                           "misses": 0, "evictions": 0}
    first = cache.load(hostcall_blob, format="polkavm")
    second = cache.load(hostcall_blob, format="polkavm")
    stats = cache.stats
    assert (stats["entries"], stats["hits"], stats["misses"]) == (1, 1, 1)
    assert stats["bytes"] == first.footprint
    assert hostcall(first, 10) == 14759
    assert second.prepared_blocks == first.prepared_blocks > 0  # one shared program
    # The hash is the blake2b-256 of the bytes; passing it gives the same entry.
    digest = pvm.code_hash(hostcall_blob)
    assert len(digest) == 32 and digest != pvm.code_hash(LOOP)
    cache.load(hostcall_blob, format="polkavm", code_hash=digest)
    assert cache.stats["hits"] == 2
    # A given hash is trusted; the GP version is part of the key.
    fake = bytes(range(32))
    assert cache.load(LOOP, code_hash=fake).block_count == cache.load(HALTING, code_hash=fake).block_count
    cache.load(LOOP, gp="0.7", code_hash=fake)
    stats = cache.stats
    assert (stats["entries"], stats["hits"], stats["misses"]) == (3, 3, 3)
    cache.clear()
    stats = cache.stats
    assert (stats["entries"], stats["bytes"], stats["hits"], stats["misses"]) == (0, 0, 3, 3)
    assert hostcall(first, 10) == 14759  # modules outlive their entries


def test_cache_evicts_least_recently_used(hostcall_blob: bytes) -> None:
    small = pvm.Module(LOOP).footprint
    big = pvm.Module(hostcall_blob, format="polkavm").footprint
    cache = pvm.ModuleCache(small + big)
    cache.load(LOOP)
    kept = cache.load(hostcall_blob, format="polkavm")
    cache.load(LOOP)  # now the most recently used
    cache.load(HALTING)  # no room for all three: the polkavm program goes
    stats = cache.stats
    assert stats["evictions"] == 1 and stats["entries"] == 2 and stats["bytes"] <= small + big
    misses = stats["misses"]
    cache.load(LOOP)
    assert cache.stats["misses"] == misses
    cache.load(hostcall_blob, format="polkavm")
    assert cache.stats["misses"] == misses + 1
    assert hostcall(kept, 10) == 14759
    # A module larger than the bound is returned but not kept.
    tiny = pvm.ModuleCache(0)
    assert hostcall(tiny.load(hostcall_blob, format="polkavm"), 10) == 14759
    assert tiny.stats["entries"] == 0


def test_threads_share_a_module_and_a_cache(hostcall_blob: bytes) -> None:
    module = pvm.Module(hostcall_blob, format="polkavm")
    cache = pvm.ModuleCache(64 << 20)
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def work() -> None:
        try:
            start.wait()
            for _ in range(10):
                got = [hostcall(module, 10), hostcall(cache.load(hostcall_blob, format="polkavm"), 10)]
                with lock:
                    results.extend(got)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == [14759] * 120
    stats = cache.stats
    assert stats["entries"] == 1 and stats["hits"] + stats["misses"] == 60
    assert 1 <= stats["misses"] <= 6
