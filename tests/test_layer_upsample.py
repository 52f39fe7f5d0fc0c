"""Upsampling: sizes against PyTorch's nn.Upsample / F.interpolate (meta device), Keras'
UpSampling2D(size) written here from its documentation, no parameters, round trips."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import symparams
from symparams.layers import Input, Upsample
from tests.torch_required import examples, require_torch

AXES = "hwd"


def derive(layer, shape):
    return symparams.Network((Input(shape), layer)).derive()


def test_keras_upsampling2d_size_is_our_scale():
    # Keras UpSampling2D(size=(2, 3)): rows repeated 2 times, columns 3 times
    row = symparams.parse("I(7x5x3)-upsampling2d(2 x 3)").derive().rows[0]
    assert row.output_shape.dims() == (14, 15, 3) and row.params == 0


def test_symbolic_scale_and_size():
    d = symparams.parse("I(n x m x c)-upsample(f)").derive()
    n, m, f, c = (d.symbols[x] for x in "nmfc")
    assert d.rows[0].output_shape.dims() == (n * f, m * f, c)
    assert d.total == 0
    sized = symparams.parse("I(n x n x c)-upsample(size=32 x 48, mode=bilinear)").derive()
    assert sized.rows[0].output_shape.dims()[:2] == (32, 48)


@pytest.mark.parametrize("text,match", [
    ("I(5x5x3)-upsample(2, size=3)", "one of them"),
    ("I(5x5x3)-upsample", "one of them"),
    ("I(5x5x3)-upsample(2, mode=cubic)", "unknown mode"),
    ("I(5x5x3)-upsample(2.5)", "not an integer"),
    ("I(5x5x3)-upsample(0)", "at least 1"),
    ("I(5x5x3)-upsample(2, mode=trilinear)", "needs a 3-D input"),
    ("I(12)-upsample(2)", "needs a 1-D, 2-D or 3-D input"),
])
def test_refusals(text, match):
    with pytest.raises((symparams.SpecError, symparams.ShapeError), match=match):
        symparams.parse(text).derive()


def test_worked_size():
    assert r"7 \times 2 = 14" in symparams.parse("I(7x7x3)-upsample(2)").derive().worked()


@given(rank=st.integers(1, 3), data=st.data())
@settings(max_examples=examples(60), deadline=None)
def test_against_torch(rank, data):
    torch = require_torch()
    sizes = [data.draw(st.integers(1, 9)) for _ in range(rank)]
    scales = [data.draw(st.integers(1, 4)) for _ in range(rank)]
    mode = data.draw(st.sampled_from(["nearest", {1: "linear", 2: "bilinear",
                                                   3: "trilinear"}[rank]]))
    names = " x ".join(f"n{AXES[i]}" for i in range(rank))
    factors = " x ".join(f"f{AXES[i]}" for i in range(rank))
    d = symparams.parse(f"I({names} x c)-upsample({factors}, mode={mode})").derive()
    point = {d.symbols[f"n{AXES[i]}"]: sizes[i] for i in range(rank)}
    point.update({d.symbols[f"f{AXES[i]}"]: scales[i] for i in range(rank)})
    point[d.symbols["c"]] = 2
    module = torch.nn.Upsample(scale_factor=tuple(float(s) for s in scales), mode=mode)
    out = module(torch.empty(1, 2, *sizes, device="meta"))
    ours = tuple(int(v.xreplace(point)) for v in d.rows[0].output_shape.channels_first())
    assert ours == tuple(out.shape[1:])
    by_size = torch.nn.functional.interpolate(torch.empty(1, 2, *sizes, device="meta"),
                                              size=tuple(ours[1:]), mode=mode)
    assert tuple(by_size.shape[1:]) == ours


def test_from_torch_and_back():
    torch = require_torch()
    from symparams.interop.torch import to_torch

    nn = torch.nn
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.Upsample(scale_factor=2, mode="bilinear"),
                          nn.UpsamplingNearest2d(size=(20, 30)), nn.Conv2d(4, 2, 1))
    d = symparams.from_torch(model, (3, 8, 8)).derive()
    assert [r.kind for r in d.rows] == ["conv2d", "upsample2d", "upsample2d", "conv2d"]
    assert d.rows[1].output_shape.dims() == (12, 12, 4)
    assert d.rows[2].output_shape.dims() == (20, 30, 4)
    assert d.evaluate() == sum(p.numel() for p in model.parameters())
    back = to_torch(d, device="meta")
    out = back(torch.empty(1, 3, 8, 8, device="meta"))
    assert tuple(out.shape[1:]) == (2, 20, 30)
    assert symparams.from_torch(back, (3, 8, 8)).derive().total == d.total


def test_interpolate_in_a_traced_forward():
    torch = require_torch()
    nn = torch.nn
    F = torch.nn.functional

    class Decoder(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv1d(2, 3, 3, padding=1)

        def forward(self, x):
            return F.interpolate(self.conv(x), scale_factor=3.0, mode="linear")

    d = symparams.from_torch(Decoder(), (2, 10)).derive()
    assert d.rows[-1].output_shape.dims() == (30, 3)
    with pytest.raises(symparams.NotSupportedError, match="whole factors"):
        symparams.from_torch(nn.Sequential(nn.Conv1d(2, 3, 1), nn.Upsample(scale_factor=1.5)),
                             (2, 10))
