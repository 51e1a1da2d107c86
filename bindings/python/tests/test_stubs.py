"""The type stubs (pvm/_native.pyi) match the native module, and the package is typed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import pvm


def need_mypy() -> None:
    """Skips without mypy, unless run_tests.sh (PVM_PY_STRICT=1) runs the suite."""
    if os.environ.get("PVM_PY_STRICT") != "1":
        pytest.importorskip("mypy", reason="mypy is not installed (run_tests.sh installs it)")


def test_package_ships_stubs_and_py_typed() -> None:
    package = Path(pvm.__file__).parent
    assert (package / "py.typed").is_file()
    assert (package / "_native.pyi").is_file()


def test_public_names() -> None:
    assert sorted(pvm.__all__) == sorted(
        ["HALT_ADDRESS", "REG_COUNT", "SUPPORTED_ENGINES", "DEFAULT_ENGINE", "VM", "Exit", "HostDecorator", "MemoryAccessError",
         "Program", "ProgramError", "PvmError", "Module", "ModuleCache", "code_hash"]
    )
    assert pvm.HALT_ADDRESS == 0xFFFF_0000 and pvm.REG_COUNT == 13 and pvm.VM.PAGE_SIZE == 4096
    assert pvm.SUPPORTED_ENGINES[0] == "interpreter"
    assert set(pvm.SUPPORTED_ENGINES) <= {"interpreter", "recompiler"}
    assert pvm.DEFAULT_ENGINE == pvm.SUPPORTED_ENGINES[-1]  # the recompiler where supported


def test_stubtest_agrees_with_the_runtime() -> None:
    need_mypy()
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "pvm"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_accepts_typed_usage(tmp_path: Path) -> None:
    need_mypy()
    sample = tmp_path / "sample.py"
    sample.write_text(
        "import pvm\n"
        "vm = pvm.VM.from_blob(b'', 10)\n"
        "@vm.host(0)\n"
        "def f(vm: pvm.VM) -> None:\n"
        "    vm.set_reg(7, vm.get_reg(7) + 1)\n"
        "exit: pvm.Exit = vm.run(host={1: f})\n"
        "kind: str = exit.kind\n"
        "data: bytes = vm.read(0x20000, 4)\n"
        "wrong: str = vm.gas\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(sample)],
        capture_output=True, text=True, check=False,
    )
    # Exactly the deliberate mistake on the last line is reported.
    assert "sample.py:9: error: Incompatible types in assignment" in result.stdout, result.stdout
    assert "Found 1 error" in result.stdout, result.stdout


def test_tests_and_benchmark_type_check_strictly() -> None:
    need_mypy()
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental",
         str(root / "tests"), str(root / "bench_hostcall.py")],
        capture_output=True, text=True, check=False, cwd=root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
