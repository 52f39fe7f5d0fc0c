"""Mutants of symparams/algebra/codegen.py that the other tests left alive.

``compile_exprs`` turns a derived expression into exact integer Python.  Each test
compiles a hand-written sympy expression and compares the compiled function, on Python
ints, on int64 arrays and on object arrays, with the same formula written here as plain
Python (floor division is ``//``, ceiling is ``-(-a // b)``), never with symparams'
own output.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from symparams.algebra.codegen import compile_exprs
from symparams.core.errors import NotSupportedError
from symparams.core.shape import CeilDiv, FloorDiv

n = sp.Symbol("n", integer=True, positive=True)
s = sp.Symbol("s", integer=True, positive=True)

POINTS = [(n_, s_) for n_ in range(1, 30) for s_ in (1, 2, 3, 5, 7)]


def _check(expr, expected, points=POINTS, symbols=(n, s)):
    """The compiled ``expr`` equals ``expected(*point)`` at every point, as Python
    ints, int64 arrays and object arrays; its bound is at least the value."""
    values, bounds = compile_exprs([expr], list(symbols))
    want = [expected(*p) for p in points]
    got = [values(*p)[0] for p in points]
    assert [type(g) is not float for g in got] == [True] * len(got)
    assert [bool(g) if isinstance(w, bool) else int(g) for g, w in zip(got, want)] == want
    for dtype in (np.int64, object):
        cols = [np.array([p[i] for p in points], dtype=dtype) for i in range(len(symbols))]
        arr = np.broadcast_to(np.asarray(values(*cols)[0]), (len(points),))
        assert [bool(a) if isinstance(w, bool) else int(a) for a, w in zip(arr.tolist(), want)] == want
    if not isinstance(want[0], bool):
        for p, w in zip(points, want):
            assert bounds(*map(float, p)) >= abs(w)


def test_floor_and_ceiling_of_a_quotient():
    _check(FloorDiv(n - 10, s), lambda n, s: (n - 10) // s)
    _check(CeilDiv(n - 10, s), lambda n, s: -(-(n - 10) // s))
    _check(sp.floor((n - 4) / 3), lambda n, s: (n - 4) // 3)
    _check(sp.ceiling((n - 4) / 3), lambda n, s: -(-(n - 4) // 3))
    _check(FloorDiv(2 * n + 1, s) * FloorDiv(n, 2) + 3,
           lambda n, s: ((2 * n + 1) // s) * (n // 2) + 3)


def test_exact_rational_and_modulus():
    # p/q with every p a multiple of q: an exact quotient
    _check((4 * n - 4) / 4 + n ** 2, lambda n, s: (n - 1) + n ** 2)
    _check(sp.Mod(n + 1, s), lambda n, s: (n + 1) % s)


def test_max_and_min_on_scalars_and_arrays():
    _check(sp.Max(n - 5, s), lambda n, s: max(n - 5, s))
    _check(sp.Min(n - 5, s), lambda n, s: min(n - 5, s))
    _check(sp.Min(n, s, 4) + sp.Max(n, 3 * s, 6), lambda n, s: min(n, s, 4) + max(n, 3 * s, 6))


def test_piecewise_whose_last_condition_is_not_true():
    # sympy keeps the last condition (n < 2) when it is not the complement of the
    # first; at points where a piece applies, the value is that piece's
    pw = sp.Piecewise((n, n > 3), (2 * n + s, n < 2))
    assert pw.args[-1].cond is not sp.true
    points = [p for p in POINTS if p[0] > 3 or p[0] < 2]
    _check(pw, lambda n, s: n if n > 3 else 2 * n + s, points)
    _check(sp.Piecewise((n, n > 3), (s, n > 1), (7, True)),
           lambda n, s: n if n > 3 else (s if n > 1 else 7))


@pytest.mark.parametrize("rel, expected", [
    (n >= s, lambda n, s: n >= s), (n > s, lambda n, s: n > s),
    (n <= s + 2, lambda n, s: n <= s + 2), (n < s, lambda n, s: n < s),
    (sp.Eq(n, 2 * s), lambda n, s: n == 2 * s), (sp.Ne(n, 2 * s), lambda n, s: n != 2 * s),
    # (n - 1)/2 >= s/3 holds iff 3(n - 1) >= 2s
    ((n - 1) / 2 >= s / 3, lambda n, s: 3 * (n - 1) >= 2 * s),
    # 3 divides (n - 1)/2 (assumed an integer) iff 6 divides n - 1
    (sp.Eq(sp.Mod((n - 1) / 2, 3), 0), lambda n, s: (n - 1) % 6 == 0),
    (sp.Eq(sp.Mod(n - 1, s), 0), lambda n, s: (n - 1) % s == 0),
])
def test_relations(rel, expected):
    _check(rel, expected)


def test_boolean_connectives():
    _check(sp.And(n > 2, n < 9), lambda n, s: 2 < n < 9)
    _check(sp.Or(n < 3, n > 9 * s), lambda n, s: n < 3 or n > 9 * s)
    _check(sp.Not(sp.And(n > 2, n < 5)), lambda n, s: not 2 < n < 5)
    _check(sp.ITE(n > 2, n < 5, n > 1), lambda n, s: n < 5 if n > 2 else n > 1)


def test_true_and_false():
    values, bounds = compile_exprs([sp.true, sp.false, n + s], [n, s])
    assert values(3, 4) == (True, False, 7)
    assert bounds(3.0, 4.0) >= 7
    out = values(np.array([1, 2], dtype=np.int64), np.array([5, 6], dtype=np.int64))
    assert out[0] is True and out[1] is False and out[2].tolist() == [6, 8]


def test_rational_content_kept_as_one_factor():
    # (n + 1)/2 built as one unevaluated product, as an exact quotient can be: the
    # 1/2 must become a division of the whole numerator
    odd = [(v, 1) for v in range(1, 40, 2)]
    _check(sp.Mul(sp.Rational(1, 2), n + 1, evaluate=False), lambda n, s: (n + 1) // 2, odd)
    thirds = [(v, 1) for v in range(2, 40, 3)]
    _check(sp.Mul(sp.Rational(2, 3), n + 1, evaluate=False) * s + n,
           lambda n, s: 2 * (n + 1) // 3 * s + n, thirds)


def test_bounds_cover_every_intermediate():
    """The float bound decides whether int64 is safe: it must be at least the
    magnitude of every intermediate, not only of the result."""
    big = 4e9  # n*n = 1.6e19 overflows int64 although floor(n*n/s) does not
    values, bounds = compile_exprs([FloorDiv(n * n, s)], [n, s])
    assert bounds(big, 1e9) >= big * big
    # relations: n**2 >= s - n**2 is decided on 2n**2 - s
    rel = sp.Ge(n * n, s - n * n, evaluate=False)
    values, bounds = compile_exprs([rel, sp.Eq(sp.Mod(n * n, s), 0), sp.Eq(n * n, s)], [n, s])
    assert bounds(big, 1.0) >= 2 * big * big
    assert values(3, 3) == (True, True, False) and values(3, 9) == (True, True, True)
    # connectives and Piecewise: the relations inside count too
    for e in (sp.And(n * n > s, n < s), sp.Or(n * n > s, n < s), sp.Not(sp.And(n * n > s, n < s)),
              sp.ITE(n * n > s, n < s, n > 1),
              sp.Piecewise((n, n * n > s), (s, True))):
        values, bounds = compile_exprs([e], [n, s])
        assert bounds(big, 1.0) >= big * big


def test_an_unsupported_boolean_is_named():
    with pytest.raises(NotSupportedError, match=r"cannot evaluate \(n > 1\) \^ \(n > 2\)"):
        compile_exprs([sp.Xor(n > 1, n > 2, evaluate=False)], [n])


def test_a_denominator_not_known_integer_is_refused():
    # an integer one not known positive is computed where nonzero (test_algebra_symbolic_stride)
    d = sp.Symbol("d", real=True)  # may be a fraction: no exact floor division
    with pytest.raises(NotSupportedError, match="denominator d"):
        compile_exprs([n / d], [n, d])


def test_unsupported_expressions_are_named():
    with pytest.raises(NotSupportedError, match=r"cannot evaluate Pow exactly: sqrt\(n\)"):
        compile_exprs([sp.sqrt(n)], [n])
    with pytest.raises(NotSupportedError, match=r"cannot evaluate Mod\(n/2, 3\) exactly"):
        compile_exprs([sp.Mod(n / 2, 3) + n], [n])
