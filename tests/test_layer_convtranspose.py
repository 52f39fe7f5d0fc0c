"""Transposed convolutions: the closed form against PyTorch's modules (meta device, random
configurations), Keras' 'same'/'valid' rules written here from Keras' documentation
(``deconv_output_length``), PyTorch's refusals, and from_torch/to_torch round trips."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symparams
from symparams.layers import ConvTranspose, Input
from tests.torch_required import examples, require_torch

SETTINGS = dict(deadline=None)
AXES = "hwd"


# -- independent reference (PyTorch and Keras documentation) ---------------------------
def torch_size(n, k, s=1, p=0, a=0, d=1):
    """torch.nn.ConvTranspose2d docs: (n - 1)·s - 2p + d(k - 1) + output_padding + 1."""
    return (n - 1) * s - 2 * p + d * (k - 1) + a + 1


def keras_size(n, k, s, padding, a=None, d=1):
    """Keras deconv_output_length: the dilated kernel k + (k - 1)(d - 1); without
    output_padding 'valid' is n·s + max(k - s, 0) and 'same' n·s; with it,
    (n - 1)·s + k - 2·pad + a, pad = k // 2 ('same') or 0 ('valid')."""
    k = k + (k - 1) * (d - 1)
    if a is None:
        return n * s + max(k - s, 0) if padding == "valid" else n * s
    pad = k // 2 if padding == "same" else 0
    return (n - 1) * s + k - 2 * pad + a


def derive(layer, shape):
    return symparams.Network((Input(shape), layer)).derive()


# -- fixed cases -------------------------------------------------------------------------
@pytest.mark.parametrize("n,k,s,p,a,d", [
    (7, 4, 2, 1, 0, 1), (5, 3, 2, 1, 1, 1), (1, 1, 1, 0, 0, 1), (4, 3, 3, 0, 2, 1),
    (6, 2, 1, 0, 1, 2), (10, 5, 2, 2, 1, 3), (3, 3, 1, 1, 0, 1),
])
def test_pytorch_size_and_count(n, k, s, p, a, d):
    row = derive(ConvTranspose(8, k, stride=s, padding=p, output_padding=a, dilation=d),
                 (n, n, 4)).rows[0]
    out = torch_size(n, k, s, p, a, d)
    assert row.kind == "convtranspose2d"
    assert row.output_shape.dims() == (out, out, 8)
    assert row.params == k * k * 4 * 8 + 8


def test_dcgan_generator_block():
    # DCGAN: 4x4x512 -> ConvTranspose2d(512, 256, 4, 2, 1, bias=False) -> 8x8x256
    d = symparams.parse("I(4x4x512)-convtranspose(256,4,s=2,p=1,bias=false)").derive()
    assert d.rows[0].output_shape.dims() == (8, 8, 256)
    assert d.evaluate() == 4 * 4 * 512 * 256 == 2_097_152


def test_symbolic_form_is_the_textbook_formula():
    d = symparams.parse("I(n x n x l)-convtranspose(c,k,s=s,p=p,op=a,d=d)").derive()
    n, k, s, p, a, dd, c, l = (d.symbols[x] for x in "nkspadcl")
    size = d.rows[0].output_shape.dims()[0]
    assert sp.expand(size - ((n - 1) * s - 2 * p + dd * (k - 1) + a + 1)) == 0
    assert sp.expand(d.total - (k * k * l * c + c)) == 0
    reasons = " ".join(c.reason for c in d.conditions)
    assert "output padding (a) must be less than the stride (s) or the dilation (d)" in reasons


def test_groups_and_weight_shape():
    row = derive(ConvTranspose(6, 3, groups=3, bias=False), (5, 5, 9)).rows[0]
    # PyTorch's weight is in × out/g × k × k: 9 × 2 × 3 × 3
    assert row.params == 9 * 2 * 3 * 3
    assert [str(w) for w in row.weights] == ["W: 3 × 3 × 2 × 9"]
    with pytest.raises(symparams.ShapeError, match="groups .2. must divide the input channels"):
        derive(ConvTranspose(6, 3, groups=2), (5, 5, 9))


