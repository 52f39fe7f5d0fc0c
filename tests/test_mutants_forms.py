"""Mutants of symparams/algebra/forms.py that the other tests left alive.

Counts are written by hand from the layer definitions (a dense layer from a inputs to
b units has a*b + b parameters; a Keras BatchNorm on c features has 2c trainable and
2c non-trainable ones); the forms are compared with sympy's own expand/factor/collect of
those hand-written counts.
"""

from __future__ import annotations

import re

import pytest
import sympy as sp

import symparams
from symparams.algebra import forms
from symparams.core.errors import NotSupportedError, SpecError

x = sp.Symbol("x", integer=True, positive=True)
y = sp.Symbol("y", integer=True, positive=True)


def _derive(spec: str, convention: str = "keras"):
    d = symparams.parse(spec).derive(convention=convention)
    # the derivation's own symbols are the ones written above (same name, assumptions)
    assert d.symbols["x"] == x
    return d


def test_every_row_is_put_in_the_form():
    d = _derive("I(x)-B-H(y)")
    # batchnorm on x features: 2x trainable (gamma, beta), 2x non-trainable (mean, var);
    # dense x -> y: x*y + y
    expanded = d.simplify("expanded")
    assert [(r.trainable, r.non_trainable) for r in expanded.rows] == [(2 * x, 2 * x), (x * y + y, 0)]
    assert expanded.total == x * y + y + 4 * x
    factored = d.simplify("factored")
    assert factored.rows[1].trainable == y * (x + 1)
    assert str(factored.rows[1].trainable) == str(sp.factor(x * y + y))
    collected = d.simplify("collected", by="y")
    assert collected.total == sp.collect(x * y + y + 4 * x, [y], func=sp.factor)
    assert str(collected.total) == str(sp.collect(x * y + y + 4 * x, [y], func=sp.factor))
    # factored with by=: collected in that symbol, coefficients factored
    fb = d.simplify("factored", by=[x])
    assert str(fb.total) == str(sp.collect(x * y + y + 4 * x, [x], func=sp.factor))


def test_non_trainable_rows_take_the_form_too():
    d = _derive("I(x)-B-B")
    # two batch norms: (x + x) non-trainable each; as the form of 2x
    for form in ("expanded", "factored"):
        rows = d.simplify(form).rows
        assert [r.non_trainable for r in rows] == [2 * x, 2 * x]
        assert [r.trainable for r in rows] == [2 * x, 2 * x]


@pytest.mark.parametrize("form, by, message", [
    ("expanded", "x", "by= applies to the 'collected' and 'factored' forms"),
    ("collected", None, "form 'collected' needs a symbol to collect by (by=...)"),
    ("tidy", None, "form must be one of expanded, factored, collected, got 'tidy'"),
    ("collected", "z", "unknown symbol 'z'; symbols: x, y"),
])
def test_form_errors(form, by, message):
    with pytest.raises(SpecError, match="^" + re.escape(message)):
        _derive("I(x)-H(y)-O(3)").simplify(form, by=by)


def test_unknown_symbol_of_a_numeric_network():
    with pytest.raises(SpecError, match=r"^unknown symbol 'x'; symbols: none$"):
        symparams.parse("I(3)-H(2)").derive().simplify("collected", by="x")


def test_symbols_given_as_names_or_symbols():
    d = _derive("I(x)-H(y)-O(3)")
    total = x * y + 4 * y + 3
    want = sp.collect(total, [y], func=sp.factor)
    assert d.simplify("collected", by="y").total == want
    assert d.simplify("collected", by=y).total == want
    assert d.simplify("collected", by=["y"]).total == want
    assert str(d.simplify("collected", by=["x", "y"]).total) == \
        str(sp.collect(total, [x, y], func=sp.factor))


def test_by_layer_leaves_out_layers_without_parameters():
    d = _derive("I(x)-H(y)-A(relu)-O(3)")
    terms = sp.Add.make_args(d.by_layer())
    # in layer order, each layer's count factored
    assert [str(t) for t in d.by_layer().args] == [str(sp.factor(x * y + y)), str(sp.factor(3 * y + 3))]
    assert len(terms) == 2
    # one layer with parameters: the term itself, not a sum
    assert _derive("I(x)-H(y)").by_layer() == y * (x + 1)
    # none: zero
    assert _derive("I(x)-A(relu)").by_layer() == 0


