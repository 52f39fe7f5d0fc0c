"""solve.py, written from reading the module (mutation testing, docs/testing.md).

Problems are small stand-ins for a Derivation (a total and conditions in one symbol x),
so that every branch of ``solve`` can be reached in milliseconds.  Expected answers come
from a plain Python scan written here (``brute``) or from arithmetic by hand; the
monotonicity and period claims of the proof machinery are checked against a scan too."""

from types import SimpleNamespace as NS

import numpy as np
import pytest
import sympy as sp

from symparams import MissingValueError, ShapeError, SpecError
from symparams.algebra import solve as S
from symparams.algebra.solve import LIMIT, Solution, _Problem, _Proof, _Tail, _period, solve
from symparams.core.shape import CeilDiv, FloorDiv

X = sp.Symbol("x", integer=True, positive=True)
Z = sp.Symbol("z", integer=True, nonnegative=True)


def fake(total, *conditions, x=X, others=(), describe=lambda s: "", **costs):
    """The parts of a Derivation that solve reads."""
    symbols = {s.name: s for s in (x, *others)}
    return NS(symbols=symbols, free_symbols=frozenset(symbols.values()),
              conditions=[NS(relation=c) for c in conditions], total=total,
              describe=describe, **costs)


def brute(f, ok, kind, bound, lo, top):
    """Values lo..top (plain Python) that are valid and meet the goal."""
    goal = {"max_params": lambda t: t <= bound, "min_params": lambda t: t >= bound,
            "equals": lambda t: t == bound}[kind]
    return [v for v in range(lo, top + 1) if ok(v) and goal(f(v))]


def value_of(e, v):
    return int(e.xreplace({X: sp.Integer(v)}))


# -- Solution ---------------------------------------------------------------------------
def test_solution_to_dict():
    assert Solution("h", 3, 40, "g").to_dict() == {"symbol": "h", "value": 3, "total": 40}
    s = Solution("h", 3, 40, "g", (4, 50), 1_000_000)
    assert s.to_dict() == {"symbol": "h", "value": 3, "total": 40, "checked_up_to": 1_000_000}
    assert Solution("h", 3, 40, "g", None, 0).to_dict()["checked_up_to"] == 0


def test_solution_text():
    s = Solution("h", 1220, 999_930, "the largest value with total <= 1,000,000", (1221, 1_000_741))
    assert str(s) == ("h = 1220  (total 999,930; the largest value with total <= 1,000,000)\n"
                      "h = 1221 gives 1,000,741\n")
    s = Solution("k", 5, 12, "goal", (4, None), quantity="MACs")
    assert str(s) == "k = 5  (MACs 12; goal)\nk = 4 is not valid\n"
    assert str(Solution("k", 0, 7, "goal")) == "k = 0  (total 7; goal)\n"
    assert str(Solution("k", 1, 7, "goal", (0, 0))) == "k = 1  (total 7; goal)\nk = 0 gives 0\n"


# -- _Problem ---------------------------------------------------------------------------
def test_missing_values_are_listed_with_their_descriptions_in_order():
    a = sp.Symbol("a", integer=True, positive=True)
    b2 = sp.Symbol("b2", integer=True, positive=True)
    b10 = sp.Symbol("b10", integer=True, positive=True)
    d = fake(X + a + b2 + b10, others=(b10, a, b2),
             describe=lambda s: "the width" if s.name == "a" else "")
    with pytest.raises(MissingValueError) as info:
        solve(d, "x", max_params=10)
    assert str(info.value) == ("solving needs values for every other symbol: a (the width), "
                               "b2 (no description), b10 (no description)")


def test_quantity_errors():
    d = fake(X, macs=sp.Integer(5))
    with pytest.raises(SpecError) as info:
        solve(d, "x", max_params=10, of="bogus")
    assert str(info.value) == "unknown quantity 'bogus'; one of params, macs, flops, activations"
    with pytest.raises(SpecError) as info:
        solve(fake(sp.Integer(5)), "x", max_params=10)
    assert str(info.value) == "the total does not depend on x"
    with pytest.raises(SpecError) as info:
        solve(d, "x", max_params=10, of="macs")
    assert str(info.value) == "the MACs does not depend on x"


def test_each_quantity_is_read_from_its_own_attribute():
    d = fake(X, macs=7 * X, flops=lambda: 3 * X, activations=5 * X)
    assert solve(d, "x", max_params=100).value == 100
    s = solve(d, "x", max_params=100, of="macs")
    assert (s.value, s.total, s.quantity) == (14, 98, "MACs")
    assert s.goal == "the largest value with MACs <= 100"
    assert str(s) == ("x = 14  (MACs 98; the largest value with MACs <= 100)\n"
                      "x = 15 gives 105\n")
    s = solve(d, "x", max_params=100, of="flops")
    assert (s.value, s.quantity) == (33, "FLOPs")
    s = solve(d, "x", min_params=100, of="activations")
    assert (s.value, s.total, s.quantity, s.neighbour) == (20, 100, "activations", (19, 95))
    assert s.goal == "the smallest value with activations >= 100"
    with pytest.raises(ShapeError) as info:
        solve(d, "x", max_params=4, of="macs")
    assert str(info.value) == "no valid integer x gives MACs <= 4"


def test_least_value_is_1_for_a_positive_symbol_and_0_otherwise():
    s = solve(fake(Z + 3, x=Z), "z", min_params=0)
    assert (s.value, s.total, s.neighbour) == (0, 3, None)
    s = solve(fake(Z + 3, x=Z), "z", min_params=4)
    assert (s.value, s.neighbour) == (1, (0, 3))
    s = solve(fake(X + 3), "x", min_params=0)
    assert (s.value, s.total, s.neighbour) == (1, 4, None)
    s = solve(fake(Z + 3, x=Z), "z", max_params=3)
    assert (s.value, s.neighbour) == (0, (1, 4))
    with pytest.raises(ShapeError) as info:
        solve(fake(X + 3), "x", max_params=3)
    assert str(info.value) == "no valid integer x gives a total <= 3"


