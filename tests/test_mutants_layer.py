"""Tests that kill mutants of symparams/core/layer.py (docs/testing.md, "Mutation
testing"), written from reading the module; messages are compared whole."""

from __future__ import annotations

import pytest
import sympy as sp

from symparams.core.errors import SpecError
from symparams.core.layer import (MAX_INT_DIGITS, _type_name, hyper_conditions, suggest,
                                  to_expr, word_problem)
from symparams.layers import Dense


def _msg(excinfo) -> str:
    err = excinfo.value
    return getattr(err, "message", None) or str(err)


def test_number_words_are_refused_with_their_value():
    assert word_problem("two", "kernel size") == "kernel size: 'two' is a number word; write 2"
    assert word_problem("Twenty", "kernel size") == ("kernel size: 'Twenty' is a number word; "
                                                     "write 20")
    assert word_problem("dozen", "units") == "units: 'dozen' is a number word; write 12"
    assert word_problem("k", "kernel size") is None


def test_words_of_an_option():
    words = ("same", "valid")
    assert word_problem("full", "padding", words, "padding") == (
        "padding: 'full' is not supported; use a number or one of same, valid")
    assert word_problem("Valdi", "padding", words, "padding") == (
        "padding: unknown word 'Valdi' (did you mean 'valid'?)")
    # another framework's word only for the option it belongs to; far words are names
    assert word_problem("full", "groups", words, "groups") is None
    assert word_problem("full", "padding", words) is None
    assert word_problem("xyz", "padding", words, "padding") is None
    assert word_problem("sme", "padding", (), "padding") is None


def test_suggest():
    assert suggest("Vaild", ["same", "valid"]) == " (did you mean 'valid'?)"
    assert suggest("qqqq", ["same", "valid"]) == ""


def test_type_names():
    assert [_type_name(v) for v in ([1], (1,), {}, "s", True, 1.5, 3, None)] == [
        "a list", "a list", "a table", "a string", "a boolean", "a decimal number",
        "an integer", "a NoneType"]


def test_hyper_conditions():
    n = sp.Symbol("n", integer=True, positive=True)
    p = sp.Symbol("p", integer=True, nonnegative=True)
    q = sp.Symbol("q", integer=True)
    assert hyper_conditions(sp.Rational(3, 2), "stride", False) == [
        (sp.false, "stride must be an integer, got 3/2")]
    assert hyper_conditions(sp.Integer(0), "stride", False) == [
        (sp.false, "stride must be at least 1, got 0")]
    assert hyper_conditions(sp.Integer(-1), "padding", True) == [
        (sp.false, "padding must be nonnegative, got -1")]
    assert hyper_conditions(sp.Integer(0), "padding", True) == []
    assert hyper_conditions(sp.Integer(1), "stride", False) == []
    assert hyper_conditions(n, "stride", False) == []
    assert hyper_conditions(p, "padding", True) == []
    assert hyper_conditions(q, "padding", True) == [(sp.Ge(q, 0), "padding is nonnegative")]
    assert hyper_conditions(q - 3, "stride", False) == [(sp.Ge(q - 3, 1), "stride q - 3 is at least 1")]
    half = hyper_conditions(n / 2, "stride", False)
    assert [r for _, r in half] == ["stride is an integer", "stride n/2 is at least 1"]
    for value in range(1, 9):
        assert bool(half[0][0].subs(n, value)) == (value % 2 == 0)
        assert bool(half[1][0].subs(n, value)) == (value >= 2)


def test_to_expr_refusals():
    cases = [
        (True, "kernel size must be an integer, got True"),
        (10**60, f"kernel size: number too large (more than {MAX_INT_DIGITS} digits)"),
        (-(10**60), "kernel size: number too large (more than 60 digits)"),
        (2.0, "kernel size must be an integer, got 2.0; sizes are whole numbers: write 2"),
        (2.5, "kernel size must be an integer, got 2.5"),
        (1e70, "kernel size must be an integer, got 1e+70"),
        ([1], "kernel size must be an integer, a name or an expression, got a list '[1]'"),
        (sp.Float(2.0), "kernel size must be an integer expression, got '2.00000000000000'"),
        (sp.oo, "kernel size must be an integer expression, got 'oo'"),
        (sp.I, "kernel size must be an integer expression, got 'I'"),
        (sp.Symbol("x") ** 65, "kernel size: degree above 64 in 'x**65'"),
    ]
    for value, message in cases:
        with pytest.raises(SpecError) as e:
            to_expr(value, role="kernel size")
        assert _msg(e) == message, value


