"""Runs the normalised conformance cases through the Python binding.

The cases come from one JSON file that `pvm test-vectors --emit-cases FILE` writes (the
test kit reads both upstream vector formats; schema: crates/pvm-testkit/SCHEMA.md). Each
case is a list of steps — map, write, set_reg, run, assert — and every assert checks
status, pc, gas, registers, page-fault address, host-call id and every non-zero byte of
mapped memory; the program's block gas costs are checked too. This file is only the
binding's glue: it executes the steps with the binding's API.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Optional

import pvm
from conftest import Engine

# Exit kinds of the binding → status names of the cases.
STATUS = {"halt": "halt", "panic": "panic", "out-of-gas": "out-of-gas",
          "page-fault": "page-fault", "host-call": "ecalli"}


def cases_file() -> Path:
    """$PVM_CASES: the case file run_tests.sh writes with `pvm test-vectors --emit-cases`."""
    path = os.environ.get("PVM_CASES")
    assert path, "PVM_CASES is not set: run bindings/python/run_tests.sh, or " \
        "`cargo run -p pvm-cli -- test-vectors --emit-cases FILE` and PVM_CASES=FILE"
    return Path(path)


def load_cases() -> list[dict[str, Any]]:
    """Every case of the case file."""
    document = json.loads(cases_file().read_text())
    assert document["schema"] == "pvm-testkit-cases/1", document["schema"]
    cases: list[dict[str, Any]] = document["cases"]
    return cases


def nonzero_memory(vm: pvm.VM) -> dict[int, int]:
    """Every non-zero byte of mapped memory, by address."""
    out: dict[int, int] = {}
    for page, _ in vm.mapped_pages():
        for offset, byte in enumerate(vm.read(page, pvm.VM.PAGE_SIZE)):
            if byte:
                out[page + offset] = byte
    return out


def expected_memory(runs: list[dict[str, Any]]) -> dict[int, int]:
    """The expected non-zero bytes: runs of `{address, data (hex)}`."""
    out: dict[int, int] = {}
    for run in runs:
        for offset, byte in enumerate(bytes.fromhex(run["data"])):
            out[(run["address"] + offset) & 0xFFFF_FFFF] = byte
    return out


def check(vm: pvm.VM, exit: pvm.Exit, expected: dict[str, Any]) -> list[str]:
    """What differs between the VM after `exit` and an assert step (empty if nothing)."""
    errors = []
    actual = {
        "status": STATUS[exit.kind],
        "pc": vm.pc,
        "gas": vm.gas,
        "regs": vm.regs,
        "memory": nonzero_memory(vm),
    }
    wanted = {
        "status": expected["status"],
        "pc": expected["pc"],
        "gas": int(expected["gas"]),
        "regs": [int(r) for r in expected["regs"]],
        "memory": expected_memory(expected["memory"]),
    }
    for key, value in actual.items():
        if value != wanted[key]:
            errors.append(f"{key}: expected {wanted[key]}, got {value}")
    fault: Optional[int] = expected["page_fault_address"]
    if fault is not None and exit.address != fault:
        errors.append(f"page-fault address: expected {fault}, got {exit.address}")
    host: Optional[int] = expected["host_call"]
    if host is not None and exit.host_id != host:
        errors.append(f"host call: expected {host}, got {exit.host_id}")
    return errors


def run_case(case: dict[str, Any], engine: Engine = "interpreter") -> list[str]:
    """Runs one case on `engine`; returns what differed (empty: it passed)."""
    program = pvm.Program.from_blob(bytes.fromhex(case["program"]), gp=case["gp"])
    errors = []
    if case["block_gas_costs"] is not None:
        costs = {pc: cost for pc, cost in case["block_gas_costs"]}
        if program.block_costs() != costs:
            errors.append(f"block gas costs: expected {costs}, got {program.block_costs()}")
    vm = pvm.VM(program, int(case["initial_gas"]), engine=engine)
    if vm.engine != engine:
        errors.append(f"engine: expected {engine}, got {vm.engine}")
    vm.pc = case["initial_pc"]
    exit: Optional[pvm.Exit] = None
    for number, step in enumerate(case["steps"]):
        op = step["op"]
        if op == "map":
            vm.map(step["address"], step["length"], "rw" if step["writable"] else "r")
        elif op == "write":
            # Cases also fill read-only pages, so write with privilege.
            vm.write(step["address"], bytes.fromhex(step["data"]), privileged=True)
        elif op == "set_reg":
            vm.set_reg(step["reg"], int(step["value"]))
        elif op == "run":
            exit = vm.run()
        elif op == "assert":
            assert exit is not None, f"step {number}: assert before run"
            errors += [f"step {number}: {e}" for e in check(vm, exit, step)]
        else:
            raise ValueError(f"unknown step op {op!r}")
    return errors
