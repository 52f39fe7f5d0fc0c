"""Property: the closed form itself is right.

Each example derives a network whose every hyperparameter is a symbol, then evaluates
``d.total``, every row's output sizes and parameter counts, and every validity
condition at random points, by substituting numbers for the derivation's own symbols
(``xreplace``; the numeric re-derivation of ``evaluate`` is not used).  The expected
numbers come from tests/reference.py, plain integer arithmetic written from the PyTorch
and Keras documentation.  At a point PyTorch refuses, the conditions must say so.
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import dataclass

import pytest
import sympy as sp
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import symparams
from tests import reference
from tests.torch_required import examples

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                       HealthCheck.data_too_large])
MAX_SIZE = {1: 60, 2: 24, 3: 10}
# role letter -> (low, high) of the values drawn for it
RANGES = {"n": None, "l": (1, 6), "c": (1, 6), "k": (1, 5), "s": (1, 3), "p": (0, 2),
          "d": (1, 2), "g": (1, 3), "q": (1, 4), "t": (1, 3), "r": (0, 2), "z": (0, 2),
          "h": (1, 8)}


@dataclass(frozen=True)
class Template:
    """A network with every hyperparameter a named symbol.

    ``layers`` are ``(kind, options)`` as in :func:`tests.reference.network`, except
    that each number is a symbol name (a tuple of names per axis).
    """

    rank: int
    inputs: tuple[str, ...]
    layers: tuple[tuple[str, dict], ...]

    def names(self) -> dict[str, str]:
        """Every symbol name and its role letter."""
        found = {n: "n" for n in self.inputs}
        found["l"] = "l"
        for _, o in self.layers:
            for key, value in o.items():
                if key in ("bias", "ceil", "mode") or value == "same":
                    continue
                for name in (value if isinstance(value, tuple) else (value,)):
                    found[name] = name[0]
        return found

    def notation(self) -> str:
        parts = [f"I({' x '.join((*self.inputs, 'l'))})"]
        for kind, o in self.layers:
            parts.append(_letter(kind, o))
        return "-".join(parts)

    def numeric(self, values: dict[str, int]) -> list[tuple[str, dict]]:
        def num(v):
            if isinstance(v, tuple):
                return tuple(num(x) for x in v)
            return values[v] if isinstance(v, str) and v in values else v
        return [(kind, {key: num(v) for key, v in o.items()}) for kind, o in self.layers]

    def reference(self, values: dict[str, int], convention: str, exact: bool = False):
        spatial = tuple(values[n] for n in self.inputs)
        return reference.network(spatial, values["l"], self.numeric(values), convention, exact)

    def irrelevant(self) -> set[str]:
        """Names that may vanish from the formulas: the dilation of a 'same' convolution."""
        return {d for kind, o in self.layers if kind == "conv" and o["padding"] == "same"
                for d in o["dilation"]}


def _axes(names: tuple[str, ...]) -> str:
    return " x ".join(names)


def _bool(v: bool) -> str:
    return str(v).lower()


def _letter(kind: str, o: dict) -> str:
    if kind == "conv":
        pad = "same" if o["padding"] == "same" else _axes(o["padding"])
        return (f"C({o['filters']},{_axes(o['kernel'])},s={_axes(o['stride'])},p={pad},"
                f"d={_axes(o['dilation'])},g={o['groups']},bias={_bool(o['bias'])})")
    if kind == "pool":
        return (f"P({_axes(o['kernel'])},s={_axes(o['stride'])},p={_axes(o['padding'])},"
                f"ceil={_bool(o['ceil'])},mode={o['mode']})")
    if kind == "zeropad":
        return f"Z({_axes(o['padding'])})"
    if kind == "dense":
        return f"H({o['units']},bias={_bool(o['bias'])})"
    return {"bn": "B", "act": "A(relu)", "dropout": "D(0.5)", "flatten": "F", "global": "G"}[kind]


def _names(draw, rank: int, stem: str) -> tuple[str, ...]:
    """One name for every axis, or one per axis (``k1a x k1b``)."""
    if rank == 1 or draw(st.booleans()):
        return (stem,) * rank
    return tuple(f"{stem}{'ab'[i] if i < 2 else 'c'}" for i in range(rank))


@st.composite
def templates(draw, *, windows: tuple[int, int] = (1, 4), same: bool = True,
              ranks: tuple[int, ...] = (1, 2, 2, 3), max_ceil: int = 2) -> Template:
    """A random network template: windowed layers (convolution, pooling), zero padding,
    batch norm, activations, then a head (flatten and dense layers, or global pooling).

    At most ``max_ceil`` pools use ``ceil_mode`` (their
    symbolic forms grow fast).
    """
    rank = draw(st.sampled_from(ranks))
    inputs = ("n",) * rank if draw(st.booleans()) else ("n", "m", "o")[:rank]
    layers: list[tuple[str, dict]] = []
    ceils = 0
    count = draw(st.integers(*windows))
    for i in range(1, count + 1):
        kind = draw(st.sampled_from(("conv", "pool")))
        if kind == "conv":
            padding = "same" if same and draw(st.integers(0, 4)) == 0 else _names(draw, rank, f"p{i}")
            layers.append(("conv", dict(
                filters=f"c{i}", kernel=_names(draw, rank, f"k{i}"),
                stride=_names(draw, rank, f"s{i}"), padding=padding,
                dilation=_names(draw, rank, f"d{i}"), groups=f"g{i}", bias=draw(st.booleans()))))
        else:
            ceil = ceils < (max_ceil if rank == 1 else 1) and draw(st.booleans())
            ceils += ceil
            layers.append(("pool", dict(
                kernel=_names(draw, rank, f"q{i}"), stride=_names(draw, rank, f"t{i}"),
                padding=_names(draw, rank, f"r{i}"), ceil=ceil,
                mode=draw(st.sampled_from(("max", "avg"))))))
        extra = draw(st.sampled_from((None, None, "zeropad", "bn", "act", "dropout")))
        if extra == "zeropad":
            layers.append(("zeropad", dict(padding=_names(draw, rank, f"z{i}"))))
        elif extra:
            layers.append((extra, {}))
    head = draw(st.sampled_from(("dense", "dense", "global", "none")))
    if head == "global":
        layers.append(("global", {}))
    elif head == "dense":
        layers.append(("flatten", {}))
        for j in range(1, draw(st.integers(1, 2)) + 1):
            if draw(st.booleans()):
                layers.append(("bn", {}))
            layers.append(("dense", dict(units=f"h{j}", bias=draw(st.booleans()))))
    return Template(rank, inputs, tuple(layers))


@st.composite
def points(draw, template: Template, strided: bool = False, exact: bool = False,
           valid_share: float = 0.6) -> dict[str, int]:
    """Random values for every symbol of ``template``, in the symbols' own ranges, so
    only the network's validity conditions can fail.

    With probability about ``valid_share`` the input sizes are drawn among those the
    reference accepts (with ``exact``: where every division is exact too), if any.
    """
    inputs = sorted(set(template.inputs))
    sizes = range(1, MAX_SIZE[template.rank] + 1)
    values = {}
    for name, role in template.names().items():
        if name in inputs:
            continue
        low, high = RANGES[role]
        if strided and role in "st":
            low = 2
        values[name] = draw(st.integers(low, high), label=name)
    if draw(st.integers(0, 99)) < 100 * valid_share:
        _divisible_groups(template, values)
        accepted = []
        for combo in itertools.product(sizes, repeat=len(inputs)):
            point = {**values, **dict(zip(inputs, combo))}
            try:
                template.reference(point, "pytorch", exact)
            except reference.Refused:
                continue
            accepted.append(point)
        if accepted:
            return draw(st.sampled_from(accepted))
    return {**values, **{n: draw(st.integers(1, sizes[-1])) for n in inputs}}


def _divisible_groups(template: Template, values: dict[str, int]) -> None:
    """Make each convolution's groups divide its input channels and filters (the
    largest divisor of both up to 3), so that more drawn points are valid."""
    channels = values["l"]
    for kind, o in template.layers:
        if kind == "conv":
            common = math.gcd(channels, values[o["filters"]])
            values[o["groups"]] = max(g for g in (1, 2, 3) if common % g == 0)
            channels = values[o["filters"]]
        elif kind in ("flatten", "dense"):
            break


@functools.lru_cache(maxsize=64)
def derived(text: str, convention: str = "pytorch", assume_divisible: bool = False):
    """The derivation and its symbols by name (computed once: it is slow to compute)."""
    d = symparams.parse(text).derive(convention=convention, assume_divisible=assume_divisible)
    return d, d.symbols


def as_int(expr: sp.Expr, mapping: dict) -> int:
    """``expr`` at the point ``mapping``: it must be an exact integer."""
    value = expr.xreplace(mapping)
    assert value.is_Integer, (expr, value)
    return int(value)


def check_point(template: Template, derivation, values: dict[str, int], convention: str,
                exact: bool = False, call_valid: bool = True) -> bool:
    """Compare the closed forms of the derivation at ``values`` with the reference; True
    when the point is valid.  ``call_valid`` also asks ``d.valid`` of a valid point
    (an invalid point always)."""
    d, symbols = derivation
    assert set(values) - set(symbols) <= template.irrelevant(), set(values) - set(symbols)
    given_values = {k: v for k, v in values.items() if k in symbols}
    mapping = {symbols[k]: sp.Integer(v) for k, v in given_values.items()}
    holds = [c.relation.xreplace(mapping) for c in d.conditions]
    assert all(h in (sp.true, sp.false) for h in holds), (d.conditions, holds)
    try:
        expected = template.reference(values, convention, exact)
    except reference.Refused as refused:
        event("invalid point: conditions checked")
        assert sp.false in holds, (template.notation(), values, refused)
        assert d.valid(given_values) is False, (template.notation(), values, refused)
        # the layers before the refused one are still right
        before = reference.network(tuple(values[n] for n in template.inputs), values["l"],
                                   template.numeric(values)[:refused.index - 1], convention)
        for row, (dims, _, _) in zip(d.rows, before):
            assert tuple(as_int(e, mapping) for e in row.output_shape.dims()) == dims
        return False
    event("valid point: closed form checked")
    assert all(h is sp.true for h in holds), (template.notation(), values, d.conditions)
    if call_valid:
        assert d.valid(given_values) is True
    assert len(d.rows) == len(expected)
    for row, (dims, trainable, frozen) in zip(d.rows, expected):
        where = (template.notation(), values, row.name)
        assert tuple(as_int(e, mapping) for e in row.output_shape.dims()) == dims, where
        assert as_int(row.trainable, mapping) == trainable, where
        assert as_int(row.non_trainable, mapping) == frozen, where
        assert as_int(row.params, mapping) == trainable + frozen, where
    assert as_int(d.total, mapping) == sum(t + f for _, t, f in expected), (template.notation(), values)
    assert as_int(d.trainable, mapping) == sum(t for _, t, _ in expected)
    return True


@settings(max_examples=examples(20), **SETTINGS)
@given(templates(), st.sampled_from(("pytorch", "keras")), st.data())
def test_closed_form_equals_reference(template: Template, convention: str, data) -> None:
    d = derived(template.notation(), convention)
    assert all(s.is_Symbol for s in d[1].values())
    for i in range(4):
        check_point(template, d, data.draw(points(template)), convention, call_valid=i == 0)


@settings(max_examples=examples(20), **SETTINGS)
@given(templates(windows=(2, 5), ranks=(1,), max_ceil=1), st.data())
def test_nested_floors_equal_reference(template: Template, data) -> None:
    """Strided layers in a row: the floors nest, and the combining step rewrites them."""
    d = derived(template.notation())
    for i in range(4):
        check_point(template, d, data.draw(points(template, strided=True)), "pytorch",
                    call_valid=i == 0)


@settings(max_examples=examples(12), **SETTINGS)
@given(templates(windows=(1, 3), max_ceil=1), st.data())
def test_assume_divisible_formula_equals_reference(template: Template, data) -> None:
    """Without floors the formula is exact where every division is (the points drawn
    are mostly such); elsewhere the derivation's assumptions say the point is invalid."""
    d = derived(template.notation(), "pytorch", True)
    symbols = tuple(d[1].values())
    for row in d[0].rows:  # no floor, ceiling or Piecewise is left
        assert all(e.is_rational_function(*symbols) for e in row.output_shape.dims()), row
    for i in range(4):
        check_point(template, d, data.draw(points(template, exact=True, valid_share=0.75)),
                    "pytorch", exact=True, call_valid=i == 0)