def test_to_expr_gives_symbols_the_size_assumptions():
    assert to_expr(5, role="units") == 5 and isinstance(to_expr(5, role="units"), sp.Integer)
    assert to_expr(10**59, role="units") == 10**59
    (n,) = to_expr(sp.Symbol("n"), role="units").free_symbols
    assert n.is_integer and n.is_positive
    (p,) = to_expr(sp.Symbol("p"), role="padding", nonnegative=True).free_symbols
    assert p.is_integer and p.is_nonnegative and p.is_positive is None
    w = sp.Symbol("w", integer=True, nonnegative=True)
    (w1,) = to_expr(w, role="units").free_symbols
    assert w1.is_positive
    (w2,) = to_expr(w, role="padding", nonnegative=True).free_symbols
    assert w2 is w
    m = sp.Symbol("m", integer=True, positive=True)
    assert to_expr(m, role="units") is m
    assert to_expr(sp.Symbol("x") ** 64, role="units").free_symbols.pop().is_positive


def test_a_60_digit_integer_is_accepted():
    # (a bug until the bound compared with 10**60 rather than 60 * 3.33 bits)
    largest = 10**60 - 1
    assert len(str(largest)) == 60 == MAX_INT_DIGITS
    assert Dense(largest).units == largest


# -- make_layer -----------------------------------------------------------------------

def _make_error(*args, **kwargs) -> str:
    from symparams.core.layer import make_layer

    with pytest.raises(SpecError) as e:
        make_layer(*args, **kwargs)
    return _msg(e)


def test_make_layer_messages():
    from symparams.core.layer import REGISTRY

    assert _make_error(3) == "a layer kind is a text such as \"conv2d\", got an integer '3'"
    known = ", ".join(sorted(REGISTRY))
    assert "conv2d" in REGISTRY and "dense" in REGISTRY
    assert _make_error("conv2dd", filters=4, kernel=3) == (
        f"unknown layer kind 'conv2dd' (did you mean 'conv2d'?); known kinds: {known}")
    assert _make_error("qqqqqq") == f"unknown layer kind 'qqqqqq'; known kinds: {known}"
    options = "bias, inputs, name, shares, ties, trainable, units"
    assert _make_error("dense", unitz=4) == (
        f"dense: unknown option 'unitz' (did you mean 'units'?); options are: {options}")
    # spec is set by the notation, never given; the first unknown option in order is named
    assert _make_error("dense", units=3, spec="x") == (
        f"dense: unknown option 'spec'; options are: {options}")
    assert _make_error("dense", units=3, zz=1, aa=2).startswith("dense: unknown option 'aa'")
    # a fixed option (conv2d's ndim) is not an option of the kind
    assert _make_error("conv2d", filters=4, kernel=3, ndim=3).startswith(
        "conv2d: unknown option 'ndim'; options are: bias, dilation, filters, groups, inputs, "
        "kernel, name, padding, shares, stride, ties, trainable")
    assert _make_error("dense") == "dense: missing units"
    assert _make_error("conv2d") == "conv2d: missing filters, kernel"
    assert _make_error("conv2d", kernel=3) == "conv2d: missing filters"


def test_make_layer_normalises_the_kind_and_applies_the_fixed_options():
    from symparams.core.layer import make_layer

    for kind in ("conv2d", "Conv2D", "conv_2d", "CONV_2_D"):
        layer = make_layer(kind, filters=4, kernel=3)
        assert type(layer).__name__ == "Conv" and layer.ndim == 2
        assert (layer.filters, layer.kernel) == (4, 3)
    assert make_layer("conv3d", filters=4, kernel=3).ndim == 3
    dense = make_layer("dense", units=7, name="head", bias=False)
    assert (dense.units, dense.name, dense.bias) == (7, "head", False)


# -- defaults of the protocol ---------------------------------------------------------

def test_a_layer_without_macs_counts_zero():
    from symparams.core.network import Network
    from symparams.layers import Activation, Input

    d = Network((Input((8,)), Dense(3), Activation("relu"))).derive()
    assert [r.macs for r in d.rows] == [8 * 3, 0]
    assert d.macs == 8 * 3


def test_frozen_weights_are_listed_as_non_trainable_in_the_worked_solution():
    import symparams

    d = symparams.parse("I(4)-custom(W=4 x 3, b=3, trainable=false)").derive()
    assert (d.trainable, d.non_trainable) == (0, 4 * 3 + 3)
    assert all(w.trainable is False for w in d.rows[0].weights)
    text = d.worked({})
    assert "non-trainable parameters" in text and "= 15" in text


