"""A stride that is a floor of a swept symbol (``s=n//10``): its denominator is an
integer not provably positive.  sweep and solve compute it where the conditions hold
(no division by zero elsewhere) and agree with ``evaluate`` and with hand arithmetic
at every point."""

import numpy as np
import pytest
import sympy as sp

import symparams
from symparams import ShapeError
from symparams.algebra.codegen import compile_exprs
from symparams.cli import main

SPEC = "I(n x 3)-C(4,3,s=n//10)-H(10)"


def by_hand(n, exact=False):
    """conv: 4 filters of 3x3 (+4 biases) = 40; output length L = (n - 3)//s + 1 with
    s = n//10 >= 1; H(10) on the flattened 4*L values: 40*L + 10.  None if invalid."""
    s = n // 10
    if s < 1 or n < 3 or (exact and (n - 3) % s):
        return None
    length = (n - 3) // s + 1
    return 40 + 4 * length * 10 + 10


def evaluated(d, **values):
    try:
        return d.evaluate(**values)
    except ShapeError:
        return None


@pytest.mark.parametrize("exact", [False, True])
def test_sweep_equals_evaluate_and_hand_arithmetic_at_every_point(exact):
    d = symparams.parse(SPEC).derive(assume_divisible=exact)
    r = d.sweep(invalid="skip", n=range(1, 301))
    got = {row["n"]: row["total"] for row in r.rows()}
    for n in range(1, 301):
        expected = by_hand(n, exact)
        assert evaluated(d, n=n) == expected, n
        assert got.get(n) == expected, n
    assert got  # some points are valid


def test_sweep_of_the_cli_issue_example(capsys):
    assert main(["sweep", SPEC, "--grid", "n=30:60"]) == 0
    lines = capsys.readouterr().out.split()
    assert lines[0] == "n,total"
    assert lines[1:] == [f"{n},{by_hand(n)}" for n in range(30, 61)]


def test_invalid_point_names_the_stride_condition():
    d = symparams.parse(SPEC).derive()
    with pytest.raises(ShapeError, match=r"grid point n=9: .*stride"):
        d.sweep(n=range(9, 40))


def test_python_ints_past_int64():
    d = symparams.parse(SPEC).derive()
    ns = [10 ** 20 + i for i in range(5)] + [30, 2 ** 63 + 7]
    r = d.sweep(n=ns)
    assert [row["total"] for row in r.rows()] == [by_hand(n) for n in ns]


def test_two_symbols_on_an_open_grid_with_a_floor_stride():
    d = symparams.parse("I(n x n x 2)-C(3,k,s=n//m)-P(2,s=m)-H(5)").derive()
    grid = dict(n=range(1, 40), m=range(1, 7), k=[1, 2, 3])
    r = d.sweep(invalid="skip", **grid)
    got = {(row["n"], row["m"], row["k"]): row["total"] for row in r.rows()}

    def hand(n, m, k):
        s = n // m
        if s < 1 or n < k:
            return None
        conv = (n - k) // s + 1          # conv output side
        if conv < 2:
            return None
        pool = (conv - 2) // m + 1       # pool 2, stride m
        return 3 * 2 * k * k + 3 + pool * pool * 3 * 5 + 5

    for n in grid["n"]:
        for m in grid["m"]:
            for k in grid["k"]:
                expected = hand(n, m, k)
                assert evaluated(d, n=n, m=m, k=k) == expected
                assert got.get((n, m, k)) == expected, (n, m, k)


def test_solve_with_a_floor_stride_matches_a_brute_force_scan():
    d = symparams.parse(SPEC).derive()
    ns = np.arange(1, 1_000_001, dtype=np.int64)
    s = ns // 10
    valid = s >= 1
    totals = np.where(valid, 40 + 40 * ((ns - 3) // np.maximum(s, 1) + 1) + 10, -1)
    for target in (by_hand(47), by_hand(10), by_hand(299)):
        r = d.solve("n", equals=target)
        assert r.value == int(ns[np.argmax(totals == target)]) and r.total == target
    r = d.solve("n", min_params=480)
    assert r.value == int(ns[np.argmax(valid & (totals >= 480))])
    r = d.solve("n", max_params=480)  # the total stays near 490: no proof, a bounded scan
    assert r.value == int(ns[valid & (totals <= 480)][-1]) and r.checked_up_to == 1_000_000


def test_codegen_floor_division_by_a_possibly_negative_or_zero_integer():
    n = sp.Symbol("n", integer=True, nonnegative=True)
    d = sp.Symbol("d", integer=True)
    values, bounds = compile_exprs([sp.floor(n / d), sp.ceiling(n / d), n / d >= 2,
                                    sp.Eq(sp.Mod(n, d), 0)], [n, d])
    for nv in range(0, 12):
        for dv in range(-5, 6):
            out = values(nv, dv)
            assert out[-1] == (dv != 0)  # the guard: a point with d = 0 has no value
            if dv:
                assert out[:4] == (nv // dv, -(-nv // dv), sp.Rational(nv, dv) >= 2,
                                   nv % dv == 0)
    ns, ds = np.meshgrid(np.arange(12), np.arange(-5, 6), indexing="ij")
    with np.errstate(divide="raise"):  # no division by zero anywhere
        arr = values(ns.ravel(), ds.ravel())
    ok = ds.ravel() != 0
    assert (arr[-1] == ok).all()
    assert (arr[0][ok] == ns.ravel()[ok] // ds.ravel()[ok]).all()
    expected = [sp.Rational(a, b) >= 2 for a, b in zip(ns.ravel()[ok], ds.ravel()[ok])]
    assert arr[2][ok].tolist() == expected
    assert bounds(11.0, 5.0) >= 11 * 5


def test_a_non_integer_denominator_is_still_refused():
    from symparams import NotSupportedError
    n = sp.Symbol("n", integer=True, nonnegative=True)
    x = sp.Symbol("x", positive=True)
    with pytest.raises(NotSupportedError, match="denominator x"):
        compile_exprs([n / x], [n, x])


def test_a_zero_divisor_no_condition_catches_is_an_invalid_point():
    # a Derivation-like object whose conditions do not guard the divisor floor(n/10)
    from types import SimpleNamespace
    from symparams.algebra.sweep import Sweep
    n = sp.Symbol("n", integer=True, positive=True)
    fake = SimpleNamespace(symbols={"n": n}, free_symbols={n}, conditions=[],
                           total=sp.floor(n / sp.floor(n / 10)), describe=lambda s: "")
    with pytest.raises(ShapeError) as info:
        Sweep(fake, {"n": range(9, 30)}).collect()
    assert str(info.value) == ("grid point n=9: a stride or window size is zero there; "
                               "skip such points with invalid='skip' (--skip-invalid)")
    r = Sweep(fake, {"n": range(1, 30)}, invalid="skip").collect()
    assert [row["n"] for row in r.rows()] == list(range(10, 30))
    assert [row["total"] for row in r.rows()] == [n // (n // 10) for n in range(10, 30)]


def test_a_total_that_is_a_bare_symbol_sweeps_and_solves():
    # H(h) without bias on one input: h weights (a sympy Symbol is also a Boolean)
    d = symparams.parse("I(1)-H(h,bias=false)").derive()
    assert [row["total"] for row in d.sweep(h=[3, 4, 2 ** 62 + 1]).rows()] == [3, 4, 2 ** 62 + 1]
    assert d.solve("h", max_params=10).value == 10
    assert d.solve("h", equals=7).value == 7
