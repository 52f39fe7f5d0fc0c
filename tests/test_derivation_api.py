"""Derivation: immutability, substitution, evaluation, legend, conditions, JSON."""

from __future__ import annotations

import dataclasses
import json

import pytest
import sympy as sp

import symparams
from symparams import MissingValueError, ShapeError, SpecError

GENERAL = "I-C-P-C-P-H-O"
LASAGNE = dict(n=28, l=1, c1=32, k1=5, q1=2, c2=32, k2=3, q2=2, h1=256, o=10)


@pytest.fixture(scope="module")
def general():
    return symparams.parse(GENERAL).derive()


def test_evaluate_is_an_exact_python_int(general):
    total = general.evaluate(**LASAGNE)
    assert type(total) is int and total == 217706
    assert general.evaluate(LASAGNE) == 217706


def test_partial_substitution_returns_a_new_derivation(general):
    partial = general.subs(n=28, l=1, k1=5)
    assert partial is not general and "n" in general.symbols and "n" not in partial.symbols
    assert set(partial.symbols) == {"c1", "q1", "c2", "k2", "q2", "h1", "o"}
    assert partial.rows[0].output_shape.dims()[:2] == (24, 24)
    assert partial.evaluate(c1=32, q1=2, c2=32, k2=3, q2=2, h1=256, o=10) == 217706


def test_substitution_by_expression_text(general):
    tied = general.subs(k2="k1", c2="c1")
    assert "k2" not in tied.symbols
    assert tied.evaluate(n=28, l=1, c1=32, k1=3, q1=2, q2=2, h1=256, o=10) == \
        general.evaluate(**{**LASAGNE, "k1": 3, "k2": 3})


def test_derivation_is_immutable(general):
    with pytest.raises(dataclasses.FrozenInstanceError):
        general.rows = ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        general.rows[0].params = 1


def test_missing_values_are_named_with_their_roles(general):
    with pytest.raises(MissingValueError) as info:
        general.evaluate(n=28, l=1)
    message = str(info.value)
    assert "k1 (kernel size of conv2d1)" in message and "o (number of units of dense2)" in message


def test_violated_condition_names_the_layer(general):
    with pytest.raises(ShapeError, match=r"layer 3 \(conv2d2.*kernel \(13\) must fit in the padded input height \(12\)"):
        general.evaluate(**{**LASAGNE, "k2": 13})


@pytest.mark.parametrize("values,error,match", [
    (dict(zz=3), SpecError, "unknown symbol 'zz'; symbols: n, l, c1"),
    (dict(n=0), ShapeError, "n .input height and width. must be an integer of at least 1, got 0"),
    (dict(n=2.5), SpecError, "n must be an integer"),
    (dict(n=True), SpecError, "n must be an integer"),
    (dict(n="28 +"), SpecError, "expected a number"),
    (dict(n="__import__('os')"), SpecError, "invalid name"),
])
def test_bad_values(general, values, error, match):
    with pytest.raises(error, match=match):
        general.subs(values)


def test_legend_and_conditions(general):
    legend = dict((s.name, t) for s, t in general.legend)
    assert legend["q2"] == "pool size of maxpool2" and legend["l"] == "input channels"
    assert general.conditions and all(c.relation.free_symbols <= general.free_symbols
                                      for c in general.conditions)
    assert general.subs(**LASAGNE).conditions == ()
    # the conditions hold exactly where the reference says every layer fits
    values = dict(LASAGNE)
    for n in range(1, 30):
        values["n"] = n
        holds = all(bool(c.relation.subs({general.symbols[k]: v for k, v in values.items()}))
                    for c in general.conditions)
        h1 = n - 5 + 1
        fits = h1 >= 2 and h1 // 2 >= 3 and (h1 // 2 - 3 + 1) >= 2
        assert holds == fits, n


def test_row_lookup(general):
    assert general.row("dense1").index == 6 and general.row(6).name == "dense1"
    with pytest.raises(KeyError, match="no layer 'nope'"):
        general.row("nope")


def test_to_dict_is_json_with_integers_and_sympy_strings(general):
    data = json.loads(json.dumps(general.to_dict()))
    assert set(data) >= {"layers", "total", "trainable", "non_trainable", "symbols", "conditions"}
    height, width, channels = data["layers"][0]["output_shape"]
    assert height == width and {"n", "k1"} <= set(height.replace("-", " ").replace("+", " ").split())
    assert channels == "c1" and data["layers"][0]["params"] == str(general.rows[0].params)
    numeric = general.subs(**LASAGNE).to_dict()
    assert numeric["total"] == 217706 and numeric["layers"][0]["output_shape"] == [24, 24, 32]
    assert all(type(x) is int for layer in numeric["layers"] for x in layer["output_shape"])


