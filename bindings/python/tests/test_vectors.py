"""Every conformance vector in ../shared/pvm-vectors (or $PVM_VECTORS) through the binding:
the GP 0.8 suite (polkavm-e88d5b4 + polkavm-0.37.0-extra) and the GP 0.7 legacy set."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import vectors_root
from pvm_vectors import run_vector

SETS = {"polkavm-e88d5b4": "0.8", "polkavm-0.37.0-extra": "0.8", "w3f-v0.4": "0.7"}


def cases() -> list[tuple[Path, str]]:
    found = []
    for name, gp in SETS.items():
        found += [(path, gp) for path in sorted((vectors_root() / name / "programs").glob("*.json"))]
    return found


CASES = cases()


def test_the_vectors_are_there() -> None:
    root = vectors_root()
    assert root.is_dir(), f"conformance vectors not found at {root} (set PVM_VECTORS)"
    counts = {name: sum(1 for path, _ in CASES if path.parent.parent.name == name) for name in SETS}
    assert counts == {"polkavm-e88d5b4": 363, "polkavm-0.37.0-extra": 1, "w3f-v0.4": 307}


@pytest.mark.parametrize(
    ("path", "gp"), CASES, ids=[f"{p.parent.parent.name}/{p.stem}" for p, _ in CASES]
)
def test_vector(path: Path, gp: str) -> None:
    errors = run_vector(path, gp)
    assert not errors, "\n".join(errors)