def test_a_zero_divisor_makes_a_value_invalid_not_an_error():
    # floor(100 / floor(x/10)): x < 10 divides by zero
    q = FloorDiv(100, FloorDiv(X, 10))
    p = _Problem(fake(X + q, q >= 1, X <= 500), "x")
    assert p.ok(9) is False  # codegen's guard: the divisor is 0 there
    assert p.ok(10) is True and p.condition(0, 10) is True
    assert p.condition(1, 10) is True and p.condition(1, 501) is False
    assert p.condition(0, 1009) is True and p.condition(0, 1010) is False  # 100 // 101 = 0
    assert p.f(10) == 110 and p.f(25) == 25 + 50
    s = solve(fake(X + q, q >= 1, X <= 500), "x", min_params=0)
    assert (s.value, s.total, s.neighbour) == (10, 110, (9, None))


def test_condition_reads_the_condition_it_is_asked_for():
    p = _Problem(fake(X, X >= 3, X <= 7, X >= 5), "x")
    assert [p.condition(0, v) for v in (2, 3, 8)] == [False, True, True]
    assert [p.condition(1, v) for v in (2, 7, 8)] == [True, True, False]
    assert [p.condition(2, v) for v in (4, 5)] == [False, True]
    assert [p.ok(v) for v in (4, 5, 7, 8)] == [False, True, True, False]


def test_scan_is_exact_past_int64_and_below_it():
    p = _Problem(fake(3 * X + 1, sp.Eq(sp.Mod(X, 2), 0)), "x")
    for a, b in ((1, 9), (2 ** 62 - 3, 2 ** 62), (2 ** 62 - 2, 2 ** 62 - 1), (2 ** 62, 2 ** 62 + 2)):
        xs, total, ok = p.scan(a, b)
        assert xs.tolist() == list(range(a, b + 1))
        assert total.tolist() == [3 * v + 1 for v in range(a, b + 1)]
        assert [bool(o) for o in ok] == [v % 2 == 0 for v in range(a, b + 1)]
        assert xs.dtype == object and total.dtype == object


# -- binary search ---------------------------------------------------------------------
def test_first_true_and_interval_against_a_scan():
    for a in range(0, 4):
        for b in range(a, 12):
            for t in range(a, b + 2):
                rising = lambda v, t=t: v >= t  # noqa: E731
                falling = lambda v, t=t: v < t  # noqa: E731
                if a < t <= b:
                    assert S._first_true(rising, a, b) == t
                inside = [v for v in range(a, b + 1) if rising(v)]
                assert S._interval(rising, a, b) == ((inside[0], inside[-1]) if inside else None)
                inside = [v for v in range(a, b + 1) if falling(v)]
                assert S._interval(falling, a, b) == ((inside[0], inside[-1]) if inside else None)
    calls = []
    assert S._interval(lambda v: calls.append(v) or v <= 2 ** 61, 1, LIMIT) == (1, 2 ** 61)
    assert len(calls) < 70


# -- monotonicity and sign on the tail -------------------------------------------------
TAIL_CASES = [  # (expression, start, (mono, sign)) by hand
    (sp.Integer(3), 1, (0, 1)), (sp.Integer(-2), 1, (0, -1)), (sp.Integer(0), 1, (0, 0)),
    (sp.Rational(1, 2), 1, (0, 1)), (X, 1, (1, 1)), (X + 3, 1, (1, 1)),
    (X - 3, 1, (1, None)), (X - 3, 3, (1, 1)), (X - 3, 5, (1, 1)), (X - 3, 2, (1, None)),
    (3 - X, 5, (-1, -1)), (3 - X, 3, (-1, -1)), (3 - X, 1, (-1, None)), (3 - X, 2, (-1, None)),
    (2 * X, 1, (1, 1)), (-2 * X, 1, (-1, -1)), (X * (X + 1), 1, (1, 1)),
    (X * (X - 3), 3, (1, 1)), (X * (X - 3), 1, (None, None)), (X * (5 - X), 10, (-1, -1)),
    (-X * (X + 1), 1, (-1, -1)), (X * (X + 1) * (X + 2), 1, (1, 1)),
    ((X + 1) * (5 - X), 6, (-1, -1)), ((X + 1) * (X - 5), 1, (None, None)),
    (X ** 2, 1, (1, 1)), ((X - 10) ** 3, 10, (1, 1)), ((5 - X) ** 2, 5, (1, 1)),
    ((5 - X) ** 3, 5, (-1, -1)), ((X - 3) ** 2, 1, (None, None)), (X ** -1, 1, (-1, 1)),
    ((X + 2) ** -2, 1, (-1, 1)), ((X - 3) ** -1, 1, (None, None)), ((X - 3) ** -1, 4, (-1, 1)),
    (sp.sqrt(X), 1, (None, None)), (sp.sin(X), 1, (None, None)), (sp.sqrt(2) + 0 * X, 1, (None, None)),
    (FloorDiv(X, 3), 1, (1, 1)), (CeilDiv(X + 1, 4), 1, (1, 1)), (-FloorDiv(X, 3), 1, (-1, -1)),
    (FloorDiv(X + 27, 2 * X), 1, (-1, 1)), (CeilDiv(X + 27, 2 * X), 1, (-1, 1)),
    (sp.floor((X + 1) / 3), 1, (1, 1)), (sp.ceiling(X / 2), 1, (1, 1)),
    (sp.floor(X / (X - 5)), 1, (None, None)), (sp.floor(X / (X - 5)), 6, (-1, 1)),
    (sp.floor(X / (10 - X)), 1, (None, None)), (FloorDiv(100, X), 1, (-1, 1)),
    # x**2/(x + 1) = x - 1 + 1/(x + 1): a rising and a falling part, only the sign is known
    (FloorDiv(X ** 2, X + 1), 1, (None, 1)), (sp.floor((X ** 2 + 2 * X) / (X + 1)), 1, (1, None)),
    (sp.floor((2 * X ** 2 + 3 * X) / X), 1, (1, 1)), (FloorDiv(X + 2, X + 1), 1, (-1, 1)),
    (sp.floor((X ** 2 - 50) / X), 1, (1, None)), (sp.floor((X ** 2 + 7) / (X + 1)), 1, (None, 1)),
    (sp.floor((X ** 3 + 1) / (X ** 2 + 1)), 1, (None, None)),
    (FloorDiv(sp.sin(X), 2), 1, (None, None)), (sp.floor(sp.sqrt(X) * X / (X + 1)), 1, (None, None)),
    (X ** 2 - 10 * X, 1, (None, None)),
    (X ** 2 - 10 * X, 12, (None, None)), (X * (X - 10), 12, (1, 1)), (sp.Mod(X, 3), 1, (None, None)),
]