def test_a_deep_symbolic_network_derives():
    text = "I(n x n x 3)" + "-C(16,3,p=1)-C(16,3,s=2,p=1)" * 10 + "-G-O(10)"
    d = symparams.parse(text).derive()
    assert len(d.rows) == 22
    # 10 stride-2 stages; the reference halves with ceiling each time
    n = 5000
    size = n
    for _ in range(10):
        size = (size + 2 - 3) // 2 + 1
    assert d.subs(n=n).rows[-3].output_shape.dims()[0] == size


def test_plain_sympy_symbols_get_integer_size_assumptions():
    from symparams.layers import Conv, Input

    n, p = sp.Symbol("n"), sp.Symbol("p")
    d = symparams.Network((Input((n, n, 1)), Conv(4, 5, stride=2, padding=p))).derive()
    assert d.symbols["n"].is_integer and d.symbols["n"].is_positive
    assert d.symbols["p"].is_integer and d.symbols["p"].is_nonnegative and not d.symbols["p"].is_positive
    # floor((28 + 2*1 - 5)/2) + 1 = 13
    assert d.subs(n=28, p=1).rows[0].output_shape.dims() == (13, 13, 4)


# -- issue 9: what evaluate/subs accept -------------------------------------------------
SMALL = "I(n x n x 1)-C(4,3)-H(h)"


def small_total(n, h):
    """By hand: conv 3*3*1*4 + 4 = 40, then (n-2)^2 * 4 inputs into h units."""
    return 40 + 4 * (n - 2) ** 2 * h + h


def test_plain_sympy_symbols_numpy_ints_and_expressions_are_accepted():
    import numpy as np

    d = symparams.parse(SMALL).derive()
    assert d.subs({sp.Symbol("n"): 28}).total == small_total(28, d.symbols["h"])
    total = d.evaluate({sp.Symbol("n"): np.int64(28), "h": sp.Integer(3)})
    assert type(total) is int and total == small_total(28, 3)
    assert d.evaluate(n=np.int32(10), h=np.uint8(2)) == small_total(10, 2)
    # an expression over plain symbols means the derivation's symbol of that name
    tied = d.subs(h=2 * sp.Symbol("n"))
    assert set(tied.symbols) == {"n"} and tied.evaluate(n=7) == small_total(7, 14)
    assert d.subs(h="n + 1").evaluate(n=5) == small_total(5, 6)


@pytest.mark.parametrize("value,match", [
    (2.5, "h must be an integer, got the float 2.5"),
    (float("inf"), "h must be an integer, got the float inf"),
    (float("nan"), "h must be an integer, got the float nan"),
    (sp.Float(3), "h must be an integer, got 3.0+ .a float"),
    (sp.nan, "h must be an integer, got nan"),
    (sp.oo, "h must be an integer, got oo"),
    (-sp.oo, "h must be an integer"),
    (sp.zoo, "h must be an integer"),
    (sp.pi, "h must be an integer"),
    (sp.Symbol("n") + sp.Float(0.5), "h must be an integer.*a float"),
    (None, "h must be an integer, got None"),
    (True, "h must be an integer, got True"),
    (10 ** 5000, "h has more than 1,000 digits"),
    (sp.Integer(7) ** 3000, "h has more than 1,000 digits"),
    ("1" * 5000, "value of h is 5,000 characters long"),
    ("3 +", "the value of h: expected a number"),
    ([3], "h must be an integer, a name or an expression, got a list"),
], ids=lambda v: type(v).__name__)
def test_non_integer_values_are_refused_naming_the_symbol(value, match):
    d = symparams.parse(SMALL).derive()
    with pytest.raises(SpecError, match=match) as info:
        d.evaluate(n=28, h=value)
    assert len(str(info.value)) < 300
    with pytest.raises(SpecError):
        d.subs({"h": value})


def test_keys_must_be_names_or_symbols():
    d = symparams.parse(SMALL).derive()
    with pytest.raises(SpecError, match="named by a string or a sympy Symbol, got a int"):
        d.subs({3: 4})
    with pytest.raises(SpecError, match="unknown symbol 'q'"):
        d.subs({sp.Symbol("q"): 4})


def test_evaluate_never_returns_a_non_integer():
    d = symparams.parse(SMALL).derive()
    for n in (3, 10, 2 ** 70):
        total = d.evaluate(n=n, h=5)
        assert type(total) is int and total == small_total(n, 5)
