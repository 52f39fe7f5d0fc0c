"""Tests that kill mutants of symparams/core/provided.py (docs/testing.md, "Mutation
testing"); messages are compared whole.  ``provide`` runs when the exporters are
imported, in mutmut's parent process: re-check its mutants by applying them."""

from __future__ import annotations

import sys

import pytest

from symparams.core.errors import NotSupportedError
from symparams.core.provided import PROVIDED, provide, provided


def test_provide_registers_and_returns_the_function():
    def fn(x):
        return x + 1

    try:
        assert provide("_test_fn")(fn) is fn
        assert PROVIDED["_test_fn"] is fn
        assert provided("_test_fn") is fn
    finally:
        PROVIDED.pop("_test_fn", None)


def test_what_the_package_registers():
    import symparams  # noqa: F401  (registers the exporters)

    for name in ("latex", "to_torch"):
        assert callable(provided(name)), name
        assert provided(name).__name__ != "deco"


def test_a_missing_function_is_named():
    with pytest.raises(NotSupportedError) as e:
        provided("_nothing")
    assert str(e.value) == ("_nothing is not available: import symparams (which loads its "
                            "exporters and interop) first")
    assert e.value.__suppress_context__ and e.value.__cause__ is None
    assert sys.modules["symparams.core.provided"].PROVIDED is PROVIDED
