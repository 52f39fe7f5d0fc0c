"""Fully connected layers (Keras ``Dense``, PyTorch ``Linear``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.errors import ShapeError
from symparams.core.working import Step, add, integer, mul
from symparams.core.layer import Layer, Weight, hyper, register
from symparams.core.shape import Shape


@register("dense")
@register("linear")
@dataclass(frozen=True)
class Dense(Layer):
    """``units`` outputs from a vector input: ``W: n_in × units``, ``b: units``.

    A network puts a Flatten in front of a dense layer whose input is spatial; on a
    sequence (``T × d``) it acts on each position, as PyTorch's ``nn.Linear`` and
    Keras' ``Dense`` do on the last axis: ``T × units``.
    """

    kind = "dense"
    prefix = "dense"
    letters = {"H": lambda i, spatial: {"units": f"h{i}"},
               "O": lambda i, spatial: {"units": "o" if i == 1 else f"o{i}"}}
    positional = ("units",)
    vector = True
    tie_weight = "W"

    units: Any = hyper("number of units")
    bias: bool = True

    def output_shape(self, in_shape: Shape) -> Shape:
        if in_shape.sequence:  # each position: T × d -> T × units
            return Shape(in_shape.spatial, self.units, sequence=True)
        if not in_shape.is_vector:
            raise ShapeError(f"dense needs a vector input, got {in_shape.brief()}; add a flatten")
        return Shape((), self.units)

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        w = Weight("W", (in_shape.channels, self.units))
        return (w, Weight("b", (self.units,))) if self.bias else (w,)

    def macs(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """``n_in × units`` per position (one position for a vector)."""
        return in_shapes[0].size() * self.units

    def worked_macs(self, row: Any) -> list[Step] | None:
        n_in, units = integer(row.input_shape.channels), integer(self.units)
        positions = [integer(v) for v in row.input_shape.spatial]
        if len(positions) > 1:
            return None  # T is one axis of positions; else the value as derived
        return [Step(row.name, "MACs", (r"T \times " if positions else "")
                     + r"n_{\text{in}} \times n_{\text{out}}",
                     ("$T$ positions, " if positions else "")
                     + r"$n_{\text{in}}$ inputs, $n_{\text{out}}$ units",
                     mul(*positions, n_in, units), integer(row.macs))]

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """Its bias, once per output element."""
        return out_shape.size() if self.bias else sp.Integer(0)

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = ("Linear",)

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        return dict(units=m.out_features, bias=m.bias is not None, in_features=m.in_features)

    @classmethod
    def torch_input_ranks(cls, options: dict[str, Any]) -> tuple[int, ...] | None:
        return (0, 1)  # a vector, or each position of a sequence

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "Dense":
        units = (names("units", o["units"], "o", index=0) if names.last
                 else names("units", o["units"], "h"))
        return cls(units, bias=o["bias"])

    def to_torch(self, nn: Any, row: Any) -> Any:
        return nn.Linear(int(row.input_shape.channels), int(self.units), bias=self.bias)

    # -- worked solution -------------------------------------------------------------
    def worked_params(self, row: Any, convention: str) -> list[Step] | None:
        n_in, units = integer(row.input_shape.channels), integer(self.units)
        if self.bias:
            term = mul(add(n_in, 1), units)
            formula = r"(n_{\text{in}} + 1) \times n_{\text{out}}"
        else:
            term, formula = mul(n_in, units), r"n_{\text{in}} \times n_{\text{out}}"
        return [Step(row.name, "parameters", formula,
                     r"$n_{\text{in}}$ inputs, $n_{\text{out}}$ units", term,
                     integer(row.trainable))]