@pytest.mark.parametrize("e, start, expected", TAIL_CASES, ids=lambda c: str(c))
def test_tail_info_by_hand_and_against_a_scan(e, start, expected):
    tail = _Tail(X, start)
    assert tail.info(e) == expected
    assert tail.info(e) == expected  # remembered
    mono, sign = expected
    vals = [e.xreplace({X: sp.Integer(v)}) for v in range(start, start + 60)]
    if mono is not None:
        assert all(mono * (b - a) >= 0 for a, b in zip(vals, vals[1:])), vals
    if sign is not None:
        assert all(sign * v >= 0 if sign else v == 0 for v in vals), vals


def test_tail_helpers():
    tail = _Tail(X, 4)
    assert tail.value_at_start(X * X - 1) == 15
    assert tail.value_at_start(sp.sqrt(X)) == 2
    assert tail.value_at_start(sp.sqrt(X + 1)) is None
    assert tail._positive(sp.Integer(2)) and not tail._positive(sp.Integer(0))
    assert not tail._positive(sp.Integer(-1))
    assert tail._positive(X - 3) and not tail._positive(X - 4) and not tail._positive(X - 5)
    assert not tail._positive(10 - X) and not tail._positive(sp.sin(X))
    assert tail._reciprocal(X) == (-1, 1) and tail._reciprocal(sp.Integer(3)) == (0, 1)
    assert tail._reciprocal(sp.sin(X)) == (None, 1)
    assert tail._reciprocal(-X) == (1, 1)
    assert S._sign(5) == 1 and S._sign(-5) == -1 and S._sign(0) == 0
    assert S._sign(sp.Rational(1, 3)) == 1 and S._sign(sp.Rational(-1, 3)) == -1


def test_tail_sum_and_product_tables():
    assert _Tail._sum([(0, 0), (0, 0)]) == (0, 0)
    assert _Tail._sum([(0, 1), (1, 0), (1, 1)]) == (1, 1)
    assert _Tail._sum([(0, -1), (-1, 0), (-1, -1)]) == (-1, -1)
    assert _Tail._sum([(1, 1), (-1, -1)]) == (None, None)
    assert _Tail._sum([(1, None), (0, 1)]) == (1, None)
    assert _Tail._sum([(None, 1), (1, 1)]) == (None, 1)
    assert _Tail._product([]) == (0, 1)
    assert _Tail._product([(0, -1)]) == (0, -1)
    assert _Tail._product([(0, 0), (1, 1)]) == (0, 0)
    assert _Tail._product([(1, 1), (0, -1)]) == (-1, -1)
    assert _Tail._product([(0, -1), (1, 1)]) == (-1, -1)
    assert _Tail._product([(1, 1), (1, 1)]) == (1, 1)
    assert _Tail._product([(-1, -1), (-1, -1)]) == (1, 1)
    assert _Tail._product([(1, 1), (-1, -1)]) == (-1, -1)
    assert _Tail._product([(1, 1), (-1, 1)]) == (None, None)  # rising times falling
    assert _Tail._product([(1, -1), (1, -1)]) == (-1, 1)  # both rise towards 0: |product| falls
    assert _Tail._product([(1, -1), (-1, -1)]) == (None, None)
    assert _Tail._product([(1, 1), (1, 0)]) == (None, None)
    assert _Tail._product([(1, 0), (1, 1)]) == (None, None)
    assert _Tail._product([(1, None)]) == (None, None)
    assert _Tail._product([(None, 1)]) == (None, None)
    assert _Tail._product([(0, 1), (None, 1)]) == (None, None)


def test_tail_product_of_two_falling_negatives_rises():
    # (-x)(-x) = x**2 with both factors falling and negative: (1, 1), checked
    e = sp.Mul(-X, -X - 1, evaluate=False)
    tail = _Tail(X, 1)
    assert tail.info(e) == (1, 1)
    vals = [value_of(e, v) for v in range(1, 40)]
    assert vals == sorted(vals) and min(vals) >= 0


