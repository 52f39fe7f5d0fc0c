"""Mutants of symparams/algebra/floors.py that the other tests left alive.

Every rewrite is checked against plain integer arithmetic written here (``a // b`` for
``floor(a/b)``, ``-(-a // b)`` for ``ceil(a/b)``) at many values; the forms expected
are the identities of the module docstring applied by hand, and the lengths of
:func:`size`, :func:`depth` and :func:`degree` are counted by hand from their
definitions.
"""

from __future__ import annotations

import itertools

import pytest
import sympy as sp

from symparams.algebra import floors
from symparams.algebra.floors import (
    combine, contains_int_div, degree, depth, equal_sizes, normal_form, relax, same_size,
    shortest, size, split_int_div,
)
from symparams.core.shape import CeilDiv, FloorDiv

n = sp.Symbol("n", integer=True, positive=True)
m = sp.Symbol("m", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
s = sp.Symbol("s", integer=True, positive=True)
p = sp.Symbol("p", integer=True, nonnegative=True)
z = sp.Symbol("z", integer=True)  # any integer
r = sp.Symbol("r", real=True)  # not an integer
x = sp.Symbol("x", real=True, positive=True)


def fl(a, b):
    return a // b


def ce(a, b):
    return -(-a // b)


def _values(expr, symbols, ranges):
    for point in itertools.product(*ranges):
        yield point, expr.xreplace(dict(zip(symbols, map(sp.Integer, point))))


def _agrees(expr, symbols, ranges, reference):
    for point, got in _values(expr, symbols, ranges):
        assert got == reference(*point), (expr, point, got)


def _no_int_div(e):
    return not e.has(FloorDiv, CeilDiv)


# -- split_int_div ---------------------------------------------------------------------


def test_split_int_div():
    f = FloorDiv(n, 3)
    assert split_int_div(f) == (f, 0)
    assert split_int_div(f + n + 3) == (f, n + 3)
    assert split_int_div(CeilDiv(n, 3) - 2) == (CeilDiv(n, 3), -2)
    assert split_int_div(n + 3) is None  # an Add without a floor
    assert split_int_div(2 * f) is None  # a floor with coefficient 2 is no Add
    assert split_int_div(n) is None
    assert split_int_div(f + FloorDiv(m, 3)) is None  # two floors
    assert split_int_div(f + n / 2) is None  # the rest n/2 is not an integer
    assert split_int_div(f + r) is None


def test_positive_integer():
    assert floors._positive_integer(n) is True
    assert floors._positive_integer(sp.Integer(3)) is True
    assert floors._positive_integer(p) is False  # may be 0
    assert floors._positive_integer(x) is False  # positive, not an integer
    assert floors._positive_integer(z) is False
    assert floors._positive_integer(sp.Integer(0)) is False


# -- combine (run by every FloorDiv/CeilDiv built) --------------------------------------


def test_a_denominator_that_may_be_zero_is_left_alone():
    assert combine(FloorDiv, 2 * n + 2, p) is None
    assert FloorDiv(n, p).args == (n, p)
    assert combine(FloorDiv, n, x) is None


def test_a_quotient_assumed_exact_joins_the_denominator():
    # floor((n/2)/3) = floor(n/6), ceil((n/2)/3) = ceil(n/6) for every integer n
    assert combine(FloorDiv, n / 2, sp.Integer(3)) == FloorDiv(n, 6)
    assert FloorDiv(n / 2, 3).args == (n, 6)
    assert CeilDiv(n / 2, 3).args == (n, 6)
    assert FloorDiv((n - 1) / s, 2).args == (n - 1, 2 * s)
    _agrees(CeilDiv((n + 1) / 2, 3), [n], [range(1, 40)], lambda v: ce(v + 1, 6))
    # a denominator that is not a positive integer is not moved: (n/x)/3 stays
    assert combine(FloorDiv, n / x, sp.Integer(3)) is None
    # n + 1/2 has a fraction but no denominator to move: floor((n + 1/2)/2) = floor((2n+1)/4)
    got = FloorDiv(n + sp.Rational(1, 2), 2)
    assert got.args == (2 * n + 1, 4)
    _agrees(got, [n], [range(1, 40)], lambda v: fl(2 * v + 1, 4))


def test_has_fraction():
    assert floors._has_fraction(sp.Rational(1, 2)) is True
    assert floors._has_fraction(sp.Integer(2)) is False
    assert floors._has_fraction(n) is False
    assert floors._has_fraction(1 / n) is True
    assert floors._has_fraction(n ** 2) is False
    assert floors._has_fraction(n + m / 2) is True
    assert floors._has_fraction(n * (m + k ** -1)) is True
    assert floors._has_fraction(n ** 2 + m) is False


def test_whole_multiples_of_the_denominator_come_out():
    assert FloorDiv(2 * n + 3, 2) == n + 1
    assert CeilDiv(2 * n + 3, 2) == n + 2
    assert FloorDiv(4 * n + 6 * m, 2) == 2 * n + 3 * m
    assert CeilDiv(2 * n - 3, 2) == n - 1
    assert FloorDiv(s * n, s) == n
    assert FloorDiv(s * n + s * m, s) == n + m
    assert FloorDiv(2 * s * n, s) == 2 * n
    # the rest stays a floor when the denominator is a symbol: floor((s n + 1)/s) = n
    # for s > 1 but n + 1 for s = 1, so no rewrite
    assert FloorDiv(s * n + 1, s).args == (s * n + 1, s)
    # a term that is not a multiple: floor((2n + m)/2) stays
    assert FloorDiv(2 * n + m, 2).args == (2 * n + m, 2)
    assert combine(FloorDiv, 2 * n + m, sp.Integer(2)) is None
    # only a constant: nothing to pull out (floor(3/s) stays)
    assert combine(FloorDiv, sp.Integer(3), s) is None
    assert FloorDiv(3, s).args == (3, s)
    _agrees(FloorDiv(4 * n - 7, 4), [n], [range(1, 30)], lambda v: fl(4 * v - 7, 4))
    _agrees(CeilDiv(4 * n - 7, 4), [n], [range(1, 30)], lambda v: ce(4 * v - 7, 4))


@pytest.mark.parametrize("outer, inner", [(FloorDiv, FloorDiv), (FloorDiv, CeilDiv),
                                          (CeilDiv, FloorDiv), (CeilDiv, CeilDiv)])
@pytest.mark.parametrize("b, c, add", [(2, 3, 1), (3, 2, -2), (2, 2, 0), (4, 3, 5)])
def test_nested_divisions_merge_into_one(outer, inner, b, c, add):
    got = outer(inner(n, b) + add, c)
    assert isinstance(got, outer)
    assert not got.args[0].has(FloorDiv, CeilDiv)
    assert got.args[1] == b * c
    o = fl if outer is FloorDiv else ce
    i = fl if inner is FloorDiv else ce
    _agrees(got, [n], [range(1, 80)], lambda v: o(i(v, b) + add, c))
    # the documented numerators (module docstring)
    shift = 0 if outer is inner else (b - 1 if outer is FloorDiv else 1 - b)
    assert sp.expand(got.args[0] - (n + shift + b * add)) == 0


def test_mixed_nesting_of_a_real_numerator_is_kept():
    # ceil(a/b) = floor((a + b - 1)/b) only holds for integer a
    got = FloorDiv(CeilDiv(r, 2), 3)
    assert got.args == (CeilDiv(r, 2), 3)
    # the same kind merges for any real a
    assert FloorDiv(FloorDiv(r, 2), 3).args == (r, 6)
    assert CeilDiv(CeilDiv(r, 2) + 1, 3).args == (r + 2, 6)


def test_nested_with_an_inner_denominator_that_may_be_zero_is_kept():
    inner = FloorDiv(n, p)
    got = FloorDiv(inner + 1, 2)
    assert got.args == (inner + 1, 2)


def test_merge_slack_boundary():
    # the merge is allowed when it is exactly MERGE_SLACK longer, refused at MERGE_SLACK + 1
    t = sp.Symbol("t", integer=True, positive=True)
    found = {}
    for inner_num in (n, n - k, n + k, n - 1, n + 2 * k):
        for add in (0, 1, 2, -1, k, 2 * k):
            for den in (sp.Integer(2), sp.Integer(12), t, 2 * t):
                inner = FloorDiv(inner_num, s)
                num = inner + add
                if split_int_div(num) is None or split_int_div(num)[0] != inner:
                    continue
                merged_num = inner_num + sp.expand_mul(s * add)
                grow = size(merged_num) + size(s * den) - size(num) - size(den)
                got = FloorDiv(num, den)
                found[grow] = (got, merged_num, s * den, num, den)
    assert floors.MERGE_SLACK in found and floors.MERGE_SLACK + 1 in found, sorted(found)
    got, merged_num, merged_den, num, den = found[floors.MERGE_SLACK]
    assert got.args == (merged_num, merged_den)
    got, merged_num, merged_den, num, den = found[floors.MERGE_SLACK + 1]
    assert got.args == (num, den)


# -- size, depth, degree ---------------------------------------------------------------


def test_size_counts_nodes_and_digits():
    assert size(sp.Integer(0)) == 1
    assert size(sp.Integer(7)) == 1
    assert size(sp.Integer(123)) == 3
    assert size(sp.Integer(-123)) == 3
    assert size(sp.Rational(-3, 14)) == 3
    assert size(sp.Rational(25, 7)) == 3
    assert size(n) == 1
    assert size(n + 1) == 3  # Add, n, 1
    assert size(n + 100) == 5
    assert size(2 * n * m) == 4  # Mul, 2, n, m
    assert size(FloorDiv(n - 1, 2)) == 1 + (1 + 1 + 1) + 1  # FloorDiv(Add(-1, n), 2)


def test_depth_counts_levels():
    assert depth(n) == 1
    assert depth(sp.Integer(3)) == 1
    assert depth(n + 1) == 2
    assert depth(2 * n + 1) == 3
    assert depth(FloorDiv(2 * n + 1, 3) + m) == 5
    assert depth(sp.Add(1, sp.Mul(2, sp.Add(n, sp.Mul(3, m, evaluate=False), evaluate=False),
                                  evaluate=False), evaluate=False)) == 5


def test_degree_bounds_the_total_degree():
    a, b, c = n, m, k
    assert degree((a * b) ** 3 + c) == 6
    assert degree(n) == 1
    assert degree(sp.Integer(5)) == 0
    assert degree(sp.Rational(1, 2)) == 0
    assert degree(n * m * k) == 3
    assert degree(3 * n) == 1
    assert degree(n ** 2) == 2
    assert degree(n ** -2) == 2
    assert degree(n ** 2 * m + k) == 3
    assert degree(n ** (m + 1)) == 1 + 1  # a symbolic exponent: the base once, plus its own
    assert degree((n * m) ** (k + n * m)) == 2 + 2
    assert degree(sp.sqrt(n)) == 1
    assert degree(FloorDiv(n * m, 2) + k) == 2
    assert degree(sp.pi * n) == 1  # pi: a number symbol without args, degree 0
    assert degree(sp.Function("f")(n, m * k)) == 2


# -- relax -----------------------------------------------------------------------------


def test_relax_replaces_divisions_by_quotients():
    assert relax(FloorDiv(n - k + 1, s) + 1) == (n - k + 1) / s + 1
    assert relax(CeilDiv(n, 2) * m) == n * m / 2
    assert relax(sp.floor(n / 2) + sp.ceiling(m / 3)) == n / 2 + m / 3
    assert relax(FloorDiv(FloorDiv(n, p) + 1, m)) == (n / p + 1) / m  # kept nested: p may be 0
    assert relax(sp.Piecewise((n + 1, n > 3), (n, True))) == n + 1
    assert relax(n + 1) == n + 1
    assert relax(sp.Integer(3)) == 3
    # without a symbol a Max is relaxed inside and kept
    assert relax(sp.Max(FloorDiv(n, 2), m)) == sp.Max(n / 2, m)


def test_relax_in_one_symbol_keeps_the_others_floors():
    e = FloorDiv(m, 2) + FloorDiv(n, 3)
    assert relax(e, n) == FloorDiv(m, 2) + n / 3
    assert relax(e, m) == m / 2 + FloorDiv(n, 3)
    assert relax(sp.floor(m / 2) * n, n) == sp.floor(m / 2) * n
    assert relax(FloorDiv(n * FloorDiv(m, 2), 3), n) == n * FloorDiv(m, 2) / 3
    assert relax(sp.Piecewise((m, m > 3), (1, True)) + n, n) == sp.Piecewise((m, m > 3), (1, True)) + n


def Max(*args):
    return sp.Max(*args, evaluate=False)


def Min(*args):
    return sp.Min(*args, evaluate=False)


def test_relax_picks_the_dominant_argument_of_max_and_min():
    # unevaluated: sympy would itself pick max(n, 2n) = 2n for a positive n
    # the key is (sign, degree) of the leading term: n and 2n tie, so Max stays
    assert relax(Max(n, 2 * n), n) == Max(n, 2 * n)
    assert relax(Min(n, 2 * n), n) == Min(n, 2 * n)
    assert relax(Max(n, 5), n) == n
    assert relax(Min(n, 5), n) == 5
    assert relax(Max(n ** 2, 3 * n), n) == n ** 2
    assert relax(Min(n ** 2, 3 * n + 7), n) == 3 * n + 7
    assert relax(Max(5 - n, 1), n) == 1
    assert relax(Min(5 - n, 1), n) == 5 - n
    assert relax(Max(m - n, m), n) == m  # constant in n beats a falling one
    assert relax(Max(FloorDiv(n, 2), 1), n) == n / 2
    # a tie on sign and degree, or a sign not known: unchanged
    assert relax(Max(m * n, n), n) == Max(m * n, n)
    assert relax(Max(n + 1, n), n) == Max(n + 1, n)
    assert relax(Max(z * n, 1), n) == Max(z * n, 1)
    assert relax(Max(sp.sqrt(n), 2), n) == Max(sp.sqrt(n), 2)
    # 0 and a constant tie (both degree 0): unchanged
    assert relax(Max(m, 3), n) == Max(m, 3)


def test_dominant_directly():
    def dom(e):
        return floors._dominant(e, list(e.args), n)

    assert dom(Max(n, n ** 2, 3)) == n ** 2
    assert dom(Min(n, n ** 2, 3)) == 3
    assert dom(Min(-n, 3)) == -n
    assert dom(Max(-n, 3)) == 3
    assert dom(Max(-n, -n ** 2)) == -n
    assert dom(Min(-n, -n ** 2)) == -n ** 2
    assert dom(Max(n, n ** 2)) == n ** 2
    assert dom(Min(n, n ** 2)) == n
    assert dom(Max(n, 2 * n, 3)) == Max(n, 2 * n, 3)  # n and 2n tie
    assert dom(Max(-n, -2 * n)) == Max(-n, -2 * n)
    assert dom(Max(-n, 3, m)) == Max(-n, 3, m)  # 3 and m tie (constant in n)
    assert dom(Min(n, 3, m)) == Min(n, 3, m)
    assert dom(Min(n ** 2, 3 * n + 7)) == 3 * n + 7
    assert dom(Max(x * n, 1)) == x * n  # a positive leading coefficient that is no integer
    assert dom(Max(z * n, 1)) == Max(z * n, 1)  # sign of z unknown


# -- contains_int_div ------------------------------------------------------------------


def test_contains_int_div():
    for node in (FloorDiv(n, 2), CeilDiv(n, 2), sp.floor(n * x), sp.ceiling(n * x),
                 sp.Piecewise((n, n > 2), (1, True)), sp.Mod(n, 3), sp.Max(n, 3), sp.Min(n, 3)):
        assert contains_int_div(node + m) is True, node
        assert contains_int_div(node + m, n) is True, node
        assert contains_int_div(node + n, m) is False, node
    assert contains_int_div(n * m + 1) is False
    assert contains_int_div(n * m + 1, n) is False
    assert contains_int_div(m * FloorDiv(n, 2), m) is False


# -- shortest --------------------------------------------------------------------------


def test_shortest_forms():
    assert shortest(FloorDiv(n - 1, 2) + 1) == CeilDiv(n, 2)
    assert shortest(CeilDiv(n + 1, 2) - 1) == FloorDiv(n, 2)
    assert shortest(FloorDiv(n, 2)) == FloorDiv(n, 2)
    assert shortest(n + 1) == n + 1
    assert shortest(FloorDiv(n, s) + 1) == FloorDiv(n, s) + 1
    assert shortest(FloorDiv(n, p) + 1) == FloorDiv(n, p) + 1
    # floor(n/2) + 3 = floor((n + 6)/2): the sum is no longer, so it stays
    assert shortest(FloorDiv(n, 2) + 3) == FloorDiv(n, 2) + 3
    # floor((n + 5)/2) - 2 = floor((n + 1)/2): the constant 5 = 2*2 + 1 moves out
    assert shortest(FloorDiv(n + 5, 2) - 2) == CeilDiv(n, 2)  # = floor((n + 1)/2)
    # whole multiples of 2 leave the numerator's constant: floor((n + 4)/2) - 1 = floor(n/2) + 1
    got = shortest(FloorDiv(n + 4, 2) - 1)
    assert size(got) == 5  # floor(n/2) + 1 or floor((n + 2)/2): both 5 nodes
    assert got in (FloorDiv(n, 2) + 1, FloorDiv(n + 2, 2))
    # a ceiling kept a ceiling when a floor would be as long
    assert shortest(CeilDiv(n, 3)) == CeilDiv(n, 3)
    assert shortest(FloorDiv(n + 2, 3)) == CeilDiv(n, 3)  # 3 nodes + 1 for the change, < 5
    assert shortest(CeilDiv(n - 1, 2) + 1) == FloorDiv(n, 2) + 1 or \
        shortest(CeilDiv(n - 1, 2) + 1) == CeilDiv(n + 1, 2)


@pytest.mark.parametrize("expr_fn", [
    lambda: FloorDiv(n - 1, 2) + 1, lambda: CeilDiv(n + 1, 2) - 1, lambda: FloorDiv(n + 5, 2) - 2,
    lambda: FloorDiv(n + 4, 2) - 1, lambda: CeilDiv(n - 7, 3) + 4, lambda: FloorDiv(n - 3, 4) + 2,
    lambda: CeilDiv(n + 9, 4) - 3, lambda: FloorDiv(n + 11, 3) + 1, lambda: CeilDiv(r, 2) + 1,
    lambda: FloorDiv(n - 5, 2) + m,
])
def test_every_form_of_shortest_is_equal(expr_fn):
    expr = expr_fn()
    forms = floors._forms(expr)
    assert forms[0] == expr
    syms = sorted(expr.free_symbols, key=str)
    if r in syms:
        return
    for f in forms:
        for point in itertools.product(range(-12, 25), repeat=len(syms)):
            sub = dict(zip(syms, point))
            assert f.subs(sub) == expr.subs(sub), (expr, f, point)
    best = shortest(expr)
    assert best in forms
    assert size(best) <= size(expr)


def test_the_forms_of_a_floor_plus_an_integer():
    # floor(a/2) + 1 with a = n - 1: the four forms of the module docstring
    forms = floors._forms(FloorDiv(n - 1, 2) + 1)
    assert FloorDiv(n + 1, 2) in forms  # 1 moved inside
    assert CeilDiv(n - 2, 2) + 1 in forms  # floor(a/b) = ceil((a - b + 1)/b)
    assert CeilDiv(n, 2) in forms  # and the 1 moved inside that
    # ceiling: ceil(a/b) = floor((a + b - 1)/b)
    forms = floors._forms(CeilDiv(n, 3) + 2)
    assert FloorDiv(n + 2, 3) + 2 in forms
    assert FloorDiv(n + 8, 3) in forms
    assert CeilDiv(n + 6, 3) in forms
    # no integer added: the other kind alone
    forms = floors._forms(FloorDiv(n, 3))
    assert CeilDiv(n - 2, 3) in forms
    # a real numerator: only the integer moved inside
    forms = floors._forms(CeilDiv(r, 3) + 2)
    assert forms == [CeilDiv(r, 3) + 2, CeilDiv(r + 6, 3), CeilDiv(r, 3) + 2]
    # a symbolic denominator: no constant moved out
    forms = floors._forms(FloorDiv(n + 5, s) - 2)
    assert all(not f.has(FloorDiv(n + 5 - s, s)) for f in forms)


def test_shortest_does_not_switch_kind_for_free():
    # floor(n/2) + 1 vs ceil((n + 1)/2): same size; the kind change must pay for itself
    expr = FloorDiv(n, 2) + 1
    assert shortest(expr) == expr or shortest(expr) == FloorDiv(n + 2, 2)
    assert not isinstance(shortest(expr), CeilDiv) and not shortest(expr).has(CeilDiv)


def test_the_other_kind_that_evaluates_is_not_split():
    # ceil(0/s) = 0: a FloorDiv(s - 1, s) has the other form CeilDiv(0, s) = 0
    forms = floors._forms(FloorDiv(s - 1, s) + 1)
    assert sp.Integer(1) in forms
    for f in forms:
        for v in range(1, 20):
            assert f.subs(s, v) == fl(v - 1, v) + 1


# -- normal_form, same_size, equal_sizes -----------------------------------------------

FD = floors._FD


def test_normal_form_of_floors_and_ceilings():
    assert normal_form(FloorDiv(n, 2)) == FD(n, 2)
    assert normal_form(CeilDiv(n, 2)) == FD(n + 1, 2)
    assert normal_form(FloorDiv(n - 1, 2) + 1) == FD(n + 1, 2)
    assert normal_form(FloorDiv(n - 1, 2) + m) == FD(n - 1 + 2 * m, 2)
    # sympy's own floor and ceiling get the same form
    assert normal_form(sp.floor(n / 2)) == FD(n, 2)
    assert normal_form(sp.ceiling(n / 2)) == FD(n + 1, 2)
    assert normal_form(sp.floor((n + 1) / 4)) == FD(n + 1, 4)
    # a common numeric factor cancels: floor((2n + 2)/4) = floor((n + 1)/2)
    assert normal_form(sp.floor((2 * n + 2) / (4 * m))) == FD(n + 1, 2 * m)
    # a denominator not known positive: left as it is (with normal arguments)
    assert normal_form(FloorDiv(n, p)) == FloorDiv(n, p)
    assert normal_form(sp.floor(r / 2)) == sp.floor(r / 2)
    # nested floors merge: floor((floor(n/2) + 1)/s) = floor((n + 2)/(2 s))
    assert normal_form(FloorDiv(FloorDiv(n, 2) + 1, s)) == FD(n + 2, 2 * s)
    # an integer number after cancelling: floor(2n/2) is n
    assert normal_form(sp.floor(2 * n * m / (2 * m))) == n
    assert normal_form(n + 1) == n + 1
    assert normal_form(sp.Integer(4)) == 4


def test_floordiv_helper_reduces():
    assert floors._floordiv(2 * n + 2, sp.Integer(4)) == FD(n + 1, 2)
    assert floors._floordiv(2 * n + 4, sp.Integer(2)) == n + 2
    assert floors._floordiv(n, sp.Integer(1)) == n
    assert floors._floordiv(4 * n + 2, 2 * s) == FD(2 * n + 1, s)
    assert floors._floordiv(2 * n, 2 * s) == FD(n, s)
    assert floors._floordiv(6 * n + 3, sp.Integer(3)) == 2 * n + 1
    assert floors._floordiv(3 * n + 2, sp.Integer(3)) == FD(3 * n + 2, 3)
    assert floors._floordiv(n + 1, s) == FD(n + 1, s)
    assert floors._floordiv(FD(n, 2) + 1, sp.Integer(3)) == FD(n + 2, 6)
    # floor((floor(n/2) + 3)/5) = floor((n + 6)/10)
    assert floors._floordiv(FD(n, 2) + 3, sp.Integer(5)) == FD(n + 6, 10)
    # merged inner floor whose result reduces: floor((floor(n/2)*... ) ) -> den 1 after gcd
    assert floors._floordiv(2 * n + 2 * m, sp.Integer(2)) == n + m


def test_one_floor_and_absorb():
    f = FD(n, 2)
    assert floors._one_floor(f) == ((n, 2), 0)
    assert floors._one_floor(f + 3) == ((n, 2), 3)
    assert floors._one_floor(f + m) == ((n, 2), m)
    assert floors._one_floor(n + 1) is None
    assert floors._one_floor(n) is None
    assert floors._one_floor(f + FD(m, 2)) is None
    assert floors._one_floor(f + n / 2) is None
    assert floors._one_floor(f + FD(m, 2) * 2 - FD(m, 2) * 2) == ((n, 2), 0)
    assert floors._one_floor(f + n * FD(m, 2)) is None  # the rest holds a floordiv
    assert floors._absorb(f + 3) == FD(n + 6, 2)
    assert floors._absorb(f) == f
    assert floors._absorb(n + 3) == n + 3


def test_same_size():
    assert same_size(FloorDiv(n - 1, 2) + 1, CeilDiv(n, 2)) is True
    # a 3x3 stride-2 padded conv and a 1x1 stride-2 projection (docstring)
    assert same_size(FloorDiv(n + 2 - 3, 2) + 1, FloorDiv(n - 1, 2) + 1) is True
    assert same_size(n + 1, n) is False
    assert same_size(CeilDiv(n, 2), FloorDiv(n, 2)) is None
    assert same_size(n, m) is None
    assert same_size(2 * n, n + n) is True


def test_equal_sizes():
    assert equal_sizes(n + 2 * m - 2, n) == sp.Eq(m, 1)
    assert equal_sizes(n, n + 2 * m - 2) == sp.Eq(m, 1)
    assert equal_sizes(3 * m - 2, sp.Integer(4)) == sp.Eq(m, 2)
    assert equal_sizes(3 * z + 6, sp.Integer(0)) == sp.Eq(z, -2)
    # k = 2k: only k = 0, which a positive k cannot take
    assert equal_sizes(2 * k, k) is sp.false
    # 3p = 2: no integer p
    assert equal_sizes(3 * p, sp.Integer(2)) is sp.false
    # two symbols or a higher degree: the equation as it is
    assert equal_sizes(n, m) == sp.Eq(n, m)
    assert equal_sizes(n * n, n + 2) == sp.Eq(n * n, n + 2)
    assert equal_sizes(CeilDiv(n, 2), n) == sp.Eq(CeilDiv(n, 2), n)


# -- added after the mutation run -------------------------------------------------------


def test_a_change_of_kind_must_be_strictly_shorter():
    # floor((n + 1)/2) + 5 = floor((n + 11)/2) (6 nodes) = ceiling(n/2) + 5 (5 nodes, + 1
    # for the change of kind): a tie, so the floor stays
    expr = FloorDiv(n + 1, 2) + 5
    assert size(FloorDiv(n + 11, 2)) == 6 and size(CeilDiv(n, 2) + 5) == 5
    assert shortest(expr) == FloorDiv(n + 11, 2)
    _agrees(FloorDiv(n + 11, 2), [n], [range(1, 40)], lambda v: fl(v + 1, 2) + 5)


def test_the_numerators_constant_moves_out_when_that_is_shorter():
    # floor((n + 4)/2) + m (7 nodes) = floor(n/2) + m + 2 (6 nodes); moving m inside,
    # floor((n + 2m + 4)/2), takes 8
    expr = FloorDiv(n + 4, 2) + m
    assert size(expr) == 7 and size(FloorDiv(n, 2) + m + 2) == 6
    assert shortest(expr) == FloorDiv(n, 2) + m + 2


def test_a_constant_of_unknown_sign_is_still_a_constant():
    # in n, z is a constant (degree 0): n dominates whatever the sign of z
    assert relax(Max(z, n), n) == n
    assert relax(Min(z, n), n) == z
    # z*n: the sign of its leading coefficient is unknown, nothing is decided
    assert relax(Max(z * n, n), n) == Max(z * n, n)


def test_normal_form_merges_a_floor_left_nested():
    # (a bug until floordiv knew it is an integer: nested floors never merged)
    # floor((floor(n/s) + k)/t) is left nested by combine (merged it is longer);
    # normal_form's docstring merges it: floordiv(n + k s, s t)
    kept = FloorDiv(FloorDiv(n, s) + k, m)
    assert kept.args[0] == FloorDiv(n, s) + k
    for nv, sv, kv, mv in itertools.product(range(1, 14), range(1, 4), range(1, 4), range(1, 4)):
        assert fl(fl(nv, sv) + kv, mv) == fl(nv + kv * sv, sv * mv)
    assert same_size(kept, FloorDiv(n + k * s, s * m)) is True
    # floor((floor(n/2) + 3)/5) = floor((n + 6)/10), built unevaluated
    nested = FloorDiv(FloorDiv(n, 2) + 3, 5, evaluate=False)
    assert nested.args[0] == FloorDiv(n, 2) + 3
    assert normal_form(nested) == FD(n + 6, 10)
    _agrees(nested, [n], [range(1, 60)], lambda v: fl(fl(v, 2) + 3, 5))
    _agrees(FloorDiv(n + 6, 10), [n], [range(1, 60)], lambda v: fl(fl(v, 2) + 3, 5))

