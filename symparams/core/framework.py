"""Arithmetic that the PyTorch mappings of the layer files share.  No framework is
imported here: a layer's ``to_torch`` receives ``torch.nn`` as an argument."""

from __future__ import annotations

from typing import Any, Iterable

import sympy as sp


def axes_of(value: Any) -> tuple[Any, ...]:
    """A torch size argument as a tuple: ``3`` -> ``(3,)``, ``(3, 5)`` as it is."""
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def one_value(values: tuple[Any, ...]) -> Any:
    """A per-axis tuple, or its one value when all axes agree."""
    return values[0] if len(set(values)) == 1 else values


def per_axis_ints(value: Any, ndim: int) -> tuple[Any, ...]:
    """A torch size argument, one value per axis (``3`` -> ``(3, 3)`` in 2-D)."""
    values = axes_of(value)
    return values * ndim if len(values) == 1 else values


def ints(values: Iterable[sp.Expr]) -> tuple[int, ...]:
    return tuple(int(v) for v in values)


def same_pads(row: Any, k: tuple[int, ...], s: tuple[int, ...], d: tuple[int, ...]
              ) -> tuple[int, ...]:
    """Keras' 'same' padding as ``F.pad``'s (left, right) pairs, last axis first (the
    extra on the right, as TensorFlow does)."""
    pads: list[int] = []
    for n, out, ki, si, di in zip(ints(row.input_shape.spatial), ints(row.output_shape.spatial),
                                  k, s, d):
        total = max((out - 1) * si + di * (ki - 1) + 1 - n, 0)
        pads[:0] = [total // 2, total - total // 2]
    return tuple(pads)


def padded(nn: Any, row: Any, module: Any, pads: tuple[int, ...], value: float) -> Any:
    """``module`` after a constant padding of ``pads`` (none when all are 0)."""
    if not any(pads):
        return module
    pad = getattr(nn, f"ConstantPad{row.input_shape.rank}d")(pads, value)
    return nn.Sequential(pad, module)
