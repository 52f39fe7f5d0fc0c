"""The custom layer, declared by its weight shapes and output shape: from Python, a TOML
spec file and the notation; hostile input is one clean SpecError (or a ShapeError when
numbers prove a size below 1), never another exception."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symparams
from symparams.layers import Custom, Input
from symparams.notation.specfile import from_dict, toml_data
from tests.torch_required import examples


def derive(*layers, shape=("T", "d"), sequence=True):
    return symparams.Network((Input(shape, sequence=sequence), *layers)).derive()


def test_python_declaration():
    d = derive(Custom(output=("T", "h"), weight_shapes={"W": ("d", "h"), "b": "h"}))
    T, dd, h = (d.symbols[x] for x in ("T", "d", "h"))
    row = d.rows[0]
    assert row.output_shape.dims() == (T, h) and row.output_shape.sequence
    assert [str(w) for w in row.weights] == ["W: d × h", "b: h"]
    assert d.total == dd * h + h
    assert d.evaluate(T=10, d=8, h=4) == 36


def test_einmix_like_mixer():
    # einops' EinMix('t b c -> t b c_out', weight_shape='c c_out', bias_shape='c_out',
    # c=512, c_out=256) has 512·256 + 256 parameters
    d = derive(Custom(("T", 256), weight_shapes=(("weight", (512, 256)), ("bias", 256))),
               shape=("T", 512))
    assert d.evaluate(T=7) == 512 * 256 + 256


def test_same_output_and_expressions():
    d = symparams.parse("I(n x n x c)-custom(gamma=c, M=2*c x c//2)-C(4,3)").derive()
    c = d.symbols["c"]
    assert d.rows[0].output_shape == d.rows[0].input_shape
    for value in range(1, 9):
        assert d.rows[0].params.xreplace({c: value}) == value + 2 * value * (value // 2)
    assert d.evaluate(n=8, c=6) == 6 + 12 * 3 + (3 * 3 * 6 * 4 + 4)


def test_notation():
    d = symparams.parse("I(T x d)-custom(T x h, W=d x h, b=h, name=mix)").derive()
    row = d.rows[0]
    assert row.name == "mix" and [w.name for w in row.weights] == ["W", "b"]
    assert d.evaluate(T=3, d=5, h=2) == 12
    assert symparams.parse("I(T x d)-custom(out=T x 1, w=d)").derive().evaluate(T=2, d=3) == 3


def test_spec_file():
    spec = from_dict(toml_data('''
input = "T x d"
[[layers]]
kind = "custom"
name = "proj"
output = "T x 3*d"
weight_shapes = { W_qkv = "d x 3*d", b_qkv = ["3*d"] }
[[layers]]
kind = "custom"
weight_shapes = { scale = 1 }
''', "test"))
    d = spec.derive()
    assert d.evaluate(T=4, d=8) == 8 * 24 + 24 + 1
    assert d.rows[1].output_shape == d.rows[0].output_shape


def test_blocks_substitute_into_weight_shapes():
    d = symparams.parse("mix(h) = custom(T x h, W=d x h) ; I(T x d)-mix(16)").derive()
    assert d.evaluate(T=2, d=3) == 48


def test_frozen_and_shared():
    d = symparams.parse("I(T x d)-custom(W=d x d, trainable=false)").derive()
    assert d.subs({"d": 3}).non_trainable == 9 and d.subs({"d": 3}).trainable == 0


@pytest.mark.parametrize("weights,match", [
    ({"1W": 3}, "invalid name"),
    ({"lambda": 3}, "Python keyword"),
    ({"_w": 3}, "invalid name"),
    ({"a" * 65: 3}, "longer than 64"),
    ({"W": "3; import os"}, "unexpected character"),
    ({"W": "__import__('os')"}, "invalid name|function calls"),
    ({"W": 10**70}, "too large"),
    ({"W": "10**61"}, "too large"),
    ({"W": "10**70"}, "exponent"),
    ({"W": [[1, 2], [3]]}, "must be an integer"),
    ({"W": {"a": 1}}, "must be an integer"),
    ({"W": None}, "must be an integer"),
    ({"W": True}, "must be an integer"),
    ({"W": 1.5}, "must be an integer"),
    ({"W": []}, "1 to 8 sizes"),
    ({"W": list(range(1, 10))}, "1 to 8 sizes"),
    ({f"w{i}": 1 for i in range(65)}, "more than 64 weights"),
    ({3: 4}, "name is a text"),
    ([("W", 1), ("W", 2)], "declared twice"),
    ([("ﬁ", 1), ("fi", 2)], "declared twice"),
    ({"ñ": 1}, "ASCII"),
    ({"α": 1}, "ASCII"),
    ("W", "table of names"),
    (5, "table of names"),
    ({"W": "2 x x 3"}, "expected"),
    ({"W": "(" * 200 + "1" + ")" * 200}, "nested"),
])
def test_hostile_weights_are_one_spec_error(weights, match):
    with pytest.raises(symparams.SpecError, match=match):
        Custom(weight_shapes=weights)


@pytest.mark.parametrize("output,match", [
    ("sam", "did you mean 'same'"), ((1, 2, 3, 4, 5), "1 to 4 sizes"), ("", "expected"),
    ({"a": 1}, "must be an integer"), ("x" * 3000, "longer than"),
])
def test_hostile_output(output, match):
    with pytest.raises(symparams.SpecError, match=match):
        Custom(output=output)


def test_sizes_proved_below_one_are_shape_errors():
    with pytest.raises(symparams.ShapeError, match="size of weight W must be at least 1"):
        derive(Custom(weight_shapes={"W": ("d", "1 - 2")}))
    with pytest.raises(symparams.ShapeError, match="output size must be at least 1"):
        derive(Custom(output=("T", 0)))


@pytest.mark.parametrize("text", [
    "I(4)-custom(W=)", "I(4)-custom(W=3, W=4)", "I(4)-custom(kind=3)", "I(4)-custom(spec=1)",
    "I(4)-custom(W=1e9)", "I(4)-custom(W=f(2))", "I(4)-custom(weight_shapes=3, W=2)",
    "I(4)-custom(W=[1])",
])
def test_hostile_notation(text):
    with pytest.raises(symparams.SpecError):
        symparams.parse(text)


@pytest.mark.parametrize("table", [
    'weight_shapes = { W = { x = 1 } }', 'weight_shapes = [1, 2]', 'weight_shapes = "W"',
    'weight_shapes = { W = [[1]] }', 'output = 1.5', 'output = { a = 1 }',
    'weight_shapes = { "not a name" = 1 }', 'weight_shapes = { W = "d x" }',
])
def test_hostile_spec_file(table):
    text = f'input = [4]\n[[layers]]\nkind = "custom"\n{table}\n'
    with pytest.raises(symparams.SpecError):
        from_dict(toml_data(text, "test")).derive()


junk = st.recursive(
    st.none() | st.booleans() | st.integers(-10**80, 10**80) | st.floats(allow_nan=True)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12)


@given(weights=junk, output=junk)
@settings(max_examples=examples(300), deadline=None)
def test_junk_is_refused_cleanly(weights, output):
    try:
        layer = Custom(output=output, weight_shapes=weights)
        derive(layer, shape=(3, 4), sequence=False).rows[0].params
    except (symparams.SpecError, symparams.ShapeError):
        pass


def test_latex_documents_compile(tmp_path):
    from symparams.export.latex import to_latex
    from tests.test_pdflatex import compile_ok

    d = symparams.parse("I(n x n x c)-convtranspose(c2,4,s=2,p=valid)-upsample(2)"
                        "-custom(W_qkv=c2 x 3, gamma=2, b=c, name=my_layer)-reshape(-1 x 4)"
                        "-permute(2 x 1)-convtranspose(4,3,s=2,p=same,op=1)").derive()
    compile_ok(to_latex(d, standalone=True), tmp_path)
    numeric = tmp_path / "worked"
    numeric.mkdir()
    compile_ok(to_latex(d, standalone=True, worked=True, values={"n": 4, "c": 3, "c2": 8}),
               numeric)


def test_no_pytorch_module():
    from tests.torch_required import require_torch

    require_torch()
    from symparams.interop.torch import to_torch

    with pytest.raises(symparams.NotSupportedError, match="no PyTorch module for .*custom"):
        to_torch(symparams.parse("I(4)-custom(W=4 x 2, out=2)").derive())
