"""Reshape and Permute: the element-count condition and its error, -1 inference, Keras'
1-based Permute, and PyTorch's channels-first calls (view/reshape/permute in a traced
forward, nn.Unflatten) converted to the channels-last order."""

from __future__ import annotations

import itertools

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symparams
from symparams.layers import Input, Permute, Reshape
from symparams.layers.reshape import _from_torch_order, _to_torch_order
from tests.torch_required import examples, require_torch


def derive(*layers, shape):
    return symparams.Network((Input(shape), *layers)).derive()


def test_reshape_keeps_the_element_count():
    d = derive(Reshape((4, 4, 16)), shape=(256,))
    assert d.rows[0].output_shape.dims() == (4, 4, 16) and d.total == 0
    with pytest.raises(symparams.ShapeError, match=r"5 × 5 × 3 = 75 elements, but 8 × 9 = 72"):
        derive(Reshape((8, 9)), shape=(5, 5, 3))


def test_symbolic_condition_is_printed_with_the_formula():
    d = symparams.parse("I(n x n x c)-reshape(m x 4)").derive()
    n, c, m = (d.symbols[x] for x in "ncm")
    [cond] = d.conditions
    assert sp.simplify(cond.relation.lhs - cond.relation.rhs - (c * n**2 - 4 * m)) == 0 or \
        sp.simplify(cond.relation.lhs - cond.relation.rhs + (c * n**2 - 4 * m)) == 0
    assert "product(in) = product(out)" in cond.reason
    assert d.subs({"n": 4, "c": 2, "m": 8}).rows[0].output_shape.dims() == (8, 4)
    with pytest.raises(symparams.ShapeError, match="element count"):
        symparams.parse("I(n x n x c)-reshape(m x 4)").derive().subs({"n": 3, "c": 1, "m": 2})


def test_minus_one_is_inferred():
    assert derive(Reshape((-1, 2, 3)), shape=(6, 4)).rows[0].output_shape.dims() == (4, 2, 3)
    d = symparams.parse("I(n x n x c)-reshape(-1 x c)").derive()
    n, c = d.symbols["n"], d.symbols["c"]
    assert d.rows[0].output_shape.dims() == (n**2, c)
    with pytest.raises(symparams.ShapeError, match="must divide the element count"):
        derive(Reshape((-1, 7)), shape=(5, 5, 3))
    with pytest.raises(symparams.SpecError, match="at most one size may be -1"):
        Reshape((-1, -1))


def test_reshape_from_a_spec_file_and_a_sequence():
    from symparams.notation.specfile import from_dict, toml_data

    spec = from_dict(toml_data('''
input = [784]
[[layers]]
kind = "reshape"
shape = [28, 28]
sequence = true
[[layers]]
kind = "dense"
units = 10
''', "test"))
    d = spec.derive()
    assert d.rows[0].output_shape.sequence and d.rows[1].output_shape.dims() == (28, 10)


@pytest.mark.parametrize("bad", [(), (1, 2, 3, 4, 5), (0, 4), ("a b",), (2.5, 2), (True, 2)])
def test_bad_reshape_sizes(bad):
    with pytest.raises((symparams.SpecError, symparams.ShapeError)):
        derive(Reshape(bad), shape=(4, 4, 1))


def test_keras_permute():
    # Keras Permute((2, 1)) on (10, 64) gives (64, 10)
    assert derive(Permute((2, 1)), shape=(10, 64)).rows[0].output_shape.dims() == (64, 10)
    d = symparams.parse("I(h x w x c)-permute(3 x 1 x 2)").derive()
    h, w, c = (d.symbols[x] for x in "hwc")
    assert d.rows[0].output_shape.dims() == (c, h, w)
    with pytest.raises(symparams.ShapeError, match="order 2 axes, the input has 3"):
        derive(Permute((2, 1)), shape=(4, 5, 6))
    for bad in ((1, 1), (0, 1), (1, 3), ("a", 1), (), (1.0, 2)):
        with pytest.raises(symparams.SpecError):
            Permute(bad)


def test_permute_orders_round_trip():
    for r in range(1, 4):
        for perm in itertools.permutations(range(1, r + 2)):
            torch_perm = (0, *perm)
            assert _to_torch_order(_from_torch_order(torch_perm)) == perm