# Two windowed layers in a row, one for each way a floor or ceiling nests in another:
# floor (a plain window), ceiling ('same': ceil(n/s)) and ceil_mode pooling.
WINDOWS = {
    "floor": ("C(1,k{i},s=s{i},p=p{i})",
              lambda n, k, s, p: reference.conv_size(n, k, s, p)),
    "same": ("C(1,k{i},s=s{i},p=same)", lambda n, k, s, p: reference.same_size(n, s)),
    "ceil": ("P(k{i},s=s{i},p=p{i},ceil=true)",
             lambda n, k, s, p: reference.pool_size(n, k, s, p, True)),
}


@pytest.mark.parametrize("first", WINDOWS)
@pytest.mark.parametrize("second", WINDOWS)
def test_every_floor_nesting_on_a_grid(first: str, second: str) -> None:
    """The final size of each two-layer nesting, at every point of a small grid."""
    text = "-".join(["I(n x 1)", WINDOWS[first][0].format(i=1), WINDOWS[second][0].format(i=2)])
    d, symbols = derived(text)
    size = d.rows[-1].output_shape.dims()[0]
    checked = 0
    for n, s1, s2, k1, k2, p1, p2 in itertools.product(range(1, 20), (2, 3), (2, 3), (1, 3),
                                                       (2, 3), (0, 1), (0, 1)):
        values = dict(n=n, s1=s1, s2=s2, k1=k1, k2=k2, p1=p1, p2=p2)
        layers = [(first, 1), (second, 2)]
        m, ok = n, True
        for kind, i in layers:
            k, s, p = values[f"k{i}"], values[f"s{i}"], values[f"p{i}"]
            if kind == "ceil" and 2 * p > k:
                ok = False
            m = WINDOWS[kind][1](m, k, s, p)
            ok = ok and m >= 1
        if not ok:
            continue
        mapping = {symbols[k]: sp.Integer(v) for k, v in values.items() if k in symbols}
        assert as_int(size, mapping) == m, (text, values)
        checked += 1
    assert checked > 200