def test_1d_and_3d_and_per_axis():
    r1 = derive(ConvTranspose(2, 5, stride=3, output_padding=2), (10, 3)).rows[0]
    assert r1.kind == "convtranspose1d" and r1.output_shape.dims() == (torch_size(10, 5, 3, 0, 2), 2)
    r3 = derive(ConvTranspose(2, (3, 2, 1), stride=(1, 2, 3)), (4, 5, 6, 1)).rows[0]
    assert r3.output_shape.dims() == (torch_size(4, 3, 1), torch_size(5, 2, 2),
                                      torch_size(6, 1, 3), 2)
    assert r3.params == 3 * 2 * 1 * 1 * 2 + 2
    with pytest.raises(symparams.ShapeError, match="convtranspose2d needs a 2-D input"):
        symparams.parse("I(5x5x5x1)-convtranspose2d(2,3)").derive()


@pytest.mark.parametrize("a,s,d,ok", [(1, 2, 1, True), (2, 2, 1, False), (2, 1, 3, True),
                                      (1, 1, 1, False), (3, 3, 3, False)])
def test_output_padding_must_be_below_stride_or_dilation(a, s, d, ok):
    layer = ConvTranspose(2, 3, stride=s, dilation=d, output_padding=a)
    if ok:
        derive(layer, (6, 6, 1))
    else:
        with pytest.raises(symparams.ShapeError, match="output padding"):
            derive(layer, (6, 6, 1))


def test_output_too_small_is_refused():
    # (1 - 1)·1 - 2·1 + 0 + 1 = -1
    with pytest.raises(symparams.ShapeError, match="must be at least 1"):
        derive(ConvTranspose(2, 1, padding=1), (1, 1))


@pytest.mark.parametrize("bad", ["output_padding=-1", "p=full", "op=1.5", "s=0"])
def test_bad_options_are_spec_or_shape_errors(bad):
    with pytest.raises((symparams.SpecError, symparams.ShapeError)):
        symparams.parse(f"I(8x8x2)-convtranspose(4,3,{bad})").derive()


# -- Keras 'same' and 'valid' ------------------------------------------------------------
@given(n=st.integers(1, 30), k=st.integers(1, 7), s=st.integers(1, 4), d=st.integers(1, 3),
       padding=st.sampled_from(["same", "valid"]), a=st.none() | st.integers(0, 3))
@settings(max_examples=examples(150), **SETTINGS)
def test_keras_rules(n, k, s, d, padding, a):
    if a is not None and a >= s:
        with pytest.raises(symparams.ShapeError, match="less than the stride"):
            derive(ConvTranspose(3, k, stride=s, padding=padding, dilation=d,
                                 output_padding=a), (n, 2))
        return
    out = keras_size(n, k, s, padding, a, d)
    if out < 1:
        with pytest.raises(symparams.ShapeError):
            derive(ConvTranspose(3, k, stride=s, padding=padding, dilation=d,
                                 output_padding=a), (n, 2))
        return
    row = derive(ConvTranspose(3, k, stride=s, padding=padding, dilation=d, output_padding=a),
                 (n, 2)).rows[0]
    assert row.output_shape.dims() == (out, 3)
    # Keras Conv1DTranspose: kernel (k, filters, in) and bias (filters)
    assert row.params == k * 3 * 2 + 3


def test_keras_same_symbolic():
    d = symparams.parse("I(n x m x l)-convtranspose(c,k,s=s,p=same)").derive()
    n, m, s = (d.symbols[x] for x in "nms")
    assert d.rows[0].output_shape.dims()[:2] == (n * s, m * s)
    valid = symparams.parse("I(n x l)-convtranspose(c,k,s=s,p=valid)").derive()
    k = valid.symbols["k"]
    assert valid.rows[0].output_shape.dims()[0] == n * s + sp.Max(k - s, 0)
    for values in ({"n": 5, "k": 2, "s": 3}, {"n": 5, "k": 7, "s": 3}):
        got = valid.rows[0].output_shape.dims()[0].xreplace(
            {valid.symbols[x]: v for x, v in values.items()})
        assert got == keras_size(values["n"], values["k"], values["s"], "valid")


def test_keras_published_count():
    # Keras Conv2DTranspose(32, 3) on 64 channels: 3·3·64·32 + 32
    d = symparams.parse("I(16x16x64)-convtranspose(32,3,p=same,s=2)").derive(convention="keras")
    assert d.evaluate() == 18464
    assert d.rows[0].output_shape.dims() == (32, 32, 32)


