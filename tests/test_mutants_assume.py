"""Mutants of symparams/algebra/assume.py that the other tests left alive.

Expected values are hand computations from the definitions: ``num/den + plus`` is the
exact quotient, and ``den`` divides ``num`` (written over whole numbers) is checked with
Python's ``%`` at many points.
"""

from __future__ import annotations

import pytest
import sympy as sp

import symparams
from symparams.algebra.assume import assumptions, divisible_option, exact_quotient
from symparams.algebra.floors import size
from symparams.core.errors import ShapeError, SpecError

n = sp.Symbol("n", integer=True, positive=True)
s = sp.Symbol("s", integer=True, positive=True)


def test_divisible_option_reads_every_form():
    assert divisible_option(True) is True
    assert divisible_option(False) == frozenset() and divisible_option(None) == frozenset()
    assert divisible_option("pool1") == frozenset({"pool1"})
    assert divisible_option(["a", "b", "a"]) == frozenset({"a", "b"})
    assert divisible_option(iter(("c",))) == frozenset({"c"})


@pytest.mark.parametrize("bad, message", [
    (5, r"assume_divisible takes True, False or layer names, got 5"),
    ([1, "x"], r"assume_divisible takes layer names, got \[.*'1'"),
])
def test_divisible_option_refuses_other_values(bad, message):
    with pytest.raises(SpecError, match=message):
        divisible_option(bad)
    with pytest.raises(SpecError, match=message):
        symparams.parse("I-C-P-H-O").derive(assume_divisible=bad)


def test_assumptions_are_the_divisibility_conditions_only():
    d = symparams.parse("I(n x n x 3)-C(4,3)-P(2)-H(3)").derive(assume_divisible=True)
    got = assumptions(d)
    assert [c.reason for c in got] == [c.reason for c in d.conditions
                                      if c.reason.startswith("assuming ")]
    assert len(got) == 1 and got[0].reason.startswith("assuming 2 divides")
    assert len(d.conditions) > len(got)  # the validity checks are not assumptions
    assert assumptions(symparams.parse("I(n x n x 3)-C(4,3)-P(2)-H(3)").derive()) == []


def test_exact_quotient_by_one_is_certain():
    assert exact_quotient(n - 4, sp.Integer(1), sp.Integer(3)) == (n - 1, None)


@pytest.mark.parametrize("num, den, plus, divides", [
    # (num, den, plus, whole-number rule for "den divides num")
    (n - 4, 2, 0, lambda n, s: (n - 4) % 2 == 0),
    (n - 4, 2, 1, lambda n, s: (n - 4) % 2 == 0),
    (n, s, 1, lambda n, s: n % s == 0),
    # an earlier exact quotient inside: 2 | n/2 - 2 is 4 | n - 4
    (n / 2 - 2, 2, 0, lambda n, s: (n - 4) % 4 == 0),
    # and over a symbolic denominator: 3 | (n + 1)/s is 3s | n + 1
    ((n + 1) / s, 3, 1, lambda n, s: (n + 1) % (3 * s) == 0),
])
def test_exact_quotient_value_and_assumption(num, den, plus, divides):
    value, note = exact_quotient(num, sp.S(den), sp.Integer(plus))
    rel, reason = note
    assert reason.startswith("assuming ") and " divides " in reason
    # the reason names the whole-number divisor and dividend of the relation
    divisor = reason.removeprefix("assuming ").split(" divides ")[0]
    assert isinstance(rel, sp.Eq) and rel.rhs == 0 and str(rel.lhs.args[1]) == divisor
    for nv in range(1, 40):
        for sv in (1, 2, 3):
            point = {n: sp.Integer(nv), s: sp.Integer(sv)}
            assert bool(rel.xreplace(point)) == divides(nv, sv), (nv, sv)
            if divides(nv, sv):
                assert value.xreplace(point) == num.xreplace(point) / sp.S(den).xreplace(point) + plus
    # the shorter of the two spellings
    assert size(value) <= size(sp.together(value)) and size(value) <= size(num / den + plus)


def test_exact_quotient_of_numbers():
    assert exact_quotient(sp.Integer(12), sp.Integer(4), sp.Integer(1)) == (4, None)
    with pytest.raises(ShapeError, match="divisibility was assumed, but 4 does not divide 6"):
        exact_quotient(sp.Integer(6), sp.Integer(4))


def test_exact_quotient_over_a_denominator_not_known_positive():
    d = sp.Symbol("d", integer=True)
    value, (rel, reason) = exact_quotient(n / d, sp.Integer(2))
    # the division by d is not a whole-number denominator: the assumption is on n/d
    assert rel == sp.Eq(sp.Mod(n / d, 2), 0)
    assert reason == f"assuming 2 divides {n / d}"
    assert value == n / (2 * d)


@pytest.mark.parametrize("num, den, dividend", [
    # sympy writes Mod(2n, 4) as 2*Mod(n, 2): the reason still names 2n, not 2
    (2 * n, 4, "2*n"), (6 * n, 4, "6*n"), (4 * n - 6, 6, "4*n - 6"),
])
def test_the_reason_names_the_whole_dividend(num, den, dividend):
    value, (rel, reason) = exact_quotient(num, sp.Integer(den))
    assert reason == f"assuming {den} divides {dividend}"
    for v in range(1, 30):
        assert bool(rel.xreplace({n: sp.Integer(v)})) == (num.xreplace({n: v}) % den == 0)