# -- periods ------------------------------------------------------------------------
PERIOD_CASES = [  # (expression, modulus, period by hand)
    (sp.Integer(7), 5, 1), (sp.Rational(1, 2), 5, None), (X, 5, 5), (X + 3, 5, 5),
    (X + sp.Rational(1, 2), 5, None), (2 * X, 6, 6), (X / 2, 6, None), (2 * X + 1, 3, 3),
    (X ** 2, 4, 4), (X ** 3 + X, 3, 3), (1 / X, 3, None), (X ** 2 + 5 * X + 6, 7, 7),
    (FloorDiv(X, 3), 2, 6), (FloorDiv(X + 1, 3), 2, 6), (sp.floor(X / 3), 2, 6),
    (sp.floor((X + 1) / 4), 3, 12), (CeilDiv(X + 1, 4), 3, 12), (sp.ceiling(X / 5), 1, 5),
    (FloorDiv(X ** 2, 3), 2, 6), (2 * FloorDiv(X, 3), 4, 12), (FloorDiv(2 * X, 3), 2, 6),
    (FloorDiv(X, 2) + FloorDiv(X, 3), 2, 12), (X * FloorDiv(X, 2), 3, 6),
    (FloorDiv(X, X + 1), 2, None), (sp.floor(X / (X - 5)), 2, None),
    (FloorDiv(FloorDiv(X, 2), 3), 2, 12), (sp.floor(X / 2 + sp.Rational(1, 3)), 2, 12),
    (sp.Mod(X, 4), 3, 4), (sp.Mod(X + 1, 6), 2, 6), (sp.Mod(X ** 2, 5), 7, 5),
    (sp.Mod(2 * X, 7), 9, 7), (sp.Mod(FloorDiv(X, 2), 3), 5, 6),
    (X + sp.sin(X), 3, None), (sp.sin(X), 3, None), (sp.sqrt(X), 3, None),
    (X ** sp.Rational(1, 2) + 1, 3, None), (X ** -2, 3, None), (3 * X * X, 5, 5),
    (sp.floor((X ** 2 + X) / X), 3, 3),  # the fraction is x + 1: denominator 1
    (sp.Rational(1, 2) * X * (X + 1), 3, None),
]


@pytest.mark.parametrize("e, m, expected", PERIOD_CASES, ids=lambda c: str(c))
def test_period_by_hand_and_against_a_scan(e, m, expected):
    assert _period(e, X, m) == expected
    if expected is not None and e.has(X):
        vals = [value_of(e, v) for v in range(1, 3 * expected + 20)]
        assert all((vals[i + expected] - vals[i]) % m == 0 for i in range(len(vals) - expected))


def test_period_of_a_mod_by_a_symbol_or_a_negative_number_is_unproved():
    y = sp.Symbol("y", integer=True, positive=True)
    assert _period(sp.Mod(X, y), X, 3) is None
    assert _period(sp.Mod(X, -3), X, 3) is None
    assert _period(y, X, 3) is None  # free of x, but not a number
    assert _period(X * y, X, 3) is None


# -- classifying conditions -----------------------------------------------------------
CLASSIFY_CASES = [  # (relation, start, kind by hand)
    (sp.true, 1, "monotone"), (X >= 5, 1, "monotone"), (X > 5, 1, "monotone"),
    (X <= 5, 1, "monotone"), (X < 5, 1, "monotone"), (sp.Ge(5, X), 1, "monotone"),
    (sp.Le(X * X - 10 * X, 3), 1, None), (sp.Le(X * X - 10 * X, 3), 12, None),
    (sp.Le(X * (X - 10), 3), 12, "monotone"),
    (sp.Gt(X * X - 10 * X, 3), 1, None), (sp.Lt(X * X - 10 * X, 3), 1, None),
    (sp.Ge(X * X - 10 * X, 3), 1, None), (sp.Ne(X, 3), 1, None),
    (sp.Eq(sp.Mod(X, 3), 0), 1, 3), (sp.Eq(sp.Mod(X + 1, 3), 0), 1, 3),
    (sp.Eq(sp.Mod((X + 1) / 2, 3), 0), 1, 6), (sp.Eq(sp.Mod(FloorDiv(X, 2), 3), 0), 1, 6),
    (sp.Eq(sp.Mod(X, 3), 1), 1, None), (sp.Eq(sp.Mod(X * X, 4), 0), 1, 4),
    (sp.Eq(sp.Mod(sp.sin(X), 3), 0), 1, None), (sp.Eq(sp.Mod(FloorDiv(X, 3) / (X + 2), 3), 0), 1, None),
    (sp.Eq(sp.Mod(12, X), 0), 1, None), (sp.Eq(sp.Mod(12, X), 0), 12, None),
    (sp.Eq(sp.Mod(12, X), 0), 13, "monotone"), (sp.Eq(sp.Mod(-12, X), 0), 13, "monotone"),
    (sp.Eq(sp.Mod(-12, X), 0), 12, None),
    (sp.Eq(sp.Mod(sp.Rational(7, 2), X), 0), 4, "monotone"),
    (sp.Eq(sp.Mod(sp.Rational(7, 2), X), 0), 3, None),
    (sp.Eq(sp.Mod(12, 2 * X + 1), 0), 6, "monotone"), (sp.Eq(sp.Mod(12, 2 * X + 1), 0), 5, None),
    (sp.Eq(sp.Mod(12, 20 - X), 0), 1, None), (sp.Eq(sp.Mod(12, X - 20), 0), 1, None),
    (sp.Eq(sp.Mod(X, FloorDiv(X, 2)), 0), 4, None), (sp.Eq(X, 5), 1, None),
    # both sides vary: x**2 - (x**2 - x + 5) = x - 5 rises, the sum of the sides does not
    (sp.Le(X ** 2, X ** 2 - X + 5, evaluate=False), 1, "monotone"),
    (sp.Le(X ** 2 - X, X ** 2 + 5, evaluate=False), 1, "monotone"),
    # "(x + 1)/2 is whole" (modulus 1): 2 divides x + 1, period 2
    (sp.Eq(sp.Mod(X / 2 + sp.Rational(1, 2), 1), 0), 1, 2),
    # a falling modulus floor(1000/x) + 1 is positive but no proof: it reaches 1, which
    # divides 12 (see the scan below)
    (sp.Eq(sp.Mod(12, FloorDiv(1000, X) + 1), 0), 1, None),
]


