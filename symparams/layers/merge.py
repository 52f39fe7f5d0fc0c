"""Merges: layers that read several inputs and join them (no weights).

``add`` (a residual connection) and ``multiply`` (a gate, as in squeeze-and-excitation)
join element-wise: the inputs' shapes agree, or a size of 1 broadcasts as in PyTorch.
``concat`` joins along the channels (Inception, DenseNet): the spatial sizes agree
and the channels add up.  Sizes are compared by
:func:`~symparams.algebra.floors.same_size`: equal when their normal forms prove it,
an error naming both inputs when numbers prove them different, and otherwise a
condition printed with the formula.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.algebra.floors import equal_sizes, same_size, size
from symparams.core.errors import ShapeError, quote
from symparams.core.layer import Merge, register
from symparams.core.shape import Shape, brief


def _agree(a: sp.Expr, b: sp.Expr, what: str, first: str, second: str,
           shapes: tuple[Shape, Shape], broadcast: bool
           ) -> tuple[sp.Expr, list[tuple[sp.Basic, str]]]:
    """The joined size of ``a`` (from ``first``) and ``b`` (from ``second``)."""
    if broadcast and (a == 1 or b == 1):
        return (b if a == 1 else a), []
    same = same_size(a, b)
    condition = None if same is not None else equal_sizes(a, b)
    if same is False or condition is sp.false:  # numbers, or k = 2k with k >= 1
        raise ShapeError(f"the {what} of {quote(first)} ({shapes[0].brief()}) and "
                         f"{quote(second)} ({shapes[1].brief()}) differ: {brief(a)} and {brief(b)}")
    shorter = a if size(a) <= size(b) else b
    if same:
        return shorter, []
    return shorter, [(condition, f"the {what} of {first} and {second} agree")]

def _spatial_agree(shapes: tuple[Shape, ...], sources: tuple[str, ...], kind: str,
                   broadcast: bool) -> tuple[list[sp.Expr], list[tuple[sp.Basic, str]]]:
    if broadcast:  # a vector of channels (after global pooling) acts as 1 × 1 × C
        rank = max(s.rank for s in shapes)
        shapes = tuple(Shape((sp.Integer(1),) * rank, s.channels) if s.is_vector else s
                       for s in shapes)
    first = shapes[0]
    for shape, source in zip(shapes[1:], sources[1:]):
        if shape.rank != first.rank:
            raise ShapeError(f"{kind}: {quote(sources[0])} has {first.rank} spatial axes "
                             f"({first.brief()}) but {quote(source)} has {shape.rank} "
                             f"({shape.brief()})")
    spatial = list(first.spatial)
    conditions: list[tuple[sp.Basic, str]] = []
    axis_names = ("size",) if first.rank == 1 else (
        ("height", "width") if first.rank == 2 else ("depth", "height", "width"))
    for shape, source in zip(shapes[1:], sources[1:]):
        for i, d in enumerate(shape.spatial):
            spatial[i], conds = _agree(spatial[i], d, axis_names[i], sources[0], source,
                                       (first, shape), broadcast)
            conditions += conds
    return spatial, conditions


def _sequence(shapes: tuple[Shape, ...]) -> bool:
    """A merge of sequences (a transformer's residual) is a sequence."""
    return any(s.sequence for s in shapes)


@dataclass(frozen=True)
class _ElementWise(Merge):
    def merge_shape(self, shapes: tuple[Shape, ...], sources: tuple[str, ...]
                    ) -> tuple[Shape, list[tuple[sp.Basic, str]]]:
        spatial, conditions = _spatial_agree(shapes, sources, self.kind, broadcast=True)
        channels = shapes[0].channels
        for shape, source in zip(shapes[1:], sources[1:]):
            channels, conds = _agree(channels, shape.channels, "channels", sources[0], source,
                                     (shapes[0], shape), broadcast=True)
            conditions += conds
        return Shape(tuple(spatial), channels, _sequence(shapes)), conditions
    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """One addition (multiplication) per output element and extra input."""
        return out_shape.size() * (len(in_shapes) - 1)



@register("add")
@dataclass(frozen=True)
class Add(_ElementWise):
    """Element-wise sum: the join of a residual connection (``x + f(x)``)."""

    kind = "add"
    prefix = "add"
    torch_functions = ("add", "iadd", "add_", "__add__", "__iadd__")  # of two tensors (with a number: the shape is kept)


@register("multiply")
@dataclass(frozen=True)
class Multiply(_ElementWise):
    """Element-wise product: a gate (squeeze-and-excitation's ``x · s``)."""

    kind = "multiply"
    prefix = "multiply"
    torch_functions = ("mul", "imul", "mul_", "__mul__")  # of two tensors (with a number: the shape is kept)


@register("concat")
@dataclass(frozen=True)
class Concat(Merge):
    """Concatenation along the channels: ``H × W × (c₁ + c₂)``."""

    kind = "concat"
    prefix = "concat"
    torch_functions = ("cat", "concat", "concatenate")

    @classmethod
    def torch_read_call(cls, name: str, args: tuple, kwargs: dict) -> dict[str, Any] | str:
        dim = args[0] if args else kwargs.get("dim", 0)
        return {} if dim == 1 else (f"concatenation along dim={dim}; only the channels (dim=1) "
                                    "are supported")

    def merge_shape(self, shapes: tuple[Shape, ...], sources: tuple[str, ...]
                    ) -> tuple[Shape, list[tuple[sp.Basic, str]]]:
        spatial, conditions = _spatial_agree(shapes, sources, self.kind, broadcast=False)
        return (Shape(tuple(spatial), sp.Add(*(s.channels for s in shapes)), _sequence(shapes)),
                conditions)
