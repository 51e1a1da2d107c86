"""Shared fixtures: where the repository and its guests are."""

from __future__ import annotations

from pathlib import Path

import pytest

import pvm

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