@given(rank=st.integers(2, 5), data=st.data())
@settings(max_examples=examples(60), deadline=None)
def test_permute_and_reshape_against_torch(rank, data):
    torch = require_torch()
    sizes = [data.draw(st.integers(1, 6)) for _ in range(rank - 1)]  # channels first, no batch
    perm = data.draw(st.permutations(range(1, rank)))
    x = torch.empty(2, *sizes, device="meta")
    expected = tuple(x.permute(0, *perm).shape[1:])
    channels, *spatial = sizes
    d = derive(Permute(_from_torch_order((0, *perm))), shape=(*spatial, channels))
    assert tuple(int(v) for v in d.rows[0].output_shape.channels_first()) == expected
    target = data.draw(st.permutations(sizes))
    d = derive(Reshape(tuple(target), channels_first=True), shape=(*spatial, channels))
    assert tuple(int(v) for v in d.rows[0].output_shape.channels_first()) == \
        tuple(x.reshape(2, *target).shape[1:])


def test_traced_view_permute_reshape_and_back():
    torch = require_torch()
    from symparams.interop.torch import to_torch

    nn = torch.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(12, 48)
            self.conv = nn.Conv1d(4, 5, 3)

        def forward(self, x):
            x = self.fc(x).view(-1, 4, 12)  # (N, 4, 12): 12 positions of 4 channels
            x = self.conv(x).permute(0, 2, 1)  # (N, 10, 5)
            return torch.reshape(x, (-1, 5, 2, 5))

    model = Model()
    d = symparams.from_torch(model, (12,)).derive()
    assert [r.kind for r in d.rows] == ["dense", "reshape", "conv1d", "permute", "reshape"]
    expected = tuple(model.to("meta")(torch.empty(2, 12, device="meta")).shape[1:])
    assert tuple(int(v) for v in d.rows[-1].output_shape.channels_first()) == expected
    assert d.evaluate() == sum(p.numel() for p in model.parameters())
    back = to_torch(d, device="meta")
    assert tuple(back(torch.empty(2, 12, device="meta")).shape[1:]) == expected
    assert symparams.from_torch(back, (12,)).derive().rows[-1].output_shape == \
        d.rows[-1].output_shape


def test_unflatten_and_refusals():
    torch = require_torch()
    nn = torch.nn
    model = nn.Sequential(nn.Linear(3, 32), nn.Unflatten(1, (2, 4, 4)), nn.Conv2d(2, 1, 3))
    d = symparams.from_torch(model, (3,)).derive()
    assert d.rows[1].output_shape.dims() == (4, 4, 2)
    assert d.evaluate() == sum(p.numel() for p in model.parameters())

    class Sized(nn.Module):
        def forward(self, x):
            return x.view(x.size(0), 4, 3)

    with pytest.raises(symparams.NotSupportedError, match="not numbers"):
        symparams.from_torch(nn.Sequential(nn.Linear(3, 12), Sized()), (3,))

    class Batch(nn.Module):
        def forward(self, x):
            return x.permute(1, 0)

    with pytest.raises(symparams.NotSupportedError, match="batch"):
        symparams.from_torch(nn.Sequential(nn.Linear(3, 12), Batch()), (3,))


def test_worked_reshape():
    text = symparams.parse("I(6x6x2)-reshape(-1 x 4)-reshape(9 x 8)").derive().worked()
    assert r"6 \times 6 \times 2 / 4 = 18" in text
    assert r"18 \times 4 = 72" in text


@given(n=st.integers(1, 12), c=st.integers(1, 6), m=st.integers(1, 8))
@settings(max_examples=examples(80), deadline=None)
def test_symbolic_minus_one_at_random_points(n, c, m):
    d = symparams.parse("I(n x n x c)-reshape(-1 x m x c)").derive()
    point = {d.symbols["n"]: n, d.symbols["c"]: c, d.symbols["m"]: m}
    holds = all(bool(cond.relation.xreplace(point)) for cond in d.conditions)
    assert holds == ((n * n * c) % (m * c) == 0)
    if holds:
        sizes = tuple(int(v.xreplace(point)) for v in d.rows[0].output_shape.dims())
        assert sizes == (n * n * c // (m * c), m, c)
