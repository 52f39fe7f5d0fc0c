"""Differential tests against PyTorch over random networks.

Each example draws a network, writes it in our notation, and builds the same network
directly with torch.nn (not through symparams.to_torch).  Every example asserts
(``pytest --hypothesis-show-statistics`` counts them by outcome): ``networks`` draws
any network, ``valid_networks`` only networks torch accepts by its documented rules.  Torch is the oracle: when it
runs, every layer's output shape and parameter count and the total must equal ours,
numerically and through the symbolic formula evaluated at the input size; when its
constructor or forward pass refuses, symparams must refuse with a ShapeError or SpecError
naming the same layer.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sympy as sp
from hypothesis import HealthCheck, event, given, settings
from hypothesis.control import currently_in_test_context
from hypothesis import strategies as st

import symparams
from tests.reference import conv_size, pool_size
from tests.torch_required import examples, require_torch

torch = require_torch()
nn = torch.nn

MAX_SIZE = {1: 16, 2: 11, 3: 6}


@dataclass(frozen=True)
class Drawn:
    """A random network: notation pieces and what torch needs to build it."""

    rank: int
    sizes: tuple[int, ...]
    channels: int
    layers: tuple[tuple[str, dict], ...]

    def notation(self, sizes: tuple[str, ...] | None = None) -> str:
        dims = " x ".join(map(str, sizes or self.sizes))
        return "-".join([f"I({dims} x {self.channels})", *(_letter(k, o) for k, o in self.layers)])


def _axes(values: tuple[int, ...]) -> str:
    return "x".join(map(str, values))


def _letter(kind: str, o: dict) -> str:
    if kind == "conv":
        pad = o["padding"] if isinstance(o["padding"], str) else _axes(o["padding"])
        return (f"C({o['filters']},{_axes(o['kernel'])},s={_axes(o['stride'])},p={pad},"
                f"d={_axes(o['dilation'])},g={o['groups']},bias={str(o['bias']).lower()})")
    if kind == "pool":
        return (f"P({_axes(o['kernel'])},s={_axes(o['stride'])},p={_axes(o['padding'])},"
                f"ceil={str(o['ceil']).lower()},mode={o['mode']})")
    if kind == "dense":
        return f"H({o['units']},bias={str(o['bias']).lower()})"
    return {"bn": "B", "dropout": "D(0.5)", "act": "A(relu)", "flatten": "F"}[kind]


def _per_axis(draw, rank: int, values: st.SearchStrategy) -> tuple[int, ...]:
    if draw(st.booleans()):
        return (draw(values),) * rank
    return tuple(draw(values) for _ in range(rank))


def _head(draw) -> list[tuple[str, dict]]:
    """Up to three layers after a flatten: dense, batch norm, dropout, activation."""
    head = draw(st.lists(st.sampled_from(("dense", "dense", "bn", "dropout", "act")), max_size=3))
    layers: list[tuple[str, dict]] = [("flatten", {})] if head else []
    for kind in head:
        options = dict(units=draw(st.integers(1, 5)), bias=draw(st.booleans())) \
            if kind == "dense" else {}
        layers.append((kind, options))
    return layers


@st.composite
def networks(draw) -> Drawn:
    rank = draw(st.sampled_from((1, 2, 3)))
    sizes = tuple(draw(st.integers(1, MAX_SIZE[rank])) for _ in range(rank))
    channels = draw(st.integers(1, 4))
    layers: list[tuple[str, dict]] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("conv", "conv", "pool", "pool", "bn", "dropout", "act")))
        options: dict = {}
        if kind == "conv":
            stride = _per_axis(draw, rank, st.integers(1, 3))
            words = ["valid"] + (["same"] if set(stride) == {1} else [])
            padding = draw(st.sampled_from([*words, "numbers", "numbers"]))
            if padding == "numbers":
                padding = _per_axis(draw, rank, st.integers(0, 2))
            options = dict(filters=draw(st.integers(1, 6)), kernel=_per_axis(draw, rank, st.integers(1, 4)),
                           stride=stride, padding=padding,
                           dilation=_per_axis(draw, rank, st.integers(1, 2)),
                           groups=draw(st.sampled_from((1, 1, 2, 3))), bias=draw(st.booleans()))
        elif kind == "pool":
            options = dict(kernel=_per_axis(draw, rank, st.integers(1, 4)),
                           stride=_per_axis(draw, rank, st.integers(1, 3)),
                           padding=_per_axis(draw, rank, st.integers(0, 2)),
                           ceil=draw(st.booleans()), mode=draw(st.sampled_from(("max", "avg"))))
        layers.append((kind, options))
    layers += _head(draw)
    return Drawn(rank, sizes, channels, tuple(layers))


@st.composite
def valid_networks(draw) -> Drawn:
    """Random networks that PyTorch accepts by construction, following its documented
    rules as the sizes shrink: the dilated kernel fits in the padded input, groups divide
    both channel counts, 'same' only at stride 1, pooling padding at most half the window,
    at least one pooling window (ceil_mode: the window may overhang by stride - 1), and
    AvgPool3d's input at least the window."""
    rank = draw(st.sampled_from((1, 2, 3)))
    sizes = tuple(draw(st.integers(1, MAX_SIZE[rank])) for _ in range(rank))
    channels = draw(st.integers(1, 4))
    current, c = list(sizes), channels
    layers: list[tuple[str, dict]] = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(("conv", "conv", "pool", "pool", "bn", "dropout", "act")))
        options: dict = {}
        # one value for every axis (fitted to the smallest size) or one per axis
        axes = [min(current)] * rank if draw(st.booleans()) else current
        if kind == "conv":
            stride = tuple(draw(st.integers(1, 3)) for _ in axes)
            words = ["valid"] + (["same"] if set(stride) == {1} else [])
            padding = draw(st.sampled_from([*words, "numbers", "numbers"]))
            pads = tuple(draw(st.integers(0, 2)) for _ in axes) if padding == "numbers" \
                else (0,) * rank
            dilation = tuple(draw(st.integers(1, 2)) for _ in axes)
            if padding == "same":
                kernel = tuple(draw(st.integers(1, 4)) for _ in axes)
            else:  # d (k - 1) + 1 <= n + 2p
                kernel = tuple(draw(st.integers(1, min(4, (n + 2 * p - 1) // d + 1)))
                               for n, p, d in zip(axes, pads, dilation))
            groups = draw(st.sampled_from([g for g in (1, 1, 2, 3) if c % g == 0]))
            filters = groups * draw(st.integers(1, max(1, 6 // groups)))
            options = dict(filters=filters, kernel=kernel, stride=stride,
                           padding=pads if padding == "numbers" else padding,
                           dilation=dilation, groups=groups, bias=draw(st.booleans()))
            if padding != "same":
                current = [conv_size(n, k, s, p, d) for n, k, s, p, d
                           in zip(current, kernel, stride, pads, dilation)]
            c = filters
        elif kind == "pool":
            mode = draw(st.sampled_from(("max", "avg")))
            ceil = draw(st.booleans())
            kernel, stride, pads = [], [], []
            for n in axes:
                s = draw(st.integers(1, 3))
                # n + 2p (+ s - 1 under ceil_mode) >= k with 2p <= k; avg 3-D: n >= k
                top = n if mode == "avg" and rank == 3 else n + 2 + (s - 1 if ceil else 0)
                k = draw(st.integers(1, min(4, top)))
                low = max(0, -(-(k - n - (s - 1 if ceil else 0)) // 2))
                kernel.append(k)
                stride.append(s)
                pads.append(draw(st.integers(low, max(low, k // 2))))
            options = dict(kernel=tuple(kernel), stride=tuple(stride), padding=tuple(pads),
                           ceil=ceil, mode=mode)
            current = [pool_size(n, k, s, p, ceil) for n, k, s, p
                       in zip(current, kernel, stride, pads)]
        layers.append((kind, options))
        assert min(current) >= 1
    layers += _head(draw)
    return Drawn(rank, sizes, channels, tuple(layers))


def torch_modules(net: Drawn) -> tuple[list, int | None]:
    """The torch.nn modules, built from the drawn options alone, and the 1-based index of
    the first one whose constructor raised (None if all built)."""
    r = net.rank
    conv = (nn.Conv1d, nn.Conv2d, nn.Conv3d)[r - 1]
    pools = {"max": (nn.MaxPool1d, nn.MaxPool2d, nn.MaxPool3d)[r - 1],
             "avg": (nn.AvgPool1d, nn.AvgPool2d, nn.AvgPool3d)[r - 1]}
    c, spatial = net.channels, True
    modules = []
    for i, (kind, o) in enumerate(net.layers, 1):
        try:
            if kind == "conv":
                m = conv(c, o["filters"], o["kernel"], stride=o["stride"], padding=o["padding"],
                         dilation=o["dilation"], groups=o["groups"], bias=o["bias"])
                c = o["filters"]
            elif kind == "pool":
                m = pools[o["mode"]](o["kernel"], o["stride"], o["padding"], ceil_mode=o["ceil"])
            elif kind == "bn":
                m = (nn.BatchNorm1d, nn.BatchNorm2d, nn.BatchNorm3d)[r - 1](c) if spatial \
                    else nn.LazyBatchNorm1d()
            elif kind == "dropout":
                m = nn.Dropout(0.5)
            elif kind == "act":
                m = nn.ReLU()
            elif kind == "flatten":
                m, spatial = nn.Flatten(), False
            else:
                m = nn.LazyLinear(o["units"], bias=o["bias"])
        except (ValueError, RuntimeError):
            return modules, i
        modules.append(m)
    return modules, None


def torch_run(net: Drawn):
    """(output shapes, parameter counts) per layer, or the 1-based index of the layer
    torch refused."""
    modules, refused = torch_modules(net)
    model = nn.Sequential(*modules).eval()
    shapes: list[tuple[int, ...]] = []
    for m in modules:
        m.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape[1:])))
    try:
        with torch.no_grad():
            model(torch.zeros(1, net.channels, *net.sizes))
    except (RuntimeError, ValueError):
        return len(shapes) + 1
    if refused is not None:  # the layers before the one torch could not build ran
        return refused
    return shapes, [sum(p.numel() for p in m.parameters()) for m in modules]


def _event(text: str) -> None:
    """Count the example under ``text`` (``pytest --hypothesis-show-statistics``)."""
    if currently_in_test_context():
        event(text)


def check(net: Drawn) -> None:
    expected = torch_run(net)
    text = net.notation()
    if isinstance(expected, int):
        _event("asserted: torch refused, so does symparams")
        with pytest.raises((symparams.ShapeError, symparams.SpecError)) as err:
            symparams.parse(text).derive()
        assert f"layer {expected} (" in str(err.value), (text, str(err.value))
        assert "\n" not in str(err.value)
        return
    _event("asserted: torch accepted, symparams agrees")
    shapes, params = expected
    d = symparams.parse(text).derive()
    assert len(d.rows) == len(shapes), text
    for row, shape, count in zip(d.rows, shapes, params):
        assert tuple(int(v) for v in row.output_shape.channels_first()) == shape, (text, row.name)
        assert row.params == count, (text, row.name)
    assert isinstance(d.evaluate(), int) and d.evaluate() == sum(params), text
    assert not d.conditions, text

    # The closed form in the input sizes, evaluated at them, gives the same numbers.
    names = tuple(f"n{i}" for i in range(1, net.rank + 1))
    sym = symparams.parse(net.notation(names)).derive()
    values = {sp.Symbol(n, integer=True, positive=True): v for n, v in zip(names, net.sizes)}
    for row, shape in zip(sym.rows, shapes):
        assert tuple(v.subs(values) for v in row.output_shape.channels_first()) == shape, \
            (text, row.name)
    assert sym.total.subs(values) == sum(params), text
    for c in sym.conditions:
        assert c.relation.subs(values) == sp.true, (text, str(c))


@settings(max_examples=examples(400), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(networks())
def test_random_networks_agree_with_torch(net: Drawn) -> None:
    check(net)


def accepted(net: Drawn):
    """The torch model (lazy modules materialised) and its shapes and counts; the
    network must be one torch accepts (drawn by ``valid_networks``)."""
    modules, refused = torch_modules(net)
    assert refused is None, (net.notation(), f"torch refused to build layer {refused}")
    result = torch_run(net)
    assert isinstance(result, tuple), (net.notation(), f"torch refused layer {result}")
    model = nn.Sequential(*modules).eval()
    with torch.no_grad():
        model(torch.zeros(1, net.channels, *net.sizes))  # materialise the lazy modules
    return model, result


@settings(max_examples=examples(40), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_networks())
def test_from_torch_reads_random_models(net: Drawn) -> None:
    model, (shapes, params) = accepted(net)
    _event("asserted: torch accepted, from_torch agrees")
    batch = (1,) if any(k in ("conv", "pool") for k, _ in net.layers) else ()
    d = symparams.from_torch(model, (*batch, net.channels, *net.sizes)).derive()
    assert [tuple(int(v) for v in r.output_shape.channels_first()) for r in d.rows] == shapes
    assert d.evaluate() == sum(p.numel() for p in model.parameters()) == sum(params)
    sym = symparams.from_torch(model, (net.channels, *net.sizes), symbolize="all").derive()
    assert sym.symbols  # "all" makes at least the input channels a symbol
    assert sym.subs(_model_values(sym, d)).evaluate() == sum(params)


def _model_values(sym, numeric) -> dict[str, int]:
    """Each symbol's value, read off the numeric derivation's layers (same order)."""
    values: dict[str, int] = {}
    for s_layer, n_layer in zip(sym.network.layers, numeric.network.layers):
        for (_, _, _, sv), (_, _, _, nv) in zip(s_layer.hyperparameters(), n_layer.hyperparameters()):
            if sv.is_Symbol and sv.name in sym.symbols:  # 'same' makes dilation irrelevant
                values[sv.name] = int(nv)
    return values


@settings(max_examples=examples(150), deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(valid_networks())
def test_to_torch_builds_random_networks(net: Drawn) -> None:
    _, (shapes, params) = accepted(net)
    _event("asserted: torch accepted, to_torch agrees")
    built = symparams.parse(net.notation()).to_torch().eval()
    assert sum(p.numel() for p in built.parameters()) == sum(params)
    got = []
    for m in built:
        m.register_forward_hook(lambda _m, _i, out: got.append(tuple(out.shape[1:])))
    with torch.no_grad():
        built(torch.zeros(1, net.channels, *net.sizes))
    assert got == shapes


@pytest.mark.parametrize("text", [
    # ceil_mode lets a pool window overhang the input by up to stride - 1 (torch accepts it)
    "I(2x1)-P(3,s=2,ceil=true)",
    "I(5x5x1)-P(2,s=2,p=1,ceil=true)",  # the last window would start in the right padding
    "I(4x3)-C(6,3,g=2)",  # groups must divide the input channels
    "I(5x5x2)-P(3,p=2)",  # padding at most half the pool size
    "I(3x3x3x1)-C(1,2,p=same,d=2)-B",
])
def test_known_edge_cases(text: str) -> None:
    net = symparams.parse(text)
    rank = net.input.output_shape().rank
    layers = []
    for layer in net.layers[1:]:
        o = layer
        if layer.kind == "conv":
            layers.append(("conv", dict(filters=int(o.filters), kernel=_tuple(o.kernel, rank),
                                        stride=_tuple(o.stride, rank),
                                        padding=o.padding if isinstance(o.padding, str)
                                        else _tuple(o.padding, rank),
                                        dilation=_tuple(o.dilation, rank), groups=int(o.groups),
                                        bias=o.bias)))
        elif layer.kind == "pool":
            layers.append(("pool", dict(kernel=_tuple(o.size, rank),
                                        stride=_tuple(o.stride if o.stride is not None else o.size,
                                                      rank),
                                        padding=_tuple(o.padding, rank), ceil=o.ceil_mode,
                                        mode=o.mode)))
        else:
            layers.append(({"batchnorm": "bn"}[layer.kind], {}))
    shape = net.input.output_shape()
    check(Drawn(rank, tuple(int(v) for v in shape.spatial), int(shape.channels), tuple(layers)))


def _tuple(value, rank: int) -> tuple[int, ...]:
    values = value if isinstance(value, tuple) else (value,)
    return tuple(int(v) for v in (values * rank if len(values) == 1 else values))
