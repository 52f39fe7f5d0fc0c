"""Flatten: every size into one vector."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symparams.core.working import Step, integer, mul
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

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = ("Flatten",)
    torch_functions = ("flatten",)

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        if (m.start_dim, m.end_dim) != (1, -1):
            return (f"start_dim={m.start_dim}, end_dim={m.end_dim}: only the default (1, -1) "
                    "is supported")
        return {}

    @classmethod
    def torch_read_call(cls, name: str, args: tuple, kwargs: dict) -> dict[str, Any] | str:
        start = args[0] if args else kwargs.get("start_dim", 0)
        end = args[1] if len(args) > 1 else kwargs.get("end_dim", -1)
        return {} if (start, end) == (1, -1) else "only flatten(x, 1) is supported"

    def to_torch(self, nn: Any, row: Any) -> Any:
        return nn.Flatten()

    # -- worked solution -------------------------------------------------------------
    def worked_sizes(self, row: Any) -> list[Step]:
        shape_in = row.input_shape
        if shape_in.is_vector:
            return []
        formula, letters = {
            1: ("n \\times c", "length $n$, $c$ channels"),
            2: ("h \\times w \\times c", "height $h$, width $w$, $c$ channels"),
            3: ("d \\times h \\times w \\times c",
                "depth $d$, height $h$, width $w$, $c$ channels"),
        }[shape_in.rank]
        return [Step(row.name, "output size", formula, letters,
                     mul(*(integer(x) for x in shape_in.dims())),
                     integer(row.output_shape.channels))]


