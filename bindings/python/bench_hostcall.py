"""Host-call round trip: ecalli -> Python host function -> resume, in ns per call.

Runs ``hostcall(n)`` from ``guests/bin/hostcall.polkavm``: ``n`` loop iterations, each
one host call (import ``host_add`` = ``ecalli 0``) plus a few guest instructions. Two
handlers are timed: the real one (reads a0 and a1, writes a0 + a1 back: three VM method
calls) and a no-op one (the bare ecalli -> Python -> resume cost; the guest's result is
then meaningless). The best of ``repeats`` runs is reported.

Usage: python bench_hostcall.py [n] [repeats]
"""

from __future__ import annotations

import sys
import time
from typing import Callable
from pathlib import Path

import pvm

HOSTCALL = Path(__file__).resolve().parents[2] / "guests" / "bin" / "hostcall.polkavm"
MASK = (1 << 64) - 1


def host_add(vm: pvm.VM) -> None:
    """host_add(a, b) -> a + b (wrapping), the import hostcall.polkavm expects."""
    vm.set_reg(7, (vm.get_reg(7) + vm.get_reg(8)) & MASK)


def no_op(vm: pvm.VM) -> None:
    """Does nothing: measures the bare round trip."""


def time_calls(
    blob: bytes, n: int, handler: Callable[[pvm.VM], None], release_gil: bool = True
) -> tuple[float, int]:
    """Seconds to run hostcall(n) with ``handler`` for ecalli 0, and the result (a0)."""
    vm = pvm.VM.from_polkavm(blob, 1 << 62)
    vm.release_gil = release_gil
    vm.host(0, handler)
    start = time.perf_counter()
    exit = vm.call("hostcall", n)
    elapsed = time.perf_counter() - start
    assert exit.kind == "halt", exit
    return elapsed, vm.get_reg(7)


def time_python_calls(vm: pvm.VM, n: int) -> float:
    """Seconds for a Python loop that calls the no-op handler ``n`` times."""
    start = time.perf_counter()
    for _ in range(n):
        no_op(vm)
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    blob = HOSTCALL.read_bytes()
    print(f"hostcall({n}), best of {repeats}; ns per host call (ecalli -> Python -> resume):")
    for release_gil in (True, False):
        for name, handler in (("host_add (a0 = a0 + a1)", host_add), ("no-op handler", no_op)):
            best = min(time_calls(blob, n, handler, release_gil)[0] for _ in range(repeats))
            print(f"  release_gil={release_gil!s:5}  {name:24} {best / n * 1e9:6.0f} ns/call")
    vm = pvm.VM.from_polkavm(blob, 1)
    best = min(time_python_calls(vm, n) for _ in range(repeats))
    print(f"  for scale: a Python loop calling the no-op handler {best / n * 1e9:6.0f} ns/call")
    _, result = time_calls(blob, n, host_add)
    print(f"hostcall({n}) = {result}")


if __name__ == "__main__":
    main()
