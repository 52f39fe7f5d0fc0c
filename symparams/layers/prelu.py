"""PReLU: a ReLU whose negative slope is learned, so it has parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.errors import NotSupportedError
from symparams.core.layer import Layer, Weight, hyper, register
from symparams.core.shape import Shape, brief


@register("prelu")
@dataclass(frozen=True)
class PReLU(Layer):
    """Parametric ReLU ``max(0, x) + alpha * min(0, x)``; the shape is unchanged.

    ``num_parameters`` is how many slopes ``alpha`` it learns:

    - ``1`` (PyTorch's default, ``nn.PReLU()``): one slope shared by everything;
    - ``"channels"`` (PyTorch's ``nn.PReLU(num_parameters=C)``): one per channel;
    - ``"elements"`` (Keras' default ``PReLU()``): one per input element, ``H × W × C``;
    - a number or symbol: PyTorch's ``num_parameters``, which must be 1 or the channels.
    """

    kind = "prelu"
    prefix = "prelu"
    keeps_shape = True
    positional = ("num_parameters",)

    num_parameters: Any = hyper("number of PReLU parameters", default=1,
                                words=("channels", "elements"))

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape

    def alpha_shape(self, in_shape: Shape) -> tuple[sp.Expr, ...]:
        if self.num_parameters == "channels":
            return (in_shape.channels,)
        if self.num_parameters == "elements":
            return (*in_shape.spatial, in_shape.channels)
        return (self.num_parameters,)

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """One per element."""
        return out_shape.size()

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        return (Weight("alpha", self.alpha_shape(in_shape)),)

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        k = self.num_parameters
        if isinstance(k, str) or k == 1:
            return []
        return [(sp.Eq(k, in_shape.channels), f"PReLU's num_parameters ({k}) must be 1 or the "
                 f"input channels ({brief(in_shape.channels)})")]

    def torch_num_parameters(self, in_shape: Shape) -> int:
        """``num_parameters`` of the equivalent ``torch.nn.PReLU``."""
        if self.num_parameters == "elements":
            raise NotSupportedError("PyTorch's PReLU has no slope per element (Keras' default); "
                                    "use num_parameters = \"channels\" or 1")
        return int(self.alpha_shape(in_shape)[0])

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = ("PReLU",)

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        return {"num_parameters": m.num_parameters}

    def to_torch(self, nn: Any, row: Any) -> Any:
        return nn.PReLU(self.torch_num_parameters(row.input_shape))

