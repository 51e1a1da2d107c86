"""Every conformance vector through the binding, as the normalised cases of $PVM_CASES
(written by `pvm test-vectors --emit-cases`), on both engines: the GP 0.8 suite (polkavm-e88d5b4 +
polkavm-0.37.0-extra) and the GP 0.7 legacy set (w3f-v0.4)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

from conftest import Engine
from pvm_cases import load_cases, run_case

CASES = load_cases()


def set_of(case: dict[str, Any]) -> str:
    """The vector set a case came from (the first part of its source path)."""
    source: str = case["source"]
    return source.split("/")[0]


def test_the_vectors_are_there() -> None:
    counts = Counter((set_of(case), case["gp"]) for case in CASES)
    assert counts == {("polkavm-e88d5b4", "0.8"): 363, ("polkavm-0.37.0-extra", "0.8"): 1,
                      ("w3f-v0.4", "0.7"): 307}


def test_a_wrong_expectation_is_reported(engine: Engine) -> None:
    # Guard against glue that passes everything: corrupt one expected value.
    case = next(c for c in CASES if c["name"] == "gas_complex_2")
    assert run_case(case, engine) == []
    wrong = dict(case, steps=[dict(s, gas="13") if s["op"] == "assert" else s
                              for s in case["steps"]])
    assert any("gas: expected 13, got 12" in e for e in run_case(wrong, engine))


@pytest.mark.parametrize("case", CASES, ids=[c["source"].replace("/programs/", "/")
                                              .removesuffix(".json") for c in CASES])
def test_vector(case: dict[str, Any], engine: Engine) -> None:
    errors = run_case(case, engine)
    assert not errors, "\n".join(errors)
