"""Table-driven formula tests per layer; expected values from tests/reference.py
(written from the framework docs) or worked by hand in the comment."""

from __future__ import annotations

import pytest
import sympy as sp

import symparams
from symparams.layers import (Activation, BatchNorm, Conv, Dense, Dropout, Flatten, GlobalPool,
                              Input, Pool, ZeroPadding)
from tests.reference import conv_params, conv_size, pool_size, same_size


def derive(*layers, shape=(28, 28, 1), convention="pytorch"):
    return symparams.Network((Input(shape), *layers)).derive(convention=convention)


@pytest.mark.parametrize("n,k,s,p,d", [
    (28, 5, 1, 0, 1), (28, 3, 2, 1, 1), (32, 3, 1, 0, 2), (7, 3, 2, 0, 1),
    (224, 7, 2, 3, 1), (10, 3, 3, 2, 2), (5, 5, 1, 0, 1), (9, 2, 4, 1, 3),
])
def test_conv2d_size_and_params(n, k, s, p, d):
    row = derive(Conv(6, k, stride=s, padding=p, dilation=d), shape=(n, n, 3)).rows[0]
    out = conv_size(n, k, s, p, d)
    assert row.output_shape.dims() == (out, out, 6)
    assert row.params == conv_params(3, 6, (k, k))


@pytest.mark.parametrize("n,s,expected", [(28, 1, 28), (28, 2, 14), (7, 2, 4), (9, 3, 3), (10, 4, 3)])
def test_conv_same_is_ceil_n_over_s(n, s, expected):
    assert same_size(n, s) == expected
    row = derive(Conv(4, 3, stride=s, padding="same"), shape=(n, n, 1)).rows[0]
    assert row.output_shape.dims() == (expected, expected, 4)


def test_valid_padding_is_zero():
    assert derive(Conv(4, 5, padding="valid")).rows[0].output_shape.dims() == (24, 24, 4)


def test_rectangular_kernel_and_per_axis_stride():
    row = derive(Conv(8, (5, 3), stride=(1, 2)), shape=(28, 30, 2)).rows[0]
    # height: 28 - 5 + 1 = 24; width: floor((30 - 3)/2) + 1 = 14
    assert row.output_shape.dims() == (24, 14, 8)
    assert row.params == 5 * 3 * 2 * 8 + 8


def test_conv1d_and_conv3d():
    r1 = derive(Conv(16, 5, stride=2), shape=(100, 3)).rows[0]
    assert r1.kind == "conv1d" and r1.output_shape.dims() == (conv_size(100, 5, 2), 16)
    assert r1.params == conv_params(3, 16, (5,))
    r3 = derive(Conv(4, 3, padding=1, stride=2), shape=(16, 16, 16, 2)).rows[0]
    o = conv_size(16, 3, 2, 1)
    assert r3.kind == "conv3d" and r3.output_shape.dims() == (o, o, o, 4)
    assert r3.params == conv_params(2, 4, (3, 3, 3))


@pytest.mark.parametrize("c_in,c_out,g,bias", [(8, 16, 4, True), (8, 16, 8, False), (6, 6, 6, True)])
def test_groups_and_bias(c_in, c_out, g, bias):
    row = derive(Conv(c_out, 3, groups=g, bias=bias), shape=(10, 10, c_in)).rows[0]
    assert row.params == conv_params(c_in, c_out, (3, 3), g, bias)
    assert [w.name for w in row.weights] == (["W", "b"] if bias else ["W"])


@pytest.mark.parametrize("n,k,s,p,ceil", [
    (24, 2, None, 0, False), (5, 2, 2, 1, True), (6, 3, 2, 0, True), (7, 3, 2, 0, True),
    (10, 3, 3, 0, True), (10, 3, 3, 0, False), (8, 4, 3, 2, True), (13, 3, 2, 1, True),
    (4, 4, 4, 2, True), (112, 3, 2, 1, False),
])
def test_pool_sizes_follow_pytorch(n, k, s, p, ceil):
    row = derive(Pool(k, stride=s, padding=p, ceil_mode=ceil), shape=(n, n, 3)).rows[0]
    out = pool_size(n, k, s, p, ceil)
    assert row.output_shape.dims() == (out, out, 3)
    assert row.params == 0


def test_pytorch_ceil_mode_drops_a_window_starting_in_right_padding():
    # n=5, k=2, s=2, p=1: ceil((5 + 2 - 2)/2) + 1 = 4 windows, but the 4th starts at 6 = n + p.
    assert derive(Pool(2, stride=2, padding=1, ceil_mode=True), shape=(5, 5, 1)).rows[0] \
        .output_shape.dims() == (3, 3, 1)


def test_symbolic_ceil_mode_agrees_for_every_n():
    d = symparams.parse("I(n x n x 1)-P(2,s=2,p=1,ceil=true)").derive()
    size = d.rows[0].output_shape.dims()[0]
    n = d.symbols["n"]
    for value in range(1, 60):
        assert size.subs(n, value) == pool_size(value, 2, 2, 1, True), value


