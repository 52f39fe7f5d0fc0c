"""Mutants of symparams/algebra/conditions.py that the other tests left alive.

A rewritten condition is checked against the original one by plain integer arithmetic
(both evaluated at every point of a grid: ``floor(a/b)`` as ``a // b``); implications
are checked by hand from the monomials, and the conditions kept by a derivation are
compared with the ones written out from the layer definitions.
"""

from __future__ import annotations

import itertools

import pytest
import sympy as sp

import symparams
from symparams.algebra import conditions as C
from symparams.algebra.conditions import canonical, inequality, simplify_conditions
from symparams.core.derivation import Condition
from symparams.core.errors import MissingValueError, ShapeError
from symparams.core.shape import CeilDiv, FloorDiv

n = sp.Symbol("n", integer=True, positive=True)
m = sp.Symbol("m", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
s = sp.Symbol("s", integer=True, positive=True)
p = sp.Symbol("p", integer=True, nonnegative=True)
z = sp.Symbol("z", integer=True)
r = sp.Symbol("r", real=True)
x = sp.Symbol("x", real=True, positive=True)


def _truth(rel, point):
    got = rel.xreplace({sym: sp.Integer(v) for sym, v in point.items()})
    assert got in (sp.true, sp.false), (rel, point, got)
    return bool(got)


def _same_truth(a, b, symbols, lo=1, hi=13):
    for values in itertools.product(range(lo, hi), repeat=len(symbols)):
        point = dict(zip(symbols, values))
        assert _truth(a, point) == _truth(b, point), (a, b, point)


def _cond(rel, index=1, layer="conv2d1", reason="why"):
    return Condition(rel, reason, index, layer)


# -- _difference -----------------------------------------------------------------------


def test_difference_of_each_kind_of_inequality():
    assert C._difference(sp.Ge(n, k, evaluate=False)) == n - k
    assert C._difference(sp.Gt(n, k, evaluate=False)) == n - k - 1
    assert C._difference(sp.Le(n, k, evaluate=False)) == k - n
    assert C._difference(sp.Lt(n, k, evaluate=False)) == k - n - 1
    assert C._difference(sp.Eq(n, k)) is None
    assert C._difference(sp.Ne(n, k)) is None
    # a quotient assumed exact: (n - 4)/2 >= 0 <=> n - 4 >= 0
    assert C._difference(sp.Ge(n / 2, 2, evaluate=False)) == n - 4
    assert C._difference(sp.Gt(n / 2, 2, evaluate=False)) == n - 5
    assert C._difference(sp.Le(n / 3, m, evaluate=False)) == 3 * m - n
    assert C._difference(sp.Ge((n - k) / s, 1, evaluate=False)) == n - k - s
    # not an integer inequality: left alone
    assert C._difference(sp.Ge(r, 1, evaluate=False)) is None
    assert C._difference(sp.Ge(n / x, 1, evaluate=False)) is None
    assert C._difference(sp.Ge(n / z, 1, evaluate=False)) is None  # z may be negative
    assert C._difference(sp.Ge(r / 2, 1, evaluate=False)) is None


# -- _unfloor through canonical --------------------------------------------------------

CASES = [
    # (relation, symbols to vary)
    (lambda: sp.Ge(FloorDiv(n - k + 1, s) + 1, m, evaluate=False), [n, k, s, m]),
    (lambda: sp.Ge(CeilDiv(n - k + 1, s), m, evaluate=False), [n, k, s, m]),
    (lambda: sp.Le(FloorDiv(n + 1, s), m, evaluate=False), [n, s, m]),
    (lambda: sp.Le(CeilDiv(n + 1, s), m, evaluate=False), [n, s, m]),
    (lambda: sp.Ge(FloorDiv(n, 3), 2, evaluate=False), [n]),
    (lambda: sp.Ge(CeilDiv(n, 3), 2, evaluate=False), [n]),
    (lambda: sp.Le(FloorDiv(n, 3), 2, evaluate=False), [n]),
    (lambda: sp.Le(CeilDiv(n, 3), 2, evaluate=False), [n]),
    (lambda: sp.Gt(FloorDiv(n, 3), 2, evaluate=False), [n]),
    (lambda: sp.Lt(CeilDiv(n, 3), 2, evaluate=False), [n]),
    (lambda: sp.Ge(m, FloorDiv(n - 1, 2) + 1, evaluate=False), [n, m]),
    (lambda: sp.Ge(FloorDiv(n, 2), FloorDiv(m, 3), evaluate=False), [n, m]),
    (lambda: sp.Ge(FloorDiv(FloorDiv(n, s) + 1, k), 1, evaluate=False), [n, s, k]),
]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_canonical_is_the_same_condition(case):
    make, symbols = CASES[case]
    rel = make()
    got = canonical(rel)
    lo, hi = (1, 9) if len(symbols) >= 4 else (1, 14)
    _same_truth(rel, got, symbols, lo, hi)


def test_canonical_rewrites_one_outer_floor_away():
    # floor(a/b) + c >= 0  <=>  a + b c >= 0
    assert canonical(sp.Ge(FloorDiv(n - k + 1, s) + 1, m, evaluate=False)) == \
        sp.Ge(n + s + 1, k + m * s)
    # ceil(a/b) + c >= 0  <=>  a + b(c + 1) - 1 >= 0: ceil(n/3) >= 2 <=> n >= 4
    assert canonical(sp.Ge(CeilDiv(n, 3), 2, evaluate=False)) == sp.Ge(n, 4)
    # floor(n/3) >= 2 <=> n >= 6
    assert canonical(sp.Ge(FloorDiv(n, 3), 2, evaluate=False)) == sp.Ge(n, 6)
    # floor(n/3) <= 2 <=> 3*3 - n - 1 >= 0 <=> 8 >= n
    assert canonical(sp.Le(FloorDiv(n, 3), 2, evaluate=False)) == sp.Ge(8, n)
    # ceil(n/3) <= 2 <=> 6 - n >= 0
    assert canonical(sp.Le(CeilDiv(n, 3), 2, evaluate=False)) == sp.Ge(6, n)
    # with a symbolic bound: floor((n + 1)/s) <= m <=> s(m + 1) - n - 2 >= 0
    assert canonical(sp.Le(FloorDiv(n + 1, s), m, evaluate=False)) == sp.Ge(m * s + s, n + 2)
    assert canonical(sp.Le(CeilDiv(n + 1, s), m, evaluate=False)) == sp.Ge(m * s, n + 1)


def test_unfloor_keeps_what_it_cannot_rewrite():
    f, g = FloorDiv(n, s), FloorDiv(m, s)
    assert C._unfloor(f + g - 3) == f + g - 3  # two floors
    assert C._unfloor(2 * f - 3) == 2 * f - 3  # coefficient 2
    assert C._unfloor(f - r) == f - r  # the rest is not an integer
    assert C._unfloor(FloorDiv(r, 2) - 3) == FloorDiv(r, 2) - 3  # nor the numerator
    assert C._unfloor(FloorDiv(n, p) - 3) == FloorDiv(n, p) - 3  # p may be 0
    assert C._unfloor(-FloorDiv(n, p) + 3) == -FloorDiv(n, p) + 3
    assert C._unfloor(n - 3) == n - 3
    assert C._unfloor(FloorDiv(n, 2) - 3) == n - 6
    assert C._unfloor(3 - FloorDiv(n, 2)) == 7 - n
    assert C._unfloor(3 - CeilDiv(n, 2)) == 6 - n
    assert C._unfloor(CeilDiv(n, 2) - 3) == n - 5


def test_unfloor_stops_when_the_rewrite_grows():
    # symbolic strides: rewriting multiplies every other term by the stride
    t = sp.Symbol("t", integer=True, positive=True)
    terms = [n, m, k, t, p]
    long_rest = sum(terms) + 5
    d = FloorDiv(n - k, s) - long_rest  # floor(...) >= rest  would need s*rest: too long
    got = C._unfloor(d)
    grown = n - k - sp.expand(s * long_rest)
    assert C.size(grown) > C.size(d) + C.MERGE_SLACK
    assert got == d
    # at the boundary the rewrite is taken
    found = {}
    for rest in (sp.Integer(0), sp.Integer(1), sp.Integer(12), m, m + 1, 2 * m, m + k, m + k + 1):
        for num in (n, n - k, n + 1, n - k + 1):
            d = FloorDiv(num, s) - rest
            new = num - sp.expand(s * rest)
            found[C.size(new) - C.size(d)] = (d, new)
    assert C.MERGE_SLACK in found and C.MERGE_SLACK + 1 in found, sorted(found)
    d, new = found[C.MERGE_SLACK]
    assert C._unfloor(d) == new
    d, new = found[C.MERGE_SLACK + 1]
    assert C._unfloor(d) == d


def test_unfloor_repeats_for_nested_floors():
    # floor((floor(n/s) + 1)/k) >= 1  <=>  floor(n/s) + 1 - k >= 0  <=>  n + s - k s >= 0
    t = sp.Symbol("t", integer=True, positive=True)
    inner = FloorDiv(n, p + 1)
    outer = FloorDiv(inner + 1, t, evaluate=False)  # as a merge too long would leave it
    got = C._unfloor(outer - 1)
    assert not got.has(FloorDiv), got
    for nv, pv, tv in itertools.product(range(1, 12), range(0, 4), range(1, 5)):
        want = ((nv // (pv + 1)) + 1) // tv - 1 >= 0
        assert (got.xreplace({n: nv, p: pv, t: tv}) >= 0) == want


# -- inequality ------------------------------------------------------------------------


def test_inequality_puts_terms_on_their_side():
    assert inequality(n + 1 - k) == sp.Ge(n + 1, k)
    assert inequality(n - k - m) == sp.Ge(n, k + m)
    assert inequality(-n + 3) == sp.Ge(3, n)
    assert inequality(n) == sp.true  # sympy decides n >= 0
    assert inequality(-n) == sp.false
    assert inequality(n - 2 * k) == sp.Ge(n, 2 * k)


def test_long_differences_are_decided_by_the_structural_bounds():
    syms = sp.symbols("a0:14", integer=True, positive=True)
    total = sum(syms)
    assert len(total.args) > C.SMALL
    assert inequality(total - 14) == sp.true  # each a_i >= 1
    assert inequality(-total + 13) == sp.false  # 13 - sum <= -1
    assert inequality(-total + 14) == sp.Ge(14, total, evaluate=False)
    got = inequality(total - 15)
    assert got == sp.Ge(total, 15, evaluate=False)
    assert isinstance(got, sp.GreaterThan)
    # a long difference with a factor not bounded cheaply: kept
    got = inequality(total + z)
    assert isinstance(got, sp.GreaterThan)
    # exactly SMALL terms still go to sympy, which does not decide this one
    small = sum(syms[:C.SMALL - 1])
    got = inequality(small - (C.SMALL - 1))
    assert got == sp.Ge(small, C.SMALL - 1) and isinstance(got, sp.GreaterThan)
    # one term more: the structural bounds decide it
    assert inequality(small + syms[C.SMALL - 1] - C.SMALL) == sp.true


def test_long_difference_by_size():
    # few terms but a large size: the structural bounds decide
    a, b = sp.symbols("a b", integer=True, positive=True)
    syms = (a, b, n, m, k, s)
    d = sum(sp.Mul(*(v ** (i + 2) for v in syms)) for i in range(4))
    assert len(d.args) <= C.SMALL and C.size(d) > 5 * C.SMALL, C.size(d)
    assert inequality(d - 4) == sp.true  # four products of positive integers, each >= 1
    got = inequality(d - 5)
    assert got == sp.Ge(d, 5, evaluate=False) and isinstance(got, sp.GreaterThan)


# -- simplify_conditions ---------------------------------------------------------------


def test_true_conditions_go_and_false_ones_name_their_layer():
    kept = simplify_conditions([_cond(sp.Ge(n + 1, 1, evaluate=False))])
    assert kept == ()
    with pytest.raises(ShapeError) as err:
        simplify_conditions([_cond(sp.Ge(1, n + 1, evaluate=False), 2, "maxpool2", "window fits")])
    assert str(err.value) == "layer 2 (maxpool2): window fits"
    with pytest.raises(ShapeError) as err:
        simplify_conditions([_cond(sp.Ge(1, n + 1, evaluate=False), 0, "input", "size >= 1")])
    assert str(err.value) == "input: size >= 1"
    # sympy's own true/false as well
    assert simplify_conditions([_cond(sp.true)]) == ()
    with pytest.raises(ShapeError, match="layer 1"):
        simplify_conditions([_cond(sp.false)])


def test_duplicates_are_stated_once_and_keep_their_first_layer():
    a = _cond(sp.Ge(n, k, evaluate=False), 1, "conv2d1")
    b = _cond(sp.Le(k, n, evaluate=False), 2, "conv2d2")
    kept = simplify_conditions([a, b])
    assert len(kept) == 1 and kept[0].layer == "conv2d1" and kept[0].relation == sp.Ge(n, k)


def test_same_symbolic_part_keeps_the_strongest():
    # n - k >= 3 implies n - k >= 1: only the one with the smallest constant stays
    for order in ((3, 1), (1, 3)):
        conds = [_cond(sp.Ge(n - k, c, evaluate=False), i, f"l{i}") for i, c in enumerate(order, 1)]
        kept = simplify_conditions(conds)
        assert [c.relation for c in kept] == [sp.Ge(n, k + 3)]
    conds = [_cond(sp.Ge(n, k + c, evaluate=False), i, f"l{i}") for i, c in enumerate((2, 5, 1), 1)]
    assert [c.layer for c in simplify_conditions(conds)] == ["l2"]


def test_an_implied_condition_is_dropped_whichever_comes_first():
    # n - k + 1 >= s (s >= 1) implies n >= k
    strong = _cond(sp.Ge(n - k + 1, s, evaluate=False), 2, "maxpool1")
    weak = _cond(sp.Ge(n, k, evaluate=False), 1, "conv2d1")
    for order in ([weak, strong], [strong, weak]):
        kept = simplify_conditions(order)
        assert [c.layer for c in kept] == ["maxpool1"]
    # unrelated ones stay, in their order
    other = _cond(sp.Ge(m, 2, evaluate=False), 3, "conv2d2")
    kept = simplify_conditions([weak, other, strong])
    assert [c.layer for c in kept] == ["conv2d2", "maxpool1"]
    # with a nonnegative padding: n + 2p >= k does not imply n >= k, the converse holds
    padded = _cond(sp.Ge(n + 2 * p, k, evaluate=False), 4, "conv2d3")
    kept = simplify_conditions([padded, weak])
    assert [c.layer for c in kept] == ["conv2d1"]


def test_equalities_are_kept_and_implied_divisibility_dropped():
    four = _cond(sp.Eq(sp.Mod(n, 4), 0), 1, "p1")
    two = _cond(sp.Eq(sp.Mod(n, 2), 0), 2, "p2")
    eight = _cond(sp.Eq(sp.Mod(n, 8), 0), 3, "p3")
    three = _cond(sp.Eq(sp.Mod(n, 3), 0), 4, "p4")
    other = _cond(sp.Eq(sp.Mod(m, 16), 0), 5, "p5")
    kept = simplify_conditions([four, two, eight, three, other])
    assert [c.layer for c in kept] == ["p3", "p4", "p5"]
    assert C._implied_divisibility([four, two, eight, three, other]) == {0, 1}
    assert C._implied_divisibility([four, four]) == set()
    sym = _cond(sp.Eq(sp.Mod(n, s), 0), 6, "p6")
    assert C._implied_divisibility([sym, two]) == set()
    assert C._implied_divisibility([_cond(sp.Eq(sp.Mod(n, 2), 1)), four]) == set()


# -- _monomials, _lower_bound, _dominates ----------------------------------------------


def test_monomials():
    one = sp.S.One
    assert C._monomials(3 * n * m - 2 * k + 5) == {n * m: 3, k: -2, one: 5}
    assert C._monomials(n) == {n: 1}
    assert C._monomials(sp.Integer(0)) == {one: 0} or C._monomials(sp.Integer(0)) == {}
    assert C._monomials(n / 2 + 1) == {}
    assert C._monomials(n * x + 1) == {n * x: 1, one: 1}
    assert all(type(c) is int for c in C._monomials(3 * n - 2).values())


def test_lower_bound():
    cache = {}
    assert C._lower_bound(n * m ** 2, cache) == 1
    assert cache[n * m ** 2] == 1
    assert C._lower_bound(n * p, cache) == 0
    assert C._lower_bound(p, cache) == 0
    assert C._lower_bound(z, cache) is None
    assert C._lower_bound(x, cache) is None  # not an integer
    assert C._lower_bound(n ** -1, {}) is None
    assert C._lower_bound(n * z, {}) is None
    assert C._lower_bound(FloorDiv(n, 2), {}) is None
    assert C._lower_bound(sp.sqrt(n), {}) is None
    cache = {n: 7}
    assert C._lower_bound(n, cache) == 7  # remembered


def _dom(di, dj):
    return C._dominates(C._monomials(di), C._monomials(dj) if dj != 0 else {}, {}, [10 ** 6])


def test_dominates_by_hand():
    # d_i - d_j = c + sum(a_m m), a_m >= 0, c + sum(a_m lb(m)) >= 0
    assert _dom(n + 1, n) is True
    assert _dom(n, n + 1) is False
    assert _dom(n - 1, sp.Integer(0)) is True  # n >= 1
    assert _dom(n - 2, sp.Integer(0)) is False
    assert _dom(p, sp.Integer(0)) is True
    assert _dom(p - 1, sp.Integer(0)) is False  # p may be 0
    assert _dom(2 * n - 2, n - 1) is True  # difference n - 1 >= 0
    assert _dom(2 * n - 3, n - 1) is False
    assert _dom(n + m - 1, m) is True
    assert _dom(n, n + m - 1) is False  # d_j has +m not matched
    assert _dom(n - k + 1, n - k + 1 - s) is True  # + s >= 1 ... difference s >= 0
    assert _dom(n - k + 1 - s, n - k + 1) is False
    assert _dom(n + 1, n + 1 - s) is True  # difference s: lb 1
    assert _dom(n, n - s) is True
    assert _dom(n - 1, n - s) is True  # difference s - 1 >= 0
    assert _dom(n - 2, n - s) is False  # s - 2 may be -1
    assert _dom(n, n - p) is True
    assert _dom(n - 1, n - p) is False  # p - 1 may be -1
    assert _dom(n + z, n) is False  # z not bounded
    assert _dom(n, n - z) is False
    assert _dom(n + 2 * m - 3, n + m - 2) is True  # m - 1 >= 0
    assert _dom(n + 2 * m - 4, n + m - 2) is False


def test_dominates_spends_its_budget():
    budget = [100]
    C._dominates({n: 1, sp.S.One: 1}, {n: 1, m: -1, k: 2}, {}, budget)
    assert budget[0] == 100 - 2 - 3


def test_a_spent_budget_keeps_every_condition():
    strong = _cond(sp.Ge(n - k + 1, s, evaluate=False), 2, "maxpool1")
    weak = _cond(sp.Ge(n, k, evaluate=False), 1, "conv2d1")
    old = C.PAIR_BUDGET
    try:
        C.PAIR_BUDGET = 0
        assert [c.layer for c in simplify_conditions([weak, strong])] == ["conv2d1", "maxpool1"]
        C.PAIR_BUDGET = 1
        assert [c.layer for c in simplify_conditions([weak, strong])] == ["maxpool1"]
    finally:
        C.PAIR_BUDGET = old


# -- valid -----------------------------------------------------------------------------


def test_valid_names_the_unset_symbols():
    d = symparams.parse("I-C-P-H-O").derive()
    with pytest.raises(MissingValueError) as err:
        d.valid(n=9)
    assert str(err.value) == "validity depends on unset symbols: k1, q1"
    with pytest.raises(MissingValueError) as err:
        d.valid(n=9, k1=3)
    assert str(err.value) == "validity depends on unset symbols: q1"
    # n - k1 + 1 >= q1 (the pool's window fits the conv's output)
    for nv, kv, qv in itertools.product(range(1, 8), range(1, 8), range(1, 8)):
        assert d.valid(n=nv, k1=kv, q1=qv) == (nv - kv + 1 >= qv), (nv, kv, qv)


# -- added after the mutation run -------------------------------------------------------


def test_a_difference_known_not_to_be_an_integer_is_cleared_of_its_denominator():
    # n + 1/2 >= 1  <=>  2n - 1 >= 0 ;  n + 1/2 > 1  <=>  2n - 1 >= 1
    assert C._difference(sp.Ge(n + sp.Rational(1, 2), 1, evaluate=False)) == 2 * n - 1
    assert C._difference(sp.Gt(n + sp.Rational(1, 2), 1, evaluate=False)) == 2 * n - 2


def _sized(extra):
    """Ten products of four positive symbols, the first with ``extra`` more: - 10 >= 0
    holds (each product >= 1); 11 terms, size 53 + extra."""
    b = sp.symbols("b0:60", integer=True, positive=True)
    terms = [sp.Mul(*b[4 * i:4 * i + 4]) for i in range(10)]
    terms[0] *= sp.Mul(*b[40:40 + extra])
    return sp.Add(*terms) - 10


def test_the_size_limit_of_sympys_own_decision():
    at, past = _sized(7), _sized(8)
    assert len(at.args) <= C.SMALL and C.size(at) == 5 * C.SMALL
    assert C.size(past) == 5 * C.SMALL + 1
    # at the limit sympy decides (and cannot: the relation stays), past it the bounds do
    got = inequality(at)
    assert isinstance(got, sp.GreaterThan) and got.rhs == 10
    assert inequality(past) == sp.true


def test_a_long_difference_that_may_be_zero_is_not_false():
    # -(p0 + ... + p12) >= 0 holds when every p_i is 0: not shown false (d <= -1 fails)
    q = sp.symbols("q0:13", integer=True, nonnegative=True)
    d = -sp.Add(*q)
    assert len(d.args) > C.SMALL
    got = inequality(d)
    assert got != sp.false and isinstance(got, sp.GreaterThan)
    # and with every q_i >= 1 it is false
    assert inequality(-sp.Add(*sp.symbols("c0:13", integer=True, positive=True))) == sp.false


def test_a_long_difference_is_not_given_to_sympy():
    # sympy would show this >= 0 (positive terms and a square), the structural bounds
    # cannot bound z**2: left as a relation, unevaluated
    a = sp.symbols("a0:13", integer=True, positive=True)
    d = sp.Add(*a) + z ** 2
    assert sp.Ge(d, 0) is sp.true
    got = inequality(d)
    assert isinstance(got, sp.GreaterThan)
    assert got.lhs == d and got.rhs == 0


def test_without_budget_the_same_symbolic_part_still_keeps_only_the_strongest():
    # past PAIR_BUDGET no pair is compared; conditions differing in their constant only
    # are still reduced to the one with the smallest constant
    old = C.PAIR_BUDGET
    try:
        C.PAIR_BUDGET = 0
        conds = [_cond(sp.Ge(m, 2, evaluate=False), 1, "l1"),
                 _cond(sp.Ge(n - k, 3, evaluate=False), 2, "l2"),
                 _cond(sp.Ge(n - k, 1, evaluate=False), 3, "l3"),
                 _cond(sp.Ge(n - k, 5, evaluate=False), 4, "l4"),
                 _cond(sp.Eq(sp.Mod(n, 4), 0), 5, "l5"),
                 _cond(sp.Eq(sp.Mod(n, 2), 0), 6, "l6")]
        assert [c.layer for c in simplify_conditions(conds)] == ["l1", "l4", "l5"]
    finally:
        C.PAIR_BUDGET = old


def test_lower_bound_of_a_positive_factor_before_a_nonnegative_one():
    assert sp.Mul.make_args(n * p ** 2)[0] == n  # the positive factor comes first
    assert C._lower_bound(n * p ** 2, {}) == 0
