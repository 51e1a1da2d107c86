"""bench_hostcall.py runs and reports per-call times and the guest's correct result."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench_hostcall.py"


def test_bench_reports_ns_per_call_and_the_right_result() -> None:
    result = subprocess.run(
        [sys.executable, str(BENCH), "10", "1"], capture_output=True, text=True, check=True
    )
    assert "hostcall(10) = 14759" in result.stdout  # guests/expected.txt
    timings = re.findall(r"release_gil=(True|False)\s+(.+?)\s+(\d+) ns/call", result.stdout)
    assert len(timings) == 4, result.stdout
    assert all(int(ns) > 0 for _, _, ns in timings)
