"""Mutants of symparams/core/shape.py that the other tests left alive.

Values are checked against plain integer arithmetic written here (``a // b`` for
``floor(a/b)``, ``-(-a // b)`` for ``ceil(a/b)``) and PyTorch's documented output
length of a sliding window (``torch.nn.MaxPool1d``: ``floor((n + 2p - d(k-1) - 1)/s
+ 1)``, or ``ceil`` with ``ceil_mode`` and the last window dropped when it would start
in the right padding); printed forms are written out by hand.
"""

from __future__ import annotations

import itertools

import pytest
import sympy as sp

from symparams.core import shape as S
from symparams.core.shape import (
    CeilDiv, FloorDiv, Shape, at_least, brief, exact_division, product, same_output_size,
    window_output_size,
)

n = sp.Symbol("n", integer=True, positive=True)
m = sp.Symbol("m", integer=True, positive=True)
k = sp.Symbol("k", integer=True, positive=True)
s = sp.Symbol("s", integer=True, positive=True)
p = sp.Symbol("p", integer=True, nonnegative=True)
z = sp.Symbol("z", integer=True)
r = sp.Symbol("r", real=True)


def torch_length(n, k, s=1, p=0, d=1, ceil=False):
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


# -- FloorDiv / CeilDiv ----------------------------------------------------------------


def test_numbers_evaluate():
    assert FloorDiv(7, 2) == 3 and CeilDiv(7, 2) == 4
    assert FloorDiv(-7, 2) == -4 and CeilDiv(-7, 2) == -3
    assert FloorDiv(6, 3) == 2 and CeilDiv(6, 3) == 2
    assert FloorDiv(sp.Rational(7, 2), 2) == 1 and CeilDiv(sp.Rational(7, 2), 2) == 2
    assert isinstance(FloorDiv(7, 2), sp.Integer)
    assert FloorDiv(n, 1) == n and CeilDiv(n, 1) == n
    assert FloorDiv(0, s) == 0 and CeilDiv(0, s) == 0
    assert FloorDiv(s, s) == 1 and CeilDiv(n + 1, n + 1) == 1
    assert FloorDiv(n, s).args == (n, s)
    assert FloorDiv(7, s).args == (7, s)


