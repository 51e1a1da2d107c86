"""Runs PVM conformance vectors through the Python binding.

Two formats (see shared/pvm-vectors/README.md): PolkaVM spectool's `steps` (map, write,
set-reg, run, assert) and the flat w3f format (initial-*/expected-*). Every assert checks
status, pc, gas, registers, page-fault address, host-call id and every non-zero byte of
mapped memory; the program's block gas costs are checked too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import pvm

# Exit kinds of the binding → status names of the vector files.
STATUS = {"halt": "halt", "panic": "panic", "out-of-gas": "out-of-gas",
          "page-fault": "page-fault", "host-call": "ecalli"}


def nonzero_memory(vm: pvm.VM) -> dict[int, int]:
    """Every non-zero byte of mapped memory, by address."""
    out: dict[int, int] = {}
    for page, _ in vm.mapped_pages():
        for offset, byte in enumerate(vm.read(page, pvm.VM.PAGE_SIZE)):
            if byte:
                out[page + offset] = byte
    return out


def expected_memory(chunks: list[dict[str, Any]]) -> dict[int, int]:
    """The non-zero bytes of a vector's memory chunks."""
    out: dict[int, int] = {}
    for chunk in chunks:
        for offset, byte in enumerate(chunk["contents"]):
            if byte:
                out[(chunk["address"] + offset) & 0xFFFF_FFFF] = byte
    return out


def check(vm: pvm.VM, exit: pvm.Exit, expected: dict[str, Any],
          fault: Optional[int], host: Optional[int]) -> list[str]:
    """What differs between the VM after `exit` and `expected` (empty if nothing)."""
    errors = []
    actual = {
        "status": STATUS[exit.kind],
        "pc": vm.pc,
        "gas": vm.gas,
        "regs": vm.regs,
        "memory": nonzero_memory(vm),
    }
    for key, value in actual.items():
        if value != expected[key]:
            errors.append(f"{key}: expected {expected[key]}, got {value}")
    if fault is not None and exit.address != fault:
        errors.append(f"page-fault address: expected {fault}, got {exit.address}")
    if host is not None and exit.host_id != host:
        errors.append(f"host call: expected {host}, got {exit.host_id}")
    return errors


def map_pages(vm: pvm.VM, entry: dict[str, Any]) -> None:
    vm.map(entry["address"], entry["length"], "rw" if entry["is-writable"] else "r")


def write(vm: pvm.VM, entry: dict[str, Any]) -> None:
    # Vectors also fill read-only pages, so write with privilege.
    vm.write(entry["address"], bytes(entry["contents"]), privileged=True)


def run_steps(vm: pvm.VM, steps: list[dict[str, Any]]) -> list[str]:
    errors: list[str] = []
    exit: Optional[pvm.Exit] = None
    for number, step in enumerate(steps):
        ((kind, body),) = step.items()
        if kind == "map":
            map_pages(vm, body)
        elif kind == "write":
            write(vm, body)
        elif kind == "set-reg":
            vm.set_reg(body["reg"], body["value"])
        elif kind == "run":
            exit = vm.run()
        elif kind == "assert":
            assert exit is not None, f"step {number}: assert before run"
            expected = dict(body, memory=expected_memory(body["memory"]))
            errors += [f"step {number}: {e}" for e in check(
                vm, exit, expected, body.get("page-fault-address"), body.get("hostcall"))]
        else:
            raise ValueError(f"unknown step kind {kind!r}")
    return errors


def run_flat(vm: pvm.VM, vector: dict[str, Any]) -> list[str]:
    vm.regs = vector["initial-regs"]
    for entry in vector["initial-page-map"]:
        map_pages(vm, entry)
    for entry in vector["initial-memory"]:
        write(vm, entry)
    exit = vm.run()
    expected = {
        "status": vector["expected-status"],
        "pc": vector["expected-pc"],
        "gas": vector["expected-gas"],
        "regs": vector["expected-regs"],
        "memory": expected_memory(vector["expected-memory"]),
    }
    return check(vm, exit, expected, vector.get("expected-page-fault-address"), None)


def run_vector(path: Path, gp: str) -> list[str]:
    """Runs the vector file at `path`; returns what differed (empty: it passed)."""
    vector = json.loads(path.read_text())
    program = pvm.Program.from_blob(bytes(vector["program"]), gp=gp)
    errors = []
    if "block-gas-costs" in vector:
        costs = {c["pc"]: c["cost"] for c in vector["block-gas-costs"]}
        if program.block_costs() != costs:
            errors.append(f"block gas costs: expected {costs}, got {program.block_costs()}")
    vm = pvm.VM(program, vector["initial-gas"])
    vm.pc = vector["initial-pc"]
    if "steps" in vector:
        return errors + run_steps(vm, vector["steps"])
    return errors + run_flat(vm, vector)