def test_leading_term_sums_the_coefficients_of_a_power():
    d = _derive("I(x)-H(y)-O(3)")  # x*y + 4*y + 3
    assert d.leading_term("y") == (x + 4) * y
    assert d.leading_term("x") == y * x
    d2 = _derive("I(x)-H(y)-H(y)-O(1)")  # x*y + y + y*y + y + y + 1
    assert d2.leading_term("y") == y ** 2
    assert d2.leading_term(x) == x * y


def test_diff_is_factored_and_the_difference_expanded():
    d = _derive("I(x)-H(x)-O(x)")  # (x*x + x) + (x*x + x) = 2x^2 + 2x
    assert str(d.diff("x")) == str(sp.factor(4 * x + 2))  # factored: 2*(2*x + 1)
    assert d.diff("x").is_Mul
    step = d.diff("x", discrete=True)
    assert step == 4 * x + 4 and step.is_Add  # 2(x+1)^2 + 2(x+1) - 2x^2 - 2x, expanded


def test_diff_inside_a_floor_suggests_the_difference():
    cnn = symparams.parse("I(n x n x 1)-C(4,3)-P(2)-H(5)").derive()
    with pytest.raises(NotSupportedError,
                       match=r"not differentiable in n: n appears inside a floor or ceiling; "
                             r"use diff\('n', discrete=True\)"):
        cnn.diff("n")


def test_collected_coefficients_are_factored():
    d = _derive("I(x)-H(2*y)")  # x*2y + 2y
    for form in ("collected", "factored"):
        total = d.simplify(form, by="y").total
        assert str(total) == str(sp.collect(2 * x * y + 2 * y, [y], func=sp.factor))
        assert str(total) != str(sp.collect(2 * x * y + 2 * y, [y]))  # 2*y*(x + 1), not y*(2*x + 2)


def test_factored_non_trainable_counts():
    d = _derive("I(x)-H(y+1)-B")  # batchnorm on y + 1 features: 2(y + 1) non-trainable
    assert str(d.simplify("factored").rows[1].non_trainable) == str(sp.factor(2 * y + 2))


def test_leading_term_keeps_floors_of_other_symbols():
    d = symparams.parse("I(n x n x 1)-C(4,3)-P(2)-H(h)").derive()
    h, n = d.symbols["h"], d.symbols["n"]
    # by hand: conv 3*3*1*4 + 4 = 40; pooled side floor((n - 2)/2); dense 4*side**2*h + h
    lead = d.leading_term("h")
    for v in range(3, 30):
        assert lead.subs(n, v) == (4 * ((v - 2) // 2) ** 2 + 1) * h
    assert str(d.diff("h")) == str(lead / h)  # h is outside every floor: a plain derivative


def test_leading_term_of_a_total_without_the_symbol():
    assert _derive("I(x)-A(relu)").leading_term("x") == 0


def test_diff_of_several_symbols_and_its_default():
    d = _derive("I(x)-H(y)")  # x*y + y
    assert d.diff("x") == y and d.diff("y") == x + 1
    sq = _derive("I(x)-H(x)")  # x*x + x: derivative 2x + 1, forward difference 2x + 2
    assert forms.diff(sq, "x") == 2 * x + 1  # the derivative unless discrete=True is asked


def test_leading_term_refuses_a_total_that_is_no_sum_of_powers():
    """8 (q + 1)(q - 1)/(q + 2) units: q² - 1 over q + 2 has no power of q as its
    leading term (the two forms.py mutants 16 and 17 that made it return one)."""
    from symparams.core.errors import NotSupportedError

    d = symparams.parse("I(8)-H(h,bias=false)").derive().subs(h="(q+1)*(q-1)/(q+2)")
    with pytest.raises(NotSupportedError) as info:
        forms.leading_term(d, "q")
    assert str(info.value) == "the total is not a sum of powers of q"