def test_hyper_declares_a_field_with_its_metadata():
    from dataclasses import MISSING, fields

    from symparams.core.layer import hyper
    from symparams.layers import Conv

    f = hyper("kernel size", default=3, nonnegative=True, per_axis=True, words=("same",))
    assert f.default == 3
    assert dict(f.metadata) == {"role": "kernel size", "nonnegative": True, "per_axis": True,
                                "words": ("same",)}
    g = hyper("units")
    assert g.default is MISSING
    assert dict(g.metadata) == {"role": "units", "nonnegative": False, "per_axis": False,
                                "words": ()}
    meta = {f.name: dict(f.metadata) for f in fields(Conv)}
    assert meta["padding"]["nonnegative"] is True and "same" in meta["padding"]["words"]
    assert meta["kernel"]["per_axis"] is True and meta["kernel"]["nonnegative"] is False


def test_register_records_the_class_and_its_fixed_options():
    from symparams.core.layer import REGISTRY, register
    from symparams.layers import Conv

    assert REGISTRY["conv2d"] == (Conv, {"ndim": 2})
    before = dict(REGISTRY)
    try:
        deco = register("mutantprobe", ndim=1)
        assert deco(Conv) is Conv
        assert REGISTRY["mutantprobe"] == (Conv, {"ndim": 1})
    finally:
        REGISTRY.clear()
        REGISTRY.update(before)


# -- per-axis values, spatial inputs, conditions --------------------------------------

def _shape_error(layers) -> str:
    from symparams.core.errors import ShapeError
    from symparams.core.network import Network

    with pytest.raises(ShapeError) as e:
        Network(layers).derive()
    return _msg(e)


def test_per_axis_messages_and_expansion():
    from symparams.core.network import Network
    from symparams.layers import Conv, Input

    assert _shape_error((Input((8, 8, 1)), Conv(4, 3, padding=(1, 1, 1)))).endswith(
        ": padding has 3 values but the input has 2 spatial axes")
    assert _shape_error((Input((8, 8, 1)), Conv(4, (3, 3, 3)))).endswith(
        ": kernel size has 3 values but the input has 2 spatial axes")
    # one value in a tuple is that value on every axis: (8 - 3 + 1) = 6
    d = Network((Input((8, 8, 1)), Conv(4, (3,), padding=(1,)))).derive()
    assert d.rows[0].output_shape.dims() == (8, 8, 4)
    d = Network((Input((8, 9, 1)), Conv(4, (3, 2)))).derive()
    assert d.rows[0].output_shape.dims() == (6, 8, 4)


def test_spatial_input_messages():
    from symparams.layers import Conv, Input

    assert _shape_error((Input((8,)), Conv(4, 3))).endswith(
        ": conv needs a 1-D, 2-D or 3-D input with channels, got a vector of 8")
    assert _shape_error((Input((8, 8, 1)), Conv(4, 3, ndim=1))).endswith(
        ": conv1d needs a 1-D input, got 2-D (8 × 8 × 1)")


def test_every_per_axis_value_is_a_hyperparameter():
    from symparams.layers import Conv

    kernels = [v for f, _, _, v in Conv(4, ("a", "b")).hyperparameters() if f == "kernel"]
    assert [str(v) for v in kernels] == ["a", "b"]


def test_all_conditions_stop_only_at_a_provably_false_hyperparameter():
    from symparams.layers import Conv, Input

    shape = Input((8, 8, 1)).output_shape()
    assert Conv(4, 3, groups=0).all_conditions(shape) == [
        (sp.false, "groups must be at least 1, got 0")]
    reasons = [r for _, r in Conv(4, 3, stride="s - 1").all_conditions(shape)]
    assert reasons == ["stride s - 1 is at least 1",
                       "the kernel (3) must fit in the padded input height (8)",
                       "the kernel (3) must fit in the padded input width (8)"]


def test_to_expr_more_refusals_and_assumptions():
    for value, message in [
        (-sp.oo, "units must be an integer expression, got '-oo'"),
        (sp.IndexedBase("x")[1], "units must be an integer expression, got 'x[1]'"),
        (1e60, "units must be an integer, got 1e+60"),
    ]:
        with pytest.raises(SpecError) as e:
            to_expr(value, role="units")
        assert _msg(e) == message, value
    # a text's symbols are nonnegative for padding, positive otherwise
    (p,) = to_expr("p", role="padding", nonnegative=True).free_symbols
    assert p.is_nonnegative and p.is_positive is None
    (n,) = to_expr("n", role="units").free_symbols
    assert n.is_positive
    # a positive integer symbol is kept as it is, whatever else it assumes
    m = sp.Symbol("m", integer=True, positive=True, even=True)
    assert to_expr(m, role="units") is m
