"""The classic mistakes, as formulas a student gets wrong: a small re-computation of a
sequential network's sizes and parameters with one formula changed.

The correct answers never come from here (they come from the engine); this only makes
wrong answers for multiple choice.  :func:`simulate` with no mistake must reproduce the
engine's shapes and counts row for row, else the network gets no distractors.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any

MISTAKES: dict[str | None, str] = {
    None: "correct",
    "bias": "forgetting the bias",
    "channels": "forgetting the input channels",
    "floor_ceil": "floor taken as ceil (or ceil as floor)",
    "same_valid": "'same' padding taken as 'valid'",
    "stride": "stride ignored",
    "padding_once": "padding counted once instead of twice",
}


@dataclass(frozen=True)
class SimRow:
    shape: tuple[int, ...]
    params: int


@dataclass(frozen=True)
class Sim:
    rows: tuple[SimRow, ...]


class _Unknown(Exception):
    pass


def _ints(layer: Any, value: Any, rank: int) -> tuple[int, ...]:
    values = value if isinstance(value, tuple) else (value,)
    if len(values) == 1:
        values = values * rank
    if len(values) != rank or not all(getattr(v, "is_Integer", False) or type(v) is int
                                      for v in values):
        raise _Unknown
    return tuple(int(v) for v in values)


def _window(n: int, k: int, s: int, p: Any, d: int, ceil_mode: bool, mistake: str | None) -> int:
    if mistake == "stride":
        s = 1
    if p == "same" and mistake != "same_valid":
        return n // s if mistake == "floor_ceil" else -(-n // s)
    p = 0 if p in ("same", "valid") else p
    num = n + (p if mistake == "padding_once" else 2 * p) - d * (k - 1) - 1
    use_ceil = ceil_mode != (mistake == "floor_ceil")
    out = (-(-num // s) if use_ceil else num // s) + 1
    if ceil_mode and use_ceil and (out - 1) * s >= n + p:
        out -= 1  # PyTorch: the last window starts inside the input or left padding
    return out


def _row(layer: Any, shape: tuple[int, ...], mistake: str | None, convention: str
         ) -> tuple[tuple[int, ...], int]:
    kind = layer.kind
    spatial, channels = shape[:-1], shape[-1]
    rank = len(spatial)
    if kind in ("activation", "dropout"):
        return shape, 0
    if kind == "batchnorm":
        if not rank and len(shape) != 1:
            raise _Unknown
        return shape, (4 if convention == "keras" else 2) * channels
    if kind == "flatten":
        return (prod(shape),), 0
    if kind == "dense":
        if rank:
            raise _Unknown
        units = int(layer.units)
        bias = layer.bias and mistake != "bias"
        return (units,), (channels + bias) * units
    if kind in ("conv", "pool"):
        if not rank:
            raise _Unknown
        pad = layer.padding if isinstance(layer.padding, str) else _ints(layer, layer.padding, rank)
        if kind == "conv":
            k = _ints(layer, layer.kernel, rank)
            s = _ints(layer, layer.stride, rank)
            d = _ints(layer, layer.dilation, rank)
            ceil_mode = False
        else:
            k = _ints(layer, layer.size, rank)
            s = k if layer.stride is None else _ints(layer, layer.stride, rank)
            d = (1,) * rank
            ceil_mode = bool(layer.ceil_mode)
        out = []
        for axis in range(rank):
            p = pad if isinstance(pad, str) else pad[axis]
            out.append(_window(spatial[axis], k[axis], s[axis], p, d[axis], ceil_mode, mistake))
        if kind == "pool":
            return (*out, channels), 0
        f, g = int(layer.filters), int(layer.groups)
        c_in = 1 if mistake == "channels" else channels // g
        bias = layer.bias and mistake != "bias"
        return (*out, f), (prod(k) * c_in + bias) * f
    if kind == "globalpool":
        return (channels,), 0
    raise _Unknown


def simulate(d: Any, mistake: str | None, input_shape: tuple[int, ...] | None = None
             ) -> Sim | None:
    """Every row's shape and parameters with ``mistake`` made, or None when the network
    has a layer this does not know, a size below 1, or (with no mistake) any difference
    from the engine."""
    shape = input_shape or tuple(int(x) for x in d.input_shape.dims())
    rows = []
    try:
        for row in d.rows:
            if row.children or len(row.inputs) > 1:
                return None
            shape, params = _row(row.layer, shape, mistake, d.convention)
            if min(shape) < 1:
                return None
            rows.append(SimRow(shape, int(params)))
    except (_Unknown, AttributeError, TypeError, ValueError, ZeroDivisionError):
        return None
    sim = Sim(tuple(rows))
    if mistake is None and input_shape is None:
        engine = [(tuple(int(x) for x in r.output_shape.dims()), int(r.params)) for r in d.rows]
        if engine != [(r.shape, r.params) for r in rows]:
            return None
    return sim


def smallest_input(d: Any, mistake: str, target: tuple[int, ...], index: int,
                   bound: int) -> int | None:
    """The smallest square input size (channels kept) giving ``target`` at row ``index``
    with ``mistake`` made: the backwards question's wrong answer."""
    dims = tuple(int(x) for x in d.input_shape.dims())
    for n in range(1, bound + 1):
        shape = (n,) * (len(dims) - 1) + dims[-1:]
        sim = simulate(d, mistake, shape)
        if sim is not None and sim.rows[index - 1].shape == target:
            return n
    return None
