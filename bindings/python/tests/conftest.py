"""Shared fixtures: where the repository and its guests are."""

from __future__ import annotations

from pathlib import Path
from typing import Literal, cast

import pytest

import pvm

Engine = Literal["interpreter", "recompiler"]
ENGINES: tuple[Engine, ...] = ("interpreter", "recompiler")
"""Both engines: tests taking the `engine` fixture run once on each."""

REPO = Path(__file__).resolve().parents[3]
GUESTS = REPO / "guests"


@pytest.fixture(scope="session")
def hostcall_blob() -> bytes:
    """guests/bin/hostcall.polkavm: export `hostcall(n)`, import `host_add` = ecalli 0."""
    return (GUESTS / "bin" / "hostcall.polkavm").read_bytes()


@pytest.fixture
def vm() -> pvm.VM:
    """A VM with a tiny halting program and nothing mapped."""
    # load_imm r7, 42 ; jump_ind r0
    return pvm.VM.from_blob(bytes([0, 0, 5, 51, 7, 42, 50, 0, 0b1001]), 1_000)


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each engine in turn (the recompiler is skipped where it is not supported)."""
    name = cast(Engine, request.param)
    if name not in pvm.SUPPORTED_ENGINES:
        pytest.skip(f"the {name} is not supported on this platform")
    return name