def test_numerator_denominator_and_plain():
    f = FloorDiv(n - 4, s)
    assert f.numerator == n - 4 and f.denominator == s
    plain = f.as_plain()
    assert type(plain) is sp.floor
    assert plain.args[0] == sp.Mul(n - 4, sp.Pow(s, -1, evaluate=False), evaluate=False)
    assert str(plain) == "floor((n - 4)/s)"
    assert type(CeilDiv(n, 3).as_plain()) is sp.ceiling
    for v in range(-9, 10):
        assert FloorDiv(n - 4, 3).as_plain().subs(n, v) == (v - 4) // 3
        assert CeilDiv(n - 4, 3).as_plain().subs(n, v) == -(-(v - 4) // 3)
    one = FloorDiv(n, 1, evaluate=False)
    assert one.as_plain() == sp.floor(n, evaluate=False)
    assert type(one.as_plain()) is sp.floor
    assert FloorDiv(n, 3)._quotient == n / 3


def test_assumptions():
    for cls in (FloorDiv, CeilDiv):
        e = cls(r, s)
        assert e.is_integer is True and e.is_real is True and e.is_finite is True
    assert FloorDiv(n - 1, 2).is_nonnegative is True
    assert FloorDiv(n - 1, 2).is_negative is False
    assert FloorDiv(-n, 2).is_negative is True
    assert FloorDiv(z, 2).is_nonnegative is None and FloorDiv(z, 2).is_negative is None
    assert FloorDiv(n, z).is_negative is None and FloorDiv(n, z).is_nonnegative is None
    assert CeilDiv(n, 2).is_positive is True
    assert CeilDiv(n, z).is_positive is None
    assert CeilDiv(-n, 2).is_nonpositive is True
    assert CeilDiv(-n, 2).is_positive is False
    assert CeilDiv(z, 2).is_positive is None and CeilDiv(z, 2).is_nonpositive is None
    assert CeilDiv(p, 2).is_nonnegative is True
    assert CeilDiv(z, 2).is_nonnegative is None
    assert CeilDiv(p, z).is_nonnegative is None
    # ceil(n/2) >= 1 for n >= 1; floor(n/2) may be 0
    assert FloorDiv(n, 2).is_positive is None


def test_comparisons_read_the_whole_quotient():
    # floor's own >= would compare its first argument n with 3 (wrong for floor(n/2))
    for rel, want in ((FloorDiv(n, 2) >= 3, lambda v: v // 2 >= 3),
                      (FloorDiv(n, 2) > 3, lambda v: v // 2 > 3),
                      (FloorDiv(n, 2) <= 3, lambda v: v // 2 <= 3),
                      (FloorDiv(n, 2) < 3, lambda v: v // 2 < 3),
                      (CeilDiv(n, 2) >= 3, lambda v: -(-v // 2) >= 3),
                      (CeilDiv(n, 2) < 3, lambda v: -(-v // 2) < 3)):
        for v in range(1, 12):
            assert bool(rel.subs(n, v)) == want(v), (rel, v)
    assert (FloorDiv(n, 2) >= n) != sp.true
    assert (FloorDiv(n, 2) <= n) != sp.false


def test_rewrites():
    assert FloorDiv(n, s).rewrite(sp.floor) == sp.floor(n / s)
    assert CeilDiv(n, s).rewrite(sp.ceiling) == sp.ceiling(n / s)
    assert CeilDiv(n, s).rewrite(sp.floor) == -sp.floor(-n / s)
    assert FloorDiv(n, s).rewrite(sp.ceiling) == -sp.ceiling(-n / s)
    for v in range(1, 10):
        assert CeilDiv(n, 3).rewrite(sp.floor).subs(n, v) == -(-v // 3)
        assert FloorDiv(n, 3).rewrite(sp.ceiling).subs(n, v) == v // 3
        assert FloorDiv(n, 3).rewrite(sp.frac).subs(n, v) == v // 3


def test_leading_term_and_series_as_the_plain_floor():
    e = FloorDiv(n, 2)
    assert e.as_leading_term(n) == sp.floor(n / 2).as_leading_term(n)
    assert e._eval_nseries(n, 2, None) == sp.floor(n / 2)._eval_nseries(n, 2, None)


def test_str_and_latex():
    assert str(FloorDiv(n - 4, 2)) == "floor((n - 4)/2)"
    assert str(CeilDiv(n, s)) == "ceiling(n/s)"
    assert str(FloorDiv(n, 2 * s)) == "floor(n/(2*s))"
    # the numerator in parentheses unless it binds tighter than a product
    assert str(FloorDiv(n * m, s)) == "floor((m*n)/s)"
    assert str(FloorDiv(n ** 2, s)) == "floor(n**2/s)"
    assert str(FloorDiv(n, s ** 2)) == "floor(n/s**2)"
    assert str(FloorDiv(n, s + 1)) == "floor(n/(s + 1))"
    assert sp.latex(FloorDiv(n - 4, 2)) == r"\left\lfloor \frac{n - 4}{2} \right\rfloor"
    assert sp.latex(CeilDiv(n, s)) == r"\left\lceil \frac{n}{s} \right\rceil"
    assert sp.latex(FloorDiv(n, 2) ** 2) == r"\left\lfloor \frac{n}{2} \right\rfloor^{2}"


def test_exact_code_printers():
    assert sp.pycode(FloorDiv(n - 4, 2)) == "((n - 4)//(2))"
    assert sp.pycode(CeilDiv(n, s)) == "(-((-(n))//(s)))"
    f = sp.lambdify([n], [FloorDiv(n - 4, 3), CeilDiv(n - 4, 3)])
    big = 10 ** 30 + 7
    assert f(big) == [(big - 4) // 3, -(-(big - 4) // 3)]
    assert f(-8) == [-4, -4]


def test_other_printers_print_the_plain_floor():
    assert sp.ccode(FloorDiv(n, 2)) == "floor(n/2)"
    assert sp.ccode(CeilDiv(n - 1, s)) == "ceil((n - 1)/s)"
    assert sp.octave_code(CeilDiv(n, s)) == "ceil(n./s)"
    assert "_ccode" in S._printmethods() and "_sympystr" in S._printmethods()
    for method in S._printmethods() - set(S._OWN_PRINTMETHODS) - set(S._EXACT_PRINTMETHODS):
        assert getattr(FloorDiv, method) is S._IntDiv._print_plain or method in FloorDiv.__dict__


def test_printed_is_remembered_and_bounded():
    S._PRINTED.clear()
    calls = []
    printer = sp.printing.str.StrPrinter()

    def text():
        calls.append(1)
        return "x"

    assert S._printed(n, printer, text) == "x"
    assert S._printed(n, printer, text) == "x"
    assert len(calls) == 1
    # other settings: printed again
    S._printed(n, sp.printing.str.StrPrinter({"order": "none"}), text)
    assert len(calls) == 2
    for i in range(S._PRINTED_MAX + 5):
        S._printed(sp.Integer(i), printer, text)
    assert len(S._PRINTED) <= S._PRINTED_MAX
    S._PRINTED.clear()


# -- window sizes ----------------------------------------------------------------------


def test_window_output_size_matches_pytorch_everywhere():
    K, Sd, P, D = (sp.Symbol(c, integer=True, positive=True) for c in "KSPD")
    Pn = sp.Symbol("Pn", integer=True, nonnegative=True)
    for ceil in (False, True):
        out = window_output_size(n, K, Sd, Pn, D, ceil_mode=ceil)
        for nv, kv, sv, pv, dv in itertools.product(range(1, 13), range(1, 5), range(1, 4),
                                                    range(0, 3), range(1, 3)):
            if 2 * pv > kv or nv + 2 * pv < dv * (kv - 1) + 1:
                continue
            got = out.xreplace({n: nv, K: kv, Sd: sv, Pn: pv, D: dv})
            assert got == torch_length(nv, kv, sv, pv, dv, ceil), (ceil, nv, kv, sv, pv, dv)


@pytest.mark.parametrize("kv, sv, pv", [(3, 2, 0), (2, 2, 1), (3, 2, 1), (2, 2, 0), (5, 3, 2),
                                       (1, 1, 0), (4, 4, 2), (3, 1, 1)])
def test_numeric_windows_with_ceil_mode(kv, sv, pv):
    for ceil in (False, True):
        out = window_output_size(n, sp.Integer(kv), sp.Integer(sv), sp.Integer(pv),
                                 ceil_mode=ceil)
        assert not out.has(sp.Max, sp.Piecewise)
        for nv in range(max(1, kv - 2 * pv), 40):
            assert out.subs(n, nv) == torch_length(nv, kv, sv, pv, 1, ceil), (ceil, nv)


def test_default_padding_and_dilation():
    out = window_output_size(n, sp.Integer(3), sp.Integer(2))
    for nv in range(3, 30):
        assert out.subs(n, nv) == (nv - 3) // 2 + 1
    assert window_output_size(n, k, sp.Integer(1)) == n - k + 1


def test_exact_division_records_each_assumption():
    with exact_division() as notes:
        out = window_output_size(n, sp.Integer(4), sp.Integer(2))
        same = same_output_size(n, sp.Integer(3))
        ceil = window_output_size(n, sp.Integer(2), sp.Integer(2), ceil_mode=True)
    assert out == (n - 4) / 2 + 1
    assert same == n / 3
    assert ceil == (n - 2) / 2 + 1
    # 2 | n - 4 and 2 | n - 2 both read "2 divides n"
    assert [reason for _, reason in notes] == ["assuming 2 divides n", "assuming 3 divides n",
                                               "assuming 2 divides n"]
    # inactive: floors as usual, nothing recorded, and the context is left afterwards
    with exact_division(False) as notes:
        # floor((n - 4)/2) + 1 = floor((n - 2)/2)
        assert window_output_size(n, sp.Integer(4), sp.Integer(2)) == FloorDiv(n - 2, 2)
        assert same_output_size(n, sp.Integer(3)) == CeilDiv(n, 3)
    assert notes == []
    assert S._EXACT.get() is None
    assert same_output_size(n, s) == CeilDiv(n, s)
    with pytest.raises(KeyError):
        with exact_division():
            raise KeyError
    assert S._EXACT.get() is None


def test_exact_quotient_without_a_context_is_none():
    assert S._exact_quotient(n, sp.Integer(2)) is None
    with exact_division() as notes:
        assert S._exact_quotient(2 * n, sp.Integer(2)) == n
        assert S._exact_quotient(n, sp.Integer(1), sp.Integer(3)) == n + 3
    assert notes == []  # exact already: nothing assumed


# -- at_least, brief, product ----------------------------------------------------------


def test_at_least():
    assert at_least(sp.Integer(3), sp.Integer(3)) is sp.true
    assert at_least(sp.Integer(4), sp.Integer(3)) is sp.true
    assert at_least(sp.Integer(2), sp.Integer(3)) is sp.false
    assert at_least(n + 3, n + 3) is sp.true
    assert at_least(n + 2, n + 3) is sp.false
    got = at_least(n, sp.Integer(0))  # sympy would decide it: left unevaluated here
    assert isinstance(got, sp.GreaterThan) and got.lhs == n and got.rhs == 0
    got = at_least(n, k)
    assert isinstance(got, sp.GreaterThan) and (got.lhs, got.rhs) == (n, k)


def test_brief_cuts_at_thirty_nodes():
    assert S.BRIEF_NODES == 30
    syms = sp.symbols("a0:40", positive=True)
    # a sum of j symbols has j + 1 nodes
    e29 = sp.Add(*syms[:29])
    assert len(list(sp.preorder_traversal(e29))) == 30
    assert brief(e29) == str(e29)
    e30 = sp.Add(*syms[:30])
    assert brief(e30) == "…"
    assert brief(n + 1) == "n + 1"
    assert brief(n) == "n"


def test_product():
    assert product([]) == 1
    assert isinstance(product([]), sp.Integer)
    assert product([2, n, m]) == 2 * n * m
    assert product((sp.Integer(3),)) == 3


# -- Shape -----------------------------------------------------------------------------


def test_shape_accessors():
    sh = Shape((n - 4, m), sp.Integer(8))
    assert sh.rank == 2 and not sh.is_vector
    assert sh.dims() == (n - 4, m, 8)
    assert sh.channels_first() == (8, n - 4, m)
    assert sp.expand(sh.size() - 8 * (n - 4) * m) == 0
    assert sh.free_symbols == {n, m}
    assert sh.subs({n: 10}) == Shape((sp.Integer(6), m), sp.Integer(8))
    assert sh.subs({m: 3, n: 5}).size() == 8 * 1 * 3
    assert Shape((n, m), k).size() == n * m * k
    v = Shape((), k)
    assert v.rank == 0 and v.is_vector and v.dims() == (k,) and v.size() == k
    assert v.free_symbols == {k}
    assert Shape((), sp.Integer(4)).free_symbols == set()


def test_shape_text():
    sh = Shape((n - 4, FloorDiv(n, 2)), sp.Integer(8))
    assert str(sh) == "(n - 4) × floor(n/2) × 8"
    assert str(Shape((), n + 1)) == "n + 1"
    assert str(Shape((n,), k)) == "n × k"
    assert str(Shape((n * m,), 2 * k)) == "(m*n) × (2*k)"
    syms = sp.symbols("a0:40", positive=True)
    long = sp.Add(*syms)
    assert Shape((long, n), sp.Integer(3)).brief() == "… × n × 3"
    assert Shape((n - 4,), sp.Integer(3)).brief() == "(n - 4) × 3"  # as str() writes it


# -- added after the mutation run -------------------------------------------------------


def test_series_from_either_side():
    # floor(r/2) just right of 0 is 0, just left -1; ceiling(r/2): 1 and 0
    assert FloorDiv(r, 2).series(r, 0, 2, dir="+") == 0
    assert FloorDiv(r, 2).series(r, 0, 2, dir="-") == -1
    assert CeilDiv(r, 2).series(r, 0, 2, dir="+") == 1
    assert CeilDiv(r, 2).series(r, 0, 2, dir="-") == 0
    assert sp.limit(FloorDiv(r, 2), r, 0, "-") == -1
    # the direction given to nseries itself (cdir < 0: from the left)
    assert FloorDiv(r, 2).nseries(r, 0, 2, cdir=-1) == -1
    assert FloorDiv(r, 2).nseries(r, 0, 2, cdir=1) == 0
    assert CeilDiv(r, 2).nseries(r, 0, 2, cdir=-1) == 0
    assert CeilDiv(r, 2).nseries(r, 0, 2) == 1


def test_rewrite_as_frac():
    # floor(x) = x - frac(x); ceiling(x) = x + frac(-x)
    assert FloorDiv(r, 2).rewrite(sp.frac) == r / 2 - sp.frac(r / 2)
    assert CeilDiv(r, 2).rewrite(sp.frac) == r / 2 + sp.frac(-r / 2)


def test_printed_text_depends_on_the_printer_class():
    class Shouting(sp.printing.str.StrPrinter):
        def _print_Symbol(self, expr):
            return expr.name.upper()

    e = FloorDiv(n - 4, 2)
    assert str(e) == "floor((n - 4)/2)"
    assert Shouting().doprint(e) == "floor((N - 4)/2)"
    assert str(e) == "floor((n - 4)/2)"


def test_printed_never_holds_more_than_its_maximum():
    S._PRINTED.clear()
    printer = sp.printing.str.StrPrinter()
    try:
        for i in range(S._PRINTED_MAX + 5):
            S._printed(sp.Integer(i), printer, lambda: "x")
            assert len(S._PRINTED) <= S._PRINTED_MAX
    finally:
        S._PRINTED.clear()


def test_brief_puts_compound_sizes_in_parentheses_as_str_does():
    """A message quoting a shape: ``(n + 2) × (n + 2) × 3``, not ``n + 2 × n + 2 × 3``."""
    n = sp.Symbol("n", integer=True, positive=True)
    shape = Shape((n + 2, n + 2), sp.Integer(3))
    assert shape.brief() == str(shape) == "(n + 2) × (n + 2) × 3"
    assert Shape((), n + 2).brief() == "n + 2"  # a vector: one size, no parentheses
    import symparams

    with pytest.raises(symparams.NotSupportedError, match=r"\(n \+ 2\) × \(n \+ 2\) × 3"):
        symparams.parse("I(n x n x 3)-(C(3,3,p=2))xL").derive()