def test_worked_sizes_read_as_a_textbook():
    text = symparams.parse("I(5x5x8)-convtranspose(4,3,s=2,p=1,op=1)").derive().worked()
    assert r"(5 - 1) \times 2 - 2 \times 1 + 3 + 1 = 10" in text
    assert r"(3 \times 3 \times 8 + 1) \times 4 = 292" in text
    same = symparams.parse("I(5x5x8)-convtranspose(4,3,s=2,p=same)").derive().worked()
    assert r"5 \times 2 = 10" in same
    dil = symparams.parse("I(5x8)-convtranspose(4,3,d=2,p=valid)").derive().worked()
    assert r"5 \times 1 + 2 \times (3 - 1) + 1 - 1 = 9" in dil


# -- against PyTorch --------------------------------------------------------------------
@st.composite
def configs(draw):
    rank = draw(st.integers(1, 3))
    g = draw(st.integers(1, 3))
    axes = []
    for _ in range(rank):
        k, s, d = draw(st.integers(1, 5)), draw(st.integers(1, 3)), draw(st.integers(1, 2))
        axes.append(dict(n=draw(st.integers(1, {1: 12, 2: 7, 3: 4}[rank])), k=k, s=s, d=d,
                         p=draw(st.integers(0, 3)), a=draw(st.integers(0, max(s, d) - 1))))
    return dict(rank=rank, g=g, l=g * draw(st.integers(1, 3)), c=g * draw(st.integers(1, 3)),
                bias=draw(st.booleans()), axes=axes)


def _notation(cfg) -> str:
    names = lambda stem: " x ".join(f"{stem}{AXES[i]}" for i in range(cfg["rank"]))  # noqa: E731
    return (f"I({names('n')} x l)-convtranspose(c,{names('k')},s={names('s')},p={names('p')},"
            f"op={names('a')},d={names('d')},g=g,bias={str(cfg['bias']).lower()})")


def _values(cfg) -> dict[str, int]:
    values = {"l": cfg["l"], "c": cfg["c"], "g": cfg["g"]}
    for i, ax in enumerate(cfg["axes"]):
        values.update({f"{key}{AXES[i]}": ax[key] for key in "nkspad"})
    return values


@given(cfg=configs())
@settings(max_examples=examples(60), **SETTINGS)
def test_closed_form_equals_torch(cfg):
    """Shapes on the meta device; where the documented size is below 1, the CPU kernel
    must refuse (torch's meta kernels return an empty output there instead)."""
    torch = require_torch()
    d = symparams.parse(_notation(cfg)).derive()
    point = {d.symbols[name]: v for name, v in _values(cfg).items() if name in d.symbols}
    rank = cfg["rank"]
    ax = cfg["axes"]

    def module(device):
        return getattr(torch.nn, f"ConvTranspose{rank}d")(
            cfg["l"], cfg["c"], tuple(a["k"] for a in ax), stride=tuple(a["s"] for a in ax),
            padding=tuple(a["p"] for a in ax), output_padding=tuple(a["a"] for a in ax),
            dilation=tuple(a["d"] for a in ax), groups=cfg["g"], bias=cfg["bias"],
            device=device)

    holds = all(bool(c.relation.xreplace(point)) for c in d.conditions)
    sizes = [torch_size(a["n"], a["k"], a["s"], a["p"], a["a"], a["d"]) for a in ax]
    if min(sizes) < 1:
        assert not holds
        try:  # "Output size is too small"; some grouped kernels return an empty output
            with torch.no_grad():
                out = module("cpu")(torch.zeros(1, cfg["l"], *(a["n"] for a in ax)))
        except RuntimeError:
            return
        assert out.numel() == 0
        return
    assert holds
    m = module("meta")
    shape = tuple(m(torch.empty(1, cfg["l"], *(a["n"] for a in ax), device="meta")).shape[1:])
    ours = tuple(int(v.xreplace(point)) for v in d.rows[0].output_shape.channels_first())
    assert ours == shape == (cfg["c"], *sizes)
    assert int(d.total.xreplace(point)) == sum(p.numel() for p in m.parameters())


def test_torch_refuses_what_the_conditions_refuse():
    torch = require_torch()
    module = torch.nn.ConvTranspose1d(1, 1, 3, stride=2, output_padding=2)
    with pytest.raises(RuntimeError, match="output padding must be smaller"):
        module(torch.zeros(1, 1, 5))
    with pytest.raises(symparams.ShapeError, match="output padding"):
        derive(ConvTranspose(1, 3, stride=2, output_padding=2), (5, 1))


