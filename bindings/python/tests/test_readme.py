"""The README's example runs as written (from the repository root)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import REPO

README = Path(__file__).resolve().parents[1] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_has_two_examples() -> None:
    assert len(python_blocks()) == 2


def test_readme_example_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    exec(compile(python_blocks()[0], str(README), "exec"), {"__name__": "readme"})
    assert "Exit(kind='halt') gas left:" in capsys.readouterr().out


def test_readme_cache_example_runs(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(REPO)
    exec(compile(python_blocks()[1], str(README), "exec"), {"__name__": "readme"})
    assert "'hits': 2, 'misses': 1" in capsys.readouterr().out