@pytest.mark.parametrize("rel, start, expected", CLASSIFY_CASES, ids=lambda c: str(c))
def test_classify_by_hand(rel, start, expected):
    assert _Proof._classify(_Tail(X, start), X, rel) == expected


def test_a_falling_modulus_is_not_constant():
    rel = sp.Eq(sp.Mod(12, FloorDiv(1000, X) + 1), 0)
    truth = {bool(rel.xreplace({X: sp.Integer(v)})) for v in range(1, 1200)}
    assert truth == {True, False}
    assert [v for v in range(1, 1200) if 12 % (1000 // v + 1) == 0] == \
        [v for v in range(1, 1200) if bool(rel.xreplace({X: sp.Integer(v)}))]


def test_a_constant_divisibility_is_constant_from_where_the_modulus_passes_it():
    # "x divides 12" is false for every x > 12: the claimed "monotone" kind holds
    rel = sp.Eq(sp.Mod(12, X), 0)
    assert [v for v in range(1, 60) if bool(rel.xreplace({X: sp.Integer(v)}))] == [1, 2, 3, 4, 6, 12]


# -- proofs ---------------------------------------------------------------------------
def test_proof_span_rising_and_period():
    p = _Problem(fake(3 * X + 1, X >= 5, X <= 100, sp.Eq(sp.Mod(X, 4), 0),
                      sp.Eq(sp.Mod(X, 6), 0)), "x")
    proof = _Proof(p, 1)
    assert (proof.ok, proof.span, proof.period, proof.monotone, proof.rising) == \
        (True, (5, 100), 12, [0, 1], 1)
    proof = _Proof(_Problem(fake(FloorDiv(10 ** 6, X), X <= 10 ** 8), "x"), 1)
    assert (proof.ok, proof.span, proof.period, proof.rising) == (True, (1, 10 ** 8), 1, -1)
    proof = _Proof(_Problem(fake(X, X >= 50, X <= 10), "x"), 1)
    assert (proof.ok, proof.span) == (True, None)
    proof = _Proof(_Problem(fake(X, X <= 10, X >= 50), "x"), 1)
    assert (proof.ok, proof.span) == (True, None)
    proof = _Proof(_Problem(fake(X, X >= 2 ** 63), "x"), 1)
    assert (proof.ok, proof.span) == (True, None)
    proof = _Proof(_Problem(fake(X, X >= 10, sp.Le(X * X - 10 * X, 3)), "x"), 1)
    assert (proof.ok, proof.span) == (False, None)
    proof = _Proof(_Problem(fake(X, sp.Le(X * X - 10 * X, 3), X >= 10), "x"), 1)
    assert (proof.ok, proof.span) == (False, None)
    proof = _Proof(_Problem(fake(X + sp.Mod(X, 3), X >= 7), "x"), 3)
    assert (proof.ok, proof.span, proof.rising, proof.start) == (True, (7, LIMIT), None, 3)


def test_proof_period_limit():
    ok = _Proof(_Problem(fake(X, sp.Eq(sp.Mod(X, 10 ** 6), 0)), "x"), 1)
    assert (ok.ok, ok.period) == (True, 10 ** 6)
    ok = _Proof(_Problem(fake(X, sp.Eq(sp.Mod(X, 1000), 0), sp.Eq(sp.Mod(X, 500), 0)), "x"), 1)
    assert (ok.ok, ok.period) == (True, 1000)
    too_long = _Proof(_Problem(fake(X, sp.Eq(sp.Mod(X, 1000), 0), sp.Eq(sp.Mod(X, 1001), 0),
                                    X >= 3), "x"), 1)
    assert too_long.ok is False and too_long.monotone == []
    too_long = _Proof(_Problem(fake(X, sp.Eq(sp.Mod(X, 10 ** 6 + 1), 0)), "x"), 1)
    assert too_long.ok is False


def test_proof_start_moves_past_the_numbers_in_the_problem():
    # x(x - 10) is not provably monotone from 1; past 1 + (10 + 1) it is
    p = _Problem(fake(X * (X - 10) + 100), "x")
    proof = S._proof(p)
    consts = 10 + 100
    assert (proof.start, proof.rising, proof.span) == (1 + consts + 1, 1, (1 + consts + 1, LIMIT))
    proof = S._proof(_Problem(fake(Z * (Z - 10) + 100, x=Z), "z"))
    assert proof.start == 0 + consts + 1
    assert S._proof(_Problem(fake(3 * X + 1), "x")).start == 1
    # the numbers are counted once each: {2, -7}, start 1 + 9 + 1
    assert S._proof(_Problem(fake(FloorDiv(X * (2 * X - 7), 2)), "x")).start == 11
    # a fraction counts up: 7/2 rounds up to 4, start 1 + 4 + 1
    assert S._proof(_Problem(fake(X * (X - sp.Rational(7, 2))), "x")).start == 6
    # a large number: the start stops at SCAN_LIMIT past lo
    proof = S._proof(_Problem(fake(X * (X - 10 ** 7)), "x"))
    assert proof is None
    assert _Proof(_Problem(fake(X * (X - 10 ** 7)), "x"), 1 + S.SCAN_LIMIT).ok


def test_proof_is_refused_when_an_unbounded_span_has_an_unproved_total():
    # total x + (x mod 3): no monotonicity; span unbounded: no proof, a bounded scan
    assert S._proof(_Problem(fake(X + sp.Mod(X, 3)), "x")) is None
    # the span ends within SCAN_LIMIT: the proof is kept (everything is scanned)
    proof = S._proof(_Problem(fake(X + sp.Mod(X, 3), X <= 10 ** 6), "x"))
    assert proof is not None and proof.span == (1, 10 ** 6) and proof.rising is None
    assert S._proof(_Problem(fake(X + sp.Mod(X, 3), X <= 10 ** 6 + 1), "x")) is None
    proof = S._proof(_Problem(fake(X + sp.Mod(X, 3), X >= 10 ** 7, X <= 5), "x"))
    assert proof is not None and proof.span is None


# -- solve: input -----------------------------------------------------------------------
def test_solve_input_errors():
    d = fake(3 * X + 1)
    for kwargs in ({}, {"max_params": 1, "equals": 2}, {"min_params": 1, "max_params": 2},
                   {"max_params": 1, "min_params": 2, "equals": 3}):
        with pytest.raises(SpecError) as info:
            solve(d, "x", **kwargs)
        assert str(info.value) == "give exactly one of max_params, min_params or equals"
    for kwargs, text in (({"max_params": True}, "max_params must be an integer, got a bool"),
                         ({"min_params": 2.0}, "min_params must be an integer, got a float"),
                         ({"equals": "7"}, "equals must be an integer, got a str")):
        with pytest.raises(SpecError) as info:
            solve(d, "x", **kwargs)
        assert str(info.value) == text
    assert solve(d, "x", equals=np.int64(31)).value == 10
    assert solve(d, "x", max_params=33).value == 10
    with pytest.raises(SpecError) as info:
        solve(d, "x", max_params=2 ** 3322)
    assert str(info.value) == "max_params has more than 1,000 digits"
    big = 2 ** 3322 - 1
    with pytest.raises(ShapeError, match="no valid integer x gives a total >= 10,511,037"):
        solve(d, "x", min_params=big)  # accepted, but past 3 * 2**62 + 1


# -- solve: the branches --------------------------------------------------------------
def test_monotone_total_answers_by_hand_far_past_any_scan():
    d = fake(3 * X + 1)
    s = solve(d, "x", max_params=10 ** 15)
    v = (10 ** 15 - 1) // 3
    assert (s.value, s.total, s.neighbour) == (v, 10 ** 15, (v + 1, 10 ** 15 + 3))
    assert s.checked_up_to is None
    assert s.goal == "the largest value with total <= 1,000,000,000,000,000"
    s = solve(d, "x", min_params=10 ** 15)
    assert (s.value, s.neighbour) == (333_333_333_333_333, (333_333_333_333_332, 10 ** 15 - 3))
    assert s.goal == "the smallest value with total >= 1,000,000,000,000,000"
    s = solve(d, "x", equals=3 * 10 ** 7 + 1)
    assert (s.value, s.total) == (10 ** 7, 3 * 10 ** 7 + 1)
    assert s.goal == "the smallest value with total = 30,000,001"
    assert s.neighbour == (10 ** 7 - 1, 3 * 10 ** 7 - 2)
    with pytest.raises(ShapeError) as info:
        solve(d, "x", equals=3 * 10 ** 7)
    assert str(info.value) == "no valid integer x gives exactly 30,000,000"
    with pytest.raises(ShapeError) as info:
        solve(d, "x", max_params=3)
    assert str(info.value) == "no valid integer x gives a total <= 3"
    assert solve(d, "x", max_params=4).value == 1
    assert solve(d, "x", min_params=5).value == 2
    assert solve(d, "x", equals=4).value == 1
    with pytest.raises(ShapeError) as info:
        solve(d, "x", min_params=3 * LIMIT + 2)
    assert str(info.value) == "no valid integer x gives a total >= 13,835,058,055,282,163,714"
    assert solve(d, "x", min_params=3 * LIMIT + 1).value == LIMIT


def test_no_largest_value():
    with pytest.raises(ShapeError) as info:
        solve(fake(X), "x", max_params=LIMIT + 5)
    assert str(info.value) == ("the total stays <= 4,611,686,018,427,387,909 for valid values "
                               "of x up to 2**62: there is no largest value")
    assert solve(fake(X), "x", max_params=LIMIT - 1).value == LIMIT - 1
    # the bound is met exactly at the end of the range: 2**62 is the largest value
    assert solve(fake(X), "x", max_params=LIMIT).value == LIMIT
    assert solve(fake(2 * X), "x", max_params=2 * LIMIT + 1).value == LIMIT
    with pytest.raises(ShapeError, match="no largest value"):
        solve(fake(FloorDiv(10 ** 6, X)), "x", max_params=10)
    # only odd values are valid and LIMIT is even: the last period still has one
    with pytest.raises(ShapeError, match="no largest value"):
        solve(fake(X, sp.Eq(sp.Mod(X + 1, 2), 0)), "x", max_params=LIMIT + 5)


def test_periodic_conditions_in_the_tail_against_a_scan():
    # 3x + 1 <= 10**6 and 7 | x: the largest multiple of 7 up to 333,333
    d = fake(3 * X + 1, sp.Eq(sp.Mod(X, 7), 0))
    want = brute(lambda v: 3 * v + 1, lambda v: v % 7 == 0, "max_params", 10 ** 6, 333_000, 333_400)
    assert solve(d, "x", max_params=10 ** 6).value == want[-1] == 333_333
    # the answer is the first value of the last period: b = 3,333,339 (4 mod 5)
    d5 = fake(3 * X + 1, sp.Eq(sp.Mod(X, 5), 0))
    bound = 3 * 3_333_339 + 1
    want = brute(lambda v: 3 * v + 1, lambda v: v % 5 == 0, "max_params", bound, 3_333_300, 3_333_400)
    assert want[-1] == 3_333_335 and solve(d5, "x", max_params=bound).value == 3_333_335
    # the answer is the last value of the first period: a = 3,333,336 (1 mod 5)
    bound = 3 * 3_333_336 + 1
    want = brute(lambda v: 3 * v + 1, lambda v: v % 5 == 0, "min_params", bound, 3_333_300, 3_333_400)
    assert want[0] == 3_333_340 and solve(d5, "x", min_params=bound).value == 3_333_340
    # equals: none of the values in the interval is valid
    with pytest.raises(ShapeError) as info:
        solve(d5, "x", equals=3 * 3_333_336 + 1)
    assert str(info.value) == "no valid integer x gives exactly 10,000,009"
    assert solve(d5, "x", equals=3 * 3_333_340 + 1).value == 3_333_340
    # a long interval of the tail (from 2,000,001) whose last period holds no multiple of
    # 1000: no answer there, and none below (x >= 2,000,001)
    d3 = fake(3 * X + 1, sp.Eq(sp.Mod(X, 1000), 0), X >= 2_000_001)
    with pytest.raises(ShapeError) as info:
        solve(d3, "x", max_params=3 * 2_000_500 + 1)
    assert str(info.value) == "no valid integer x gives a total <= 6,001,501"
    assert not brute(lambda v: 3 * v + 1, lambda v: v % 1000 == 0 and v >= 2_000_001,
                     "max_params", 3 * 2_000_500 + 1, 1_999_000, 2_000_600)
    assert solve(d3, "x", max_params=3 * 2_001_000 + 1).value == 2_001_000
    with pytest.raises(ShapeError) as info:
        solve(d3, "x", equals=3 * 2_000_500 + 1)
    assert str(info.value) == "no valid integer x gives exactly 6,001,501"
    # no valid value in the last period below the bound
    d2 = fake(3 * X + 1, sp.Eq(sp.Mod(X, 10), 0), X <= 5)
    with pytest.raises(ShapeError):
        solve(d2, "x", max_params=10 ** 6)


def test_falling_total_in_the_tail():
    # floor(10**9 / x) with x even and x <= 10**7 - 1
    d = fake(FloorDiv(10 ** 9, X), sp.Eq(sp.Mod(X, 2), 0), X <= 10 ** 7 - 1)
    assert solve(d, "x", max_params=1000).value == 10 ** 7 - 2
    s = solve(d, "x", min_params=1000)
    want = brute(lambda v: 10 ** 9 // v, lambda v: v % 2 == 0, "min_params", 1000, 1, 10)
    assert s.value == want[0] == 2 and s.neighbour == (1, None)
    want = brute(lambda v: 10 ** 9 // v, lambda v: v % 2 == 0, "max_params", 10 ** 6,
                 10 ** 7 - 100, 10 ** 7 - 1)  # every x >= 1000 has a total <= 10**6
    s = solve(d, "x", max_params=10 ** 6)
    assert s.value == want[-1] == 10 ** 7 - 2 and s.neighbour == (10 ** 7 - 1, None)
    # the smallest even x with floor(10**9 / x) <= 10**6 - 1 ... as min over "equals"
    want = brute(lambda v: 10 ** 9 // v, lambda v: v % 2 == 0, "equals", 999, 10 ** 6 - 10,
                 10 ** 6 + 2000)
    assert solve(d, "x", equals=999).value == want[0]


def test_a_bounded_span_is_scanned_whole():
    # x <= 500: everything is scanned; a non-monotone total (x mod 7 matters)
    d = fake(X + 10 * sp.Mod(X, 7), X <= 500, X >= 3)
    f, ok = (lambda v: v + 10 * (v % 7)), (lambda v: 3 <= v <= 500)
    for kind, bound in (("max_params", 100), ("max_params", 530), ("min_params", 60),
                        ("equals", 47), ("max_params", 10 ** 9)):
        want = brute(f, ok, kind, bound, 1, 600)
        s = solve(d, "x", **{kind: bound})
        assert s.value == (want[-1] if kind == "max_params" else want[0]), (kind, bound)
        assert s.checked_up_to is None
    with pytest.raises(ShapeError) as info:
        solve(d, "x", equals=48)
    assert str(info.value) == "no valid integer x gives exactly 48"
    assert not brute(f, ok, "equals", 48, 1, 600)


def test_no_proof_scans_up_to_a_stated_bound():
    d = fake(X + 5 * sp.Mod(X, 2))  # not provably monotone: one million values scanned
    f, ok = (lambda v: v + 5 * (v % 2)), (lambda v: True)
    s = solve(d, "x", max_params=10 ** 6)
    want = brute(f, ok, "max_params", 10 ** 6, 999_000, 10 ** 6)
    assert (s.value, s.checked_up_to) == (want[-1], 10 ** 6) == (10 ** 6, 10 ** 6)
    assert s.goal == ("the largest value with total <= 1,000,000 up to 1,000,000; "
                      "larger values were not checked")
    assert s.to_dict()["checked_up_to"] == 10 ** 6
    s = solve(d, "x", max_params=10 ** 6 - 2)
    assert s.value == brute(f, ok, "max_params", 10 ** 6 - 2, 999_000, 10 ** 6)[-1] == 999_998
    s = solve(d, "x", min_params=7)
    assert (s.value, s.checked_up_to) == (brute(f, ok, "min_params", 7, 1, 20)[0], None) == (3, None)
    s = solve(d, "x", equals=70_000)  # 69,995 + 5
    assert s.value == brute(f, ok, "equals", 70_000, 69_000, 71_000)[0] == 69_995
    with pytest.raises(ShapeError) as info:
        solve(d, "x", max_params=1)
    assert str(info.value) == ("no valid integer x gives a total <= 1 among 1 ... 1,000,000; "
                               "larger values were not checked (the total is not provably "
                               "monotone in x)")
    with pytest.raises(ShapeError) as info:
        solve(fake(Z + 5 * sp.Mod(Z, 2), x=Z), "z", equals=2 * 10 ** 6)
    assert str(info.value) == ("no valid integer z gives exactly 2,000,000 among 0 ... 999,999; "
                               "larger values were not checked (the total is not provably "
                               "monotone in z)")
    s = solve(fake(Z + 5 * sp.Mod(Z, 2), x=Z), "z", max_params=2 * 10 ** 6)
    assert (s.value, s.checked_up_to) == (999_999, 999_999)


def test_hits_in_blocks(monkeypatch):
    monkeypatch.setattr(S, "BLOCK", 7)
    p = _Problem(fake(3 * X + 1, sp.Eq(sp.Mod(X, 3), 0)), "x")
    for a, b in ((1, 1), (1, 6), (1, 7), (1, 8), (2, 30), (5, 21), (4, 3)):
        got = S._hits(p, a, b, lambda t: t >= 10).tolist()
        assert got == [v for v in range(a, b + 1) if v % 3 == 0 and 3 * v + 1 >= 10], (a, b)
    # a scan across several blocks finds the same answers
    d = fake(X + 10 * sp.Mod(X, 7), X <= 60)
    f = lambda v: v + 10 * (v % 7)  # noqa: E731
    assert solve(d, "x", max_params=55).value == brute(f, lambda v: v <= 60, "max_params", 55, 1, 60)[-1]
    assert solve(d, "x", equals=53).value == brute(f, lambda v: v <= 60, "equals", 53, 1, 60)[0]


def test_the_total_past_the_answer_is_reported():
    d = fake(3 * X + 1, X <= 10)
    s = solve(d, "x", max_params=100)
    assert (s.value, s.neighbour) == (10, (11, None))
    s = solve(d, "x", max_params=20)
    assert (s.value, s.neighbour) == (6, (7, 22))
    assert str(s) == ("x = 6  (total 19; the largest value with total <= 20)\n"
                      "x = 7 gives 22\n")
    s = solve(d, "x", min_params=20)
    assert (s.value, s.neighbour) == (7, (6, 19))
    s = solve(fake(3 * X + 1, X >= 4), "x", min_params=0)
    assert (s.value, s.neighbour) == (4, (3, None))
    assert str(s) == ("x = 4  (total 13; the smallest value with total >= 0)\n"
                      "x = 3 is not valid\n")


def test_a_condition_true_only_before_the_later_start():
    # x(x - 10) <= 50 holds for x <= 13 and is provably monotone only from 62 on
    d = fake(3 * X + 1, sp.Le(X * (X - 10), 50))
    f, ok = (lambda v: 3 * v + 1), (lambda v: v * (v - 10) <= 50)
    for kind, bound in (("max_params", 10 ** 6), ("max_params", 20), ("min_params", 20),
                        ("equals", 40)):
        want = brute(f, ok, kind, bound, 1, 200)
        assert solve(d, "x", **{kind: bound}).value == (want[-1] if kind == "max_params" else want[0])
    with pytest.raises(ShapeError):
        solve(d, "x", min_params=41)


def test_an_answer_below_the_later_start_with_a_proof_after_it():
    # x(x - 10) + 100 falls to 75 at x = 5 then rises: the scan below the start finds it
    d = fake(X * (X - 10) + 100)
    f = lambda v: v * (v - 10) + 100  # noqa: E731
    for kind, bound in (("max_params", 80), ("max_params", 10 ** 6), ("min_params", 90),
                        ("min_params", 10 ** 6), ("equals", 91), ("equals", 100)):
        want = brute(f, lambda v: True, kind, bound, 1, 2000)
        s = solve(d, "x", **{kind: bound})
        assert s.value == (want[-1] if kind == "max_params" else want[0]), (kind, bound)
    with pytest.raises(ShapeError):
        solve(d, "x", max_params=74)


def test_the_value_just_before_the_later_start_is_scanned():
    # x(x - 2) >= 0 is not provably monotone from 1 (x - 2 changes sign); the numbers
    # {2, 0} (and 1/5, 1 of x/5 <= 1) move the start to 1 + 4 + 1 = 6 and 1 + 2 + 1 = 4
    d = fake(X, sp.Ge(X * (X - 2), 0), sp.Le(X / 5, 1))
    f, ok = (lambda v: v), (lambda v: v * (v - 2) >= 0 and 5 * v <= 5 * 5)
    proof = S._proof(_Problem(d, "x"))
    assert (proof.start, proof.span) == (6, None)  # x <= 5: nothing valid from 6 on
    want = brute(f, ok, "max_params", 100, 1, 50)
    assert want[-1] == 5 and solve(d, "x", max_params=100).value == 5
    d = fake(X, sp.Ge(X * (X - 2), 0))
    proof = S._proof(_Problem(d, "x"))
    assert (proof.start, proof.span, proof.rising) == (4, (4, LIMIT), 1)
    want = brute(f, lambda v: v * (v - 2) >= 0, "min_params", 3, 1, 50)
    assert want[0] == 3 and solve(d, "x", min_params=3).value == 3
    assert solve(d, "x", equals=3).value == 3


def test_a_span_ending_just_within_the_scan_limit_is_scanned_not_searched():
    # x + 10 (x mod 7) is not monotone; x <= 10**6 ends the span at lo + SCAN_LIMIT - 1:
    # the proof is kept and every value scanned (a binary search would be wrong here)
    d = fake(X + 10 * sp.Mod(X, 7), X <= 10 ** 6)
    f, ok = (lambda v: v + 10 * (v % 7)), (lambda v: v <= 10 ** 6)
    s = solve(d, "x", max_params=500)
    assert s.value == brute(f, ok, "max_params", 500, 400, 600)[-1] == 497
    assert s.checked_up_to is None
    s = solve(d, "x", max_params=10 ** 6 + 5)
    assert s.value == brute(f, ok, "max_params", 10 ** 6 + 5, 999_000, 10 ** 6)[-1]
