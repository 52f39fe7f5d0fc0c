"""Tests that kill mutants of symparams/core/symbols.py (docs/testing.md, "Mutation
testing"): messages compared whole, assumptions read back from sympy."""

from __future__ import annotations

import pytest
import sympy as sp

from symparams.core.errors import SpecError
from symparams.core.symbols import (MAX_NAME, is_valid_name, make_symbol, name_problem,
                                    normalize_name, sort_symbols)


def test_normalize_name_is_nfkc():
    assert normalize_name("ﬁ") == "fi"
    assert normalize_name("ｎ") == "n"
    assert normalize_name("k₁") == "k1"
    assert normalize_name("α") == "α"


def test_name_problems():
    assert MAX_NAME == 64
    assert name_problem("") == "a name is empty"
    assert name_problem("a" * 64) is None
    assert name_problem("a" * 65) == "name '" + "a" * 19 + "…' is longer than 64 characters"
    for bad in ("1a", "_a", "a-b", "a b", "_"):
        assert name_problem(bad) == (f"invalid name '{bad}': names start with a letter and "
                                     "use letters, digits and _"), bad
    assert name_problem("in") == ("'in' is a Python keyword, not allowed as a name; "
                                  "write in_ or in1")
    assert name_problem("lambda").startswith("'lambda' is a Python keyword")
    for good in ("n", "k1", "a_b", "α", "ñ", "match", "type"):  # soft keywords are names
        assert name_problem(good) is None, good


def test_is_valid_name():
    for good in ("n", "ﬁ", "ｎ", "H_in", "a" * 64):
        assert is_valid_name(good), good
    for bad in ("", "_n", "1n", "in", "a" * 65, 3, None, sp.Symbol("n")):
        assert not is_valid_name(bad), bad


def test_make_symbol_assumptions():
    k = make_symbol("k1")
    assert k == sp.Symbol("k1", integer=True, positive=True) and k.name == "k1"
    assert k.is_integer and k.is_positive
    p = make_symbol("p", nonnegative=True)
    assert p == sp.Symbol("p", integer=True, nonnegative=True)
    assert p.is_integer and p.is_nonnegative and p.is_positive is None
    assert make_symbol("ﬁ") == make_symbol("fi") and make_symbol("ｎ").name == "n"
    assert make_symbol("p", nonnegative=False) == make_symbol("p")


def test_make_symbol_refuses():
    for bad, message in (("", "a name is empty"),
                         ("_x", "invalid name '_x': names start with a letter and use letters, "
                                "digits and _"),
                         ("if", "'if' is a Python keyword, not allowed as a name; write if_ or if1"),
                         (3, "a name must be a string"),
                         (None, "a name must be a string")):
        with pytest.raises(SpecError) as e:
            make_symbol(bad)
        assert e.value.message == message, bad


def test_sort_symbols_numbers_in_numeric_order():
    names = ["k10", "k2", "b", "k1", "a", "a10b", "a9b", "c2d10", "c2d9", "c10"]
    got = [s.name for s in sort_symbols(sp.Symbol(n) for n in names)]
    assert got == ["a", "a9b", "a10b", "b", "c2d9", "c2d10", "c10", "k1", "k2", "k10"]
    assert sort_symbols([]) == []
