"""Flatten: every size into one vector."""

from __future__ import annotations

from dataclasses import dataclass

from symparams.core.layer import Layer, register
from symparams.core.shape import Shape


@register("flatten")
@dataclass(frozen=True)
class Flatten(Layer):
    """All sizes into one vector: ``3 × 3 × 16`` becomes ``144``."""

    kind = "flatten"
    prefix = "flatten"
    letters = {"F": lambda i, spatial: {}}

    def output_shape(self, in_shape: Shape) -> Shape:
        return Shape((), in_shape.size())
