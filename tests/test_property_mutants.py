"""Behaviour that mutation testing (mutmut, docs/testing.md) found untested.

Each test names the kind of mutant it kills; each checks a behaviour a user sees (a
printed size that reads back to the right value, a formula without floors, a sound
sympy assumption), not the internal structure, so it survives refactors.
"""

from __future__ import annotations

import itertools

import sympy as sp
from sympy.parsing.sympy_parser import parse_expr

import symparams
from tests import reference


def _read_back(text: str, symbols: dict[str, sp.Symbol]) -> sp.Expr:
    """A printed size read back by sympy's own parser (our output, not user text)."""
    return parse_expr(text, local_dict={**symbols, "floor": sp.floor, "ceiling": sp.ceiling})


def test_printed_sizes_read_back_to_the_same_values() -> None:
    """``str`` of a size and of a shape: a compound denominator keeps its parentheses
    (``floor(n/(s1*s2))``), and a shape prints every dimension, channels included."""
    d = symparams.parse("I(n x m x l)-C(c,k,s=s1)-C(c,1,s=s2)-P(2,s=2,p=1,ceil=true)").derive()
    symbols = d.symbols
    for n, m, k, s1, s2 in itertools.product((5, 9, 16), (7, 12), (1, 3), (1, 2, 3), (2, 3)):
        values = dict(n=n, m=m, l=2, c=3, k=k, s1=s1, s2=s2)
        mapping = {symbols[name]: v for name, v in values.items()}
        sizes = [(reference.conv_size(x, k, s1)) for x in (n, m)]
        sizes = [reference.conv_size(x, 1, s2) for x in sizes]
        expected = [(*sizes, 3), (*(reference.pool_size(x, 2, 2, 1, True) for x in sizes), 3)]
        for row, dims in zip(d.rows[1:], expected):
            printed = str(row.output_shape).split(" × ")
            assert len(printed) == 3, str(row.output_shape)
            got = tuple(_read_back(p, symbols).subs(mapping) for p in printed)
            assert got == dims, (str(row.output_shape), values)
            got = tuple(_read_back(str(e), symbols).subs(mapping) for e in row.output_shape.dims())
            assert got == dims


def test_printed_vector_and_one_dimensional_shapes() -> None:
    d = symparams.parse("I(n x l)-C(c,k)-F").derive()
    assert str(d.rows[0].output_shape) == "(n - k + 1) × c"
    assert str(d.rows[1].output_shape) == "c*(n - k + 1)"  # a vector: no parentheses


def test_a_floor_of_a_possibly_negative_numerator_is_not_claimed_nonnegative() -> None:
    """Before the conditions, ``floor((n - k + 2)/2)`` may be negative (k > n + 2)."""
    d = symparams.parse("I(n x 1)-C(1,k,s=2)").derive()
    size = d.rows[0].output_shape.dims()[0]
    assert size.is_nonnegative is not True
    assert size.xreplace({d.symbols["n"]: 1, d.symbols["k"]: 9}) < 0


def test_assume_divisible_drops_the_ceiling_of_same_padding() -> None:
    d = symparams.parse("I(n x 1)-C(1,1,s=s,p=same)").derive(assume_divisible=True)
    n, s = d.symbols["n"], d.symbols["s"]
    assert d.rows[0].output_shape.dims()[0] == n / s
    assert any(c.assumed for c in d.conditions)


def test_leading_term_of_a_total_with_a_ceil_mode_pool() -> None:
    """The pool's Piecewise size counts as its quotient: c * n / 2 as n grows."""
    d = symparams.parse("I(n x l)-C(c,k)-P(2,s=2,p=1,ceil=true)-F-H(1)").derive()
    n, c = d.symbols["n"], d.symbols["c"]
    assert sp.simplify(d.leading_term("n") - c * n / 2) == 0


def test_derivative_in_a_symbol_outside_the_floors() -> None:
    """The total has floors in n but not in c: d total / dc exists, and its value is
    k*l + (the pooled length) + 1 (weights of the conv and the dense layer)."""
    d = symparams.parse("I(n x l)-C(c,k)-P(2,s=2,p=1,ceil=true)-F-H(1)").derive()
    derivative = d.diff("c")
    symbols = d.symbols
    for n, k, l in itertools.product((3, 8, 13), (1, 2, 3), (1, 4)):
        pooled = reference.pool_size(reference.conv_size(n, k), 2, 2, 1, True)
        mapping = {symbols["n"]: n, symbols["k"]: k, symbols["l"]: l}
        assert derivative.xreplace(mapping) == k * l + pooled + 1


def test_a_floor_after_a_layer_assumed_exact() -> None:
    """assume_divisible for one layer only: the next layer floors an exact quotient,
    ``floor(((n - 5)/2 - k + 1)/s) + 1``; checked at every point where 2 | n - 5."""
    d = symparams.parse("I(n x 1)-C(1,5,s=2)-C(1,k,s=s)-F-H(1)").derive(
        assume_divisible={"conv1d1"})
    symbols = d.symbols
    size = d.rows[1].output_shape.dims()[0]
    checked = 0
    for n, k, s in itertools.product(range(5, 60, 2), (1, 2, 3), (1, 2, 3, 4)):
        first = (n - 5) // 2 + 1
        if first < k:
            continue
        mapping = {symbols["n"]: n, symbols["k"]: k, symbols["s"]: s}
        expected = reference.conv_size(first, k, s)
        assert size.xreplace(mapping) == expected, (n, k, s)
        assert d.total.xreplace(mapping) == (5 + 1) + (k + 1) + (expected + 1), (n, k, s)
        checked += 1
    assert checked > 200
