"""Tests that kill mutants of symparams/core/layer.py (docs/testing.md, "Mutation
testing"), written from reading the module; messages are compared whole."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sympy as sp

from symparams.core.errors import SpecError
from symparams.core.layer import (MAX_INT_DIGITS, Layer, _type_name, hyper, hyper_conditions,
                                  suggest, to_expr, word_problem)
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
    assert _type_name(3j) == "a complex" and _type_name(sp.Integer(3)) == "a Integer"


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
    # the same number as a text and as a sympy integer (2**199 has 200 bits, 60 digits)
    assert Dense("9" * 60).units == largest
    assert to_expr(sp.Integer(2**199), role="units") == 2**199
    with pytest.raises(SpecError) as e:
        to_expr(sp.Integer(10**60), role="units")
    assert _msg(e) == "units: number too large (more than 60 digits)"


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


# -- the checks of __post_init__ (messages compared whole) ----------------------------

def _spec_error(make) -> str:
    with pytest.raises(SpecError) as e:
        make()
    return _msg(e)


@dataclass(frozen=True)
class _Probe(Layer):
    """A layer kind defined outside the package, as a user would: an annotated
    hyperparameter, a hyperparameter named ``shape``, a float option, two inputs."""

    kind = "probe"
    prefix = "probe"
    arity = 2

    size: int = hyper("probe size", default=1)
    shape: Any = hyper("probe shape", default=1, per_axis=True)
    scale: float = 1.0

    def output_shape(self, in_shape):
        return in_shape


def test_a_per_axis_value_for_a_scalar_hyperparameter_is_refused():
    assert _spec_error(lambda: Dense((3, 4))) == (
        "dense: number of units takes one value, got a list '(3, 4)'")


def test_how_many_values_per_axis():
    from symparams.layers import Conv

    assert _spec_error(lambda: Conv(4, ())) == (
        "conv: kernel size takes 1 to 3 values (one per axis), got 0")
    assert _spec_error(lambda: Conv(4, (3, 3, 3, 3))) == (
        "conv: kernel size takes 1 to 3 values (one per axis), got 4")
    assert Conv(4, (3, 2, 1)).kernel == (3, 2, 1)
    # a field named shape (an input's sizes) takes up to 4 values: 3 spatial and channels
    assert _Probe(shape=(1, 2, 3, 4)).shape == (1, 2, 3, 4)
    assert _spec_error(lambda: _Probe(shape=(1, 2, 3, 4, 5))) == (
        "probe: probe shape takes 1 to 4 values (one per axis), got 5")


def test_a_hyperparameter_whose_default_is_none_is_converted_when_given():
    from symparams.layers import Conv, Pool

    assert Pool(2).stride is None
    stride = Pool(2, stride="2").stride
    assert stride == 2 and isinstance(stride, sp.Integer)
    # None for a hyperparameter that has a default is refused, not kept
    assert _spec_error(lambda: Conv(4, 3, stride=None)) == (
        "conv: stride must be an integer, a name or an expression, got a NoneType 'None'")


def test_words_are_checked_with_the_option_they_belong_to():
    from symparams.layers import Conv

    full = "conv: padding: 'full' is not supported; use a number or one of same, valid"
    assert _spec_error(lambda: Conv(4, 3, padding="full")) == full
    assert _spec_error(lambda: Conv(4, 3, padding=(1, "full"))) == full
    assert _spec_error(lambda: Conv(4, 3, padding="vaild")) == (
        "conv: padding: unknown word 'vaild' (did you mean 'valid'?)")
    assert _spec_error(lambda: Dense("two")) == (
        "dense: number of units: 'two' is a number word; write 2")
    assert _spec_error(lambda: Dense(2.5)) == "dense: number of units must be an integer, got 2.5"
    assert Conv(4, 3, padding="Same").padding == "same"
    (n,) = Dense("n").units.free_symbols
    assert n.name == "n" and n.is_positive


def test_the_name_of_a_layer():
    assert _spec_error(lambda: Dense(3, name=5)) == "dense: name must be a string, got an integer '5'"
    assert Dense(3, name="x" * 200).name == "x" * 200
    assert _spec_error(lambda: Dense(3, name="x" * 201)) == (
        "dense: name '" + "x" * 19 + "…' is longer than 200 characters")


def test_plain_options_have_their_declared_type():
    from symparams.layers import Conv

    assert _spec_error(lambda: Dense(3, bias="false")) == (
        "dense: bias must be true or false, got a string 'false' (a TOML boolean is written "
        "without quotes: bias = false)")
    assert _spec_error(lambda: Dense(3, bias=1)) == (
        "dense: bias must be true or false, got an integer '1'")
    # every option is checked, not only the first (conv's bias comes before ndim)
    assert _spec_error(lambda: Conv(4, 3, ndim="2")) == (
        "conv: ndim must be an integer or unset, got a string '2'")
    assert _spec_error(lambda: Conv(4, 3, bias=True, ndim=True)) == (
        "conv: ndim must be an integer or unset, got a boolean 'True'")
    assert Conv(4, 3, ndim=2).ndim == 2 and Conv(4, 3, ndim=None).ndim is None
    # a type without a word is named as Python names it
    assert _spec_error(lambda: _Probe(scale="x")) == (
        "probe: scale must be float, got a string 'x'")
    # hyperparameters are converted, not checked against their annotation
    (n,) = _Probe(size="n").size.free_symbols
    assert n.name == "n"


def test_trainable_shares_and_ties():
    from symparams.layers import Conv, Embedding

    assert _spec_error(lambda: Dense(3, trainable="no")) == (
        "dense: trainable must be true or false, got a string 'no'")
    assert Dense(3, trainable=False).trainable is False
    for bad, shown in ((3, "an integer '3'"), ("", "a string ''")):
        assert _spec_error(lambda: Dense(3, shares=bad)) == (
            f"dense: shares names the layer whose weights it uses, got {shown}")
        assert _spec_error(lambda: Dense(3, ties=bad)) == (
            f"dense: ties names the layer whose matrix it uses, got {shown}")
    assert Dense(3, shares="d1").shares == "d1"
    assert Dense(3, ties="e").ties == "e" and Embedding(10, 4, ties="o").ties == "o"
    assert _spec_error(lambda: Conv(4, 3, ties="d")) == (
        "conv has no matrix to tie (dense and embedding layers do)")


def test_inputs_are_names_or_negative_offsets():
    from symparams.core.layer import MAX_INPUTS
    from symparams.layers import Add

    assert MAX_INPUTS == 1000
    assert Dense(3).inputs is None
    assert Dense(3, inputs="a").inputs == ("a",)
    for given in (["a", "b"], ("a", -1), [-1, -999_999], ["a", "b", "c"]):
        read = Add(inputs=given).inputs
        assert type(read) is tuple and read == tuple(given)
    many = [f"x{i}" for i in range(1000)]
    assert Add(inputs=many).inputs == tuple(many)
    assert _spec_error(lambda: Add(inputs=many + ["y"])) == "add: more than 1000 inputs"
    start = ("add: inputs must be a list of layer names (or negative offsets, -1 for the layer "
             "before), got ")
    for bad, shown in ((5, "an integer '5'"), ([], "a list '[]'"), ([0], "a list '[0]'"),
                       ([1], "a list '[1]'"), (["a", 0], "a list '['a', 0]'"),
                       ([-1_000_000], "a list '[-1000000]'"), ([True], "a list '[True]'"),
                       ([""], "a list '['']'"), ([-0.5], "a list '[-0.5]'")):
        assert _spec_error(lambda: Add(inputs=bad)) == start + shown, bad
    assert _spec_error(lambda: Dense(3, inputs=["a", "b"])) == "dense reads 1 input, got 2: 'a, b'"
    assert _spec_error(lambda: _Probe(inputs=["a"])) == "probe reads 2 inputs, got 1: 'a'"
    assert _Probe(inputs=["a", -2]).inputs == ("a", -2)


def test_a_layer_without_elementwise_work_counts_zero():
    from symparams.core.network import Network
    from symparams.layers import Dropout, Input

    d = Network((Input((8,)), Dropout(0.5))).derive()
    assert d.flops(extended=True) == 0
    assert Layer.elementwise(Dense(3), (), None) == 0


def test_a_merge_has_no_single_input_shape():
    from symparams.core.errors import ShapeError
    from symparams.layers import Add, Input

    with pytest.raises(ShapeError) as e:
        Add().output_shape(Input((8,)).output_shape())
    assert _msg(e) == "add reads two or more inputs (give inputs=[...])"


def test_weight_subs_frozen_and_str():
    from symparams.core.layer import Weight

    n = sp.Symbol("n", integer=True, positive=True)
    w = Weight("W", (n, sp.Integer(3)), trainable=False, conventions=("keras",))
    assert w.subs({n: 5}) == Weight("W", (sp.Integer(5), sp.Integer(3)), False, ("keras",))
    assert w.subs({n: 5}).size == 15 and w.size == 3 * n
    assert str(w) == "W: n × 3"
    assert Weight("b", (n,)).frozen() == Weight("b", (n,), trainable=False)
    assert w.counts("keras") and not w.counts("pytorch")


def test_torch_defaults_of_the_protocol():
    # these need no torch: they read option dictionaries
    from symparams.core.errors import NotSupportedError
    from symparams.layers import Activation

    assert Layer.torch_input_ranks({"ndim": 2}) == (2,)
    assert Layer.torch_input_ranks({"in_channels": 3}) is None
    # the options that are fields of the kind, the others left out
    a = Activation.from_torch({"function": "tanh", "ndim": 0, "in_channels": 3}, None)
    assert a == Activation("tanh")
    assert Dense.has_torch_module() and not _Probe.has_torch_module()
    with pytest.raises(NotSupportedError) as err:
        _Probe().to_torch(None, None)
    assert _msg(err) == "no PyTorch module for probe"
