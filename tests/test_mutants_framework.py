"""symparams/core/framework.py, the arithmetic the PyTorch mappings share, by hand
(mutation testing, docs/testing.md): no torch needed, ``nn`` and rows are stand-ins."""

from __future__ import annotations

from types import SimpleNamespace as NS

import sympy as sp

from symparams.core.framework import axes_of, ints, one_value, padded, per_axis_ints, same_pads
from symparams.core.shape import Shape


def test_axes_and_per_axis_values():
    assert axes_of(3) == (3,)
    assert axes_of((3, 5)) == (3, 5) and axes_of([3, 5]) == (3, 5)
    assert one_value((2, 2, 2)) == 2 and one_value((5,)) == 5  # one axis (1-D)
    assert one_value((2, 3)) == (2, 3)
    assert per_axis_ints(3, 2) == (3, 3) and per_axis_ints((4,), 3) == (4, 4, 4)
    assert per_axis_ints((1, 2), 2) == (1, 2)
    got = ints([sp.Integer(7), sp.Integer(0)])
    assert got == (7, 0) and all(type(v) is int for v in got)


def _row(n: tuple[int, ...], out: tuple[int, ...]) -> NS:
    return NS(input_shape=Shape(tuple(map(sp.Integer, n)), sp.Integer(1)),
              output_shape=Shape(tuple(map(sp.Integer, out)), sp.Integer(1)))


def test_same_padding_as_tensorflow_splits_it():
    # TensorFlow's 'same': out = ceil(n / s); total = max((out - 1) s + d (k - 1) + 1 - n, 0),
    # left total // 2, the extra on the right; F.pad's order: last axis first
    row = _row((7, 10), (4, 5))
    # axis 1: n=7, s=2, k=4, d=1: (4-1)*2 + 3 + 1 - 7 = 3 -> (1, 2)
    # axis 2: n=10, s=2, k=3, d=2: (5-1)*2 + 4 + 1 - 10 = 3 -> (1, 2)... with k=2: 8+2+1-10 = 1 -> (0, 1)
    assert same_pads(row, (4, 2), (2, 2), (1, 2)) == (0, 1, 1, 2)
    # no padding needed: never negative
    assert same_pads(_row((9,), (3,)), (1,), (4,), (1,)) == (0, 0)
    # an even total splits evenly
    assert same_pads(_row((5,), (5,)), (3,), (1,), (1,)) == (1, 1)


class _FakeNN:
    def __init__(self):
        self.made = []

    def __getattr__(self, name):
        def make(*args):
            self.made.append((name, args))
            return (name, args)
        return make


def test_padded_adds_a_constant_pad_only_when_needed():
    nn = _FakeNN()
    row = _row((8, 8), (8, 8))
    assert padded(nn, row, "conv", (0, 0, 0, 0), 0.0) == "conv" and nn.made == []
    out = padded(nn, row, "conv", (0, 1, 0, 1), -1.5)
    assert nn.made[0] == ("ConstantPad2d", ((0, 1, 0, 1), -1.5))
    assert out == ("Sequential", (("ConstantPad2d", ((0, 1, 0, 1), -1.5)), "conv"))
    one_d = _row((8,), (8,))
    padded(nn, one_d, "pool", (1, 0), 0.0)
    assert nn.made[-2][0] == "ConstantPad1d"
