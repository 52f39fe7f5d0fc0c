"""Picking one position of a sequence (BERT's pooler reads the first token, [CLS])."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symparams.core.errors import ShapeError
from symparams.core.layer import Layer, register
from symparams.core.shape import Shape


@register("firsttoken")
@dataclass(frozen=True)
class First(Layer):
    """The first position of a sequence ``T × d``: a vector of ``d`` (BERT's pooler reads
    the [CLS] token this way)."""

    kind = "firsttoken"
    prefix = "firsttoken"

    def output_shape(self, in_shape: Shape) -> Shape:
        if not in_shape.sequence:
            raise ShapeError(f"firsttoken picks a position of a sequence (T × d), got "
                             f"{in_shape.brief()}")
        return Shape((), in_shape.channels)

    def to_torch(self, nn: Any, row: Any) -> Any:
        class First(nn.Module):
            def forward(self, x):
                return x[:, 0]

        return First()