def test_from_torch_and_back():
    torch = require_torch()
    from symparams.interop.torch import to_torch

    nn = torch.nn
    model = nn.Sequential(nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1, output_padding=1),
                          nn.ReLU(), nn.ConvTranspose2d(8, 4, (3, 2), groups=4, bias=False,
                                                        dilation=(1, 2)))
    d = symparams.from_torch(model, (16, 5, 6)).derive()
    assert d.evaluate() == sum(p.numel() for p in model.parameters())
    assert [r.kind for r in d.rows] == ["convtranspose2d", "activation", "convtranspose2d"]
    expected = tuple(model.to("meta")(torch.empty(1, 16, 5, 6, device="meta")).shape[1:])
    assert tuple(int(v) for v in d.rows[-1].output_shape.channels_first()) == expected
    back = to_torch(d, device="meta")
    assert isinstance(back[0], nn.ConvTranspose2d) and back[0].output_padding == (1, 1)
    assert tuple(back(torch.empty(1, 16, 5, 6, device="meta")).shape[1:]) == expected
    again = symparams.from_torch(back, (16, 5, 6)).derive()
    assert again.total == d.total


def test_symbolize_names_the_transposed_convolutions():
    torch = require_torch()
    model = torch.nn.Sequential(torch.nn.ConvTranspose2d(3, 8, 4, stride=2, padding=1))
    d = symparams.from_torch(model, (3, 16, 16), symbolize="all").derive()
    assert set(d.symbols) >= {"n", "l", "c1", "k1", "s1", "p1"}
    assert d.evaluate(n=16, l=3, c1=8, k1=4, s1=2, p1=1, d1=1) == 3 * 8 * 16 + 8


@given(n=st.integers(1, 12), k=st.integers(1, 6), s=st.integers(1, 4), d=st.integers(1, 2),
       padding=st.sampled_from(["same", "valid"]), rank=st.integers(1, 2))
@settings(max_examples=examples(60), **SETTINGS)
def test_to_torch_gives_keras_sizes(n, k, s, d, padding, rank):
    torch = require_torch()
    from symparams.interop.torch import to_torch

    derivation = derive(ConvTranspose(2, k, stride=s, dilation=d, padding=padding),
                        (*(n,) * rank, 3))
    try:
        module = to_torch(derivation, device="meta")
    except symparams.NotSupportedError:
        span = d * (k - 1) + 1  # 'same' where PyTorch's output_padding would reach the stride
        assert padding == "same" and span >= s and (span - s) % 2 == 1 and max(s, d) == 1
        return
    out = module(torch.empty(1, 3, *(n,) * rank, device="meta"))
    assert tuple(out.shape[2:]) == (keras_size(n, k, s, padding, None, d),) * rank


@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("with_op", [False, True])
def test_keras_closed_form_at_random_points(padding, with_op):
    import random

    op = ",op=a" if with_op else ""
    d = symparams.parse(f"I(n x l)-convtranspose(c,k,s=s,d=d,p={padding}{op})").derive()
    size = d.rows[0].output_shape.dims()[0]
    rng = random.Random(11)
    for _ in range(200):
        v = {"n": rng.randint(1, 40), "l": 2, "c": 3, "k": rng.randint(1, 9),
             "s": rng.randint(1, 5), "d": rng.randint(1, 3), "a": rng.randint(0, 4)}
        point = {d.symbols[name]: value for name, value in v.items() if name in d.symbols}
        a = v["a"] if with_op else None
        expected = keras_size(v["n"], v["k"], v["s"], padding, a, v["d"])
        holds = all(bool(c.relation.xreplace(point)) for c in d.conditions)
        assert holds == (expected >= 1 and (a is None or a < v["s"])), v
        if holds:
            assert size.xreplace(point) == expected, v


def test_grouped_worked_parameters():
    text = symparams.parse("I(5x5x6)-convtranspose(4,3,g=2)").derive().worked()
    # PyTorch's weight 6 × 2 × 3 × 3, bias 4
    assert r"3 \times 3 \times 6 \times 4 / 2 + 4 = 112" in text


def test_spec_file():
    from symparams.notation.specfile import from_dict, toml_data

    spec = from_dict(toml_data('''
input = "n x n x 64"
[[layers]]
kind = "convtranspose2d"
filters = 32
kernel = 3
stride = 2
padding = 1
output_padding = 1
[[layers]]
kind = "upsample"
scale = [2, 3]
mode = "bilinear"
''', "test"))
    d = spec.derive()
    n = d.symbols["n"]
    assert d.rows[0].output_shape.dims() == (2 * n, 2 * n, 32)
    assert d.rows[1].output_shape.dims() == (4 * n, 6 * n, 32)
    assert d.total == 3 * 3 * 64 * 32 + 32
