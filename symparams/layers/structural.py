"""Layers that reshape or pass data through without weights."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any


from symparams.core.errors import SpecError
from symparams.core.layer import Layer, hyper, register
from symparams.core.shape import Shape
from symparams.layers.conv import spatial_input


@register("flatten")
@dataclass(frozen=True)
class Flatten(Layer):
    """All sizes into one vector: ``3 × 3 × 16`` becomes ``144``."""

    kind = "flatten"
    prefix = "flatten"

    def output_shape(self, in_shape: Shape) -> Shape:
        return Shape((), in_shape.size())


@register("dropout")
@dataclass(frozen=True)
class Dropout(Layer):
    """Dropout: the shape passes through; ``rate`` is kept for display only."""

    kind = "dropout"
    prefix = "dropout"

    rate: Any = None

    def __post_init__(self) -> None:
        if self.rate is None:
            return
        try:
            rate = Fraction(str(self.rate)) if not isinstance(self.rate, bool) else None
        except ValueError:
            rate = None
        if rate is None or not 0 <= rate < 1:
            raise SpecError(f"dropout rate must be a number from 0 up to 1, got {self.rate!r}")
        object.__setattr__(self, "rate", rate)

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape


@register("activation")
@dataclass(frozen=True)
class Activation(Layer):
    """An element-wise activation (``relu``, ``tanh`` …): shape unchanged, no weights."""

    kind = "activation"
    prefix = "activation"

    function: str = "relu"

    def __post_init__(self) -> None:
        if not (isinstance(self.function, str) and self.function.isidentifier()):
            raise SpecError(f"activation must be a name such as relu, got {self.function!r}")

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape


@register("zeropadding")
@dataclass(frozen=True)
class ZeroPadding(Layer):
    """Zero padding of ``padding`` on both sides of every spatial axis (or per axis)."""

    kind = "zeropadding"
    prefix = "zeropadding"

    padding: Any = hyper("zero padding", default=1, nonnegative=True, per_axis=True)

    def resolved_kind(self, in_shape: Shape) -> str:
        return f"zeropadding{in_shape.rank}d"

    def output_shape(self, in_shape: Shape) -> Shape:
        spatial_input(self, in_shape)
        p = self.per_axis(self.padding, in_shape.rank, "zero padding")
        return Shape(tuple(n + 2 * pi for n, pi in zip(in_shape.spatial, p)), in_shape.channels)