def test_symbolic_ceil_mode_without_padding_needs_no_piecewise():
    # p + s <= k: the last window always starts inside the input, so no case split
    d = symparams.parse("I(n x n x 1)-P(3,s=2,ceil=true)").derive()
    size = d.rows[0].output_shape.dims()[0]
    assert not size.has(sp.Piecewise)
    for value in range(3, 60):
        assert size.subs(d.symbols["n"], value) == pool_size(value, 3, 2, 0, True), value


def test_pool_padding_larger_than_half_the_window_is_refused():
    with pytest.raises(symparams.ShapeError, match="at most half the pool size"):
        derive(Pool(2, padding=2))


def test_avgpool_and_pool_stride_default():
    row = derive(Pool(3, mode="avg"), shape=(10, 10, 2)).rows[0]
    assert row.kind == "avgpool2d" and row.output_shape.dims() == (3, 3, 2)


def test_global_pool_flatten_dense_dropout_activation():
    d = derive(Conv(4, 5), GlobalPool("max"), Dropout(0.5), Activation("relu"), Dense(3))
    assert [r.kind for r in d.rows] == ["conv2d", "globalmaxpool", "dropout", "activation", "dense"]
    assert d.rows[1].output_shape.dims() == (4,)
    assert d.rows[-1].params == 4 * 3 + 3


def test_flatten_multiplies_all_sizes():
    d = derive(Conv(16, 3), Flatten(), shape=(5, 5, 8))
    assert d.rows[1].output_shape.dims() == (3 * 3 * 16,)


def test_dense_bias_off():
    assert derive(Dense(10, bias=False), shape=(784,)).total == 7840


def test_batchnorm_conventions():
    torch_like = derive(Conv(16, 3), BatchNorm())
    keras_like = derive(Conv(16, 3), BatchNorm(), convention="keras")
    assert torch_like.rows[1].params == 32 and torch_like.non_trainable == 0
    assert keras_like.rows[1].params == 64
    assert (keras_like.trainable, keras_like.non_trainable) == (160 + 32, 32)
    assert [w.trainable for w in keras_like.rows[1].weights] == [True, True, False, False]


def test_zero_padding():
    assert derive(ZeroPadding(2)).rows[0].output_shape.dims() == (32, 32, 1)
    assert derive(ZeroPadding((1, 3))).rows[0].output_shape.dims() == (30, 34, 1)


def test_expression_hyperparameters():
    d = symparams.parse("I(n x n x l)-C(2*c, k//2 + 1)").derive()
    assert set(d.symbols) == {"n", "l", "c", "k"}
    # k = 5: kernel 5//2 + 1 = 3; 2c = 32 filters on 1 channel
    assert d.evaluate(n=28, l=1, c=16, k=5) == conv_params(1, 32, (3, 3))
    assert d.subs(n=28, l=1, c=16, k=5).rows[0].output_shape.dims() == (26, 26, 32)


# -- activations and PReLU (issue 9) -------------------------------------------------------
def test_activations_are_a_known_list():
    from symparams.layers.activation import activation_name
    assert activation_name("ReLU") == "relu" and activation_name("hard_sigmoid") == "hardsigmoid"
    with pytest.raises(symparams.SpecError, match=r"unknown activation 'relux' \(did you mean"):
        Activation("relux")
    with pytest.raises(symparams.SpecError, match="use the layer kind prelu"):
        Activation("prelu")


@pytest.mark.parametrize("text,params", [
    # PyTorch: nn.PReLU() has one weight; nn.PReLU(num_parameters=C) has C
    ("I(28x28x3)-A(prelu)", 1),
    ("I(28x28x3)-prelu", 1),
    ("I(28x28x3)-prelu(channels)", 3),
    ("I(28x28x3)-prelu(3)", 3),
    # Keras: PReLU() learns alpha of shape input_shape[1:], one per element
    ("I(28x28x3)-prelu(elements)", 28 * 28 * 3),
    ("I(10)-prelu(elements)", 10),
])
def test_prelu_counts_its_parameters(text, params):
    d = symparams.parse(text).derive()
    assert d.rows[0].kind == "prelu" and d.total == params


def test_prelu_num_parameters_must_be_one_or_the_channels():
    with pytest.raises(symparams.ShapeError, match=r"must be 1 or the input channels \(3\)"):
        symparams.parse("I(28x28x3)-prelu(2)").derive()


def test_prelu_agrees_with_torch():
    torch = pytest.importorskip("torch")
    for text, module in (("I(8x8x3)-prelu", torch.nn.PReLU()),
                         ("I(8x8x3)-prelu(channels)", torch.nn.PReLU(3))):
        expected = sum(p.numel() for p in module.parameters())
        assert symparams.parse(text).derive().total == expected
        built = symparams.parse(text).to_torch()
        assert sum(p.numel() for p in built.parameters()) == expected
