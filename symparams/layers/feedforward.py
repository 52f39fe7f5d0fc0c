"""The feed-forward block of a transformer: a two-layer MLP ``d → d_ff → d``, or a gated
one (SwiGLU, GeGLU: three matrices), acting on each position."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.layer import REGISTRY, Layer, Weight, hyper, register
from symparams.core.shape import Shape
from symparams.core.working import Step, add, integer, mul


@register("feedforward")
@dataclass(frozen=True)
class FeedForward(Layer):
    """``d → hidden → d`` on each position (or on a vector): ``W_1: d × f``, ``b_1: f``,
    ``W_2: f × d``, ``b_2: d`` (``2df + f + d``); ``gated=true`` adds a gate
    ``W_g: d × f`` (SwiGLU in Llama and Mistral: ``3df`` without biases).  ``activation``
    is shown, not counted (no parameters).

    >>> import symparams
    >>> symparams.parse("I(T x d, sequence=true)-FF(4*d)").derive().total
    8*d**2 + 5*d
    """

    kind = "feedforward"
    prefix = "feedforward"
    letters = {"FF": lambda i, spatial: {"hidden": f"f{i}" if i > 1 else "f"}}
    positional = ("hidden",)
    keeps_shape = True

    hidden: Any = hyper("hidden width of the feed-forward block")
    gated: bool = False
    bias: bool = True
    activation: str = "gelu"

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "activation", self._activation().function)

    def _activation(self) -> Layer:
        """The activation as a layer of its own (which checks its name)."""
        cls, fixed = REGISTRY["activation"]
        return cls(self.activation, **fixed)

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        d, f = in_shape.channels, self.hidden
        ws = [Weight("W_g", (d, f))] if self.gated else []
        ws += [Weight("W_1", (d, f)), Weight("W_2", (f, d))]
        if self.bias:
            ws += ([Weight("b_g", (f,))] if self.gated else []) + [Weight("b_1", (f,)),
                                                                   Weight("b_2", (d,))]
        return tuple(ws)

    def macs(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """``d × f`` per matrix (two, or three when gated) at each position."""
        return in_shapes[0].size() * self.hidden * (3 if self.gated else 2)

    def worked_macs(self, row: Any) -> list[Step] | None:
        positions = [integer(v) for v in row.input_shape.spatial]
        if len(positions) > 1:
            return None  # T is one axis of positions; else the value as derived
        d, f = integer(row.input_shape.channels), integer(self.hidden)
        n = 3 if self.gated else 2
        return [Step(row.name, "MACs", rf"{n} \times " + (r"T \times " if positions else "")
                     + r"d \times f",
                     ("$T$ positions, " if positions else "") + "$d$ the width, $f$ the hidden "
                     f"width ({'three' if self.gated else 'two'} matrices)",
                     mul(n, *positions, d, f), integer(row.macs))]

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """Biases, the activation on the hidden width, and the gate's product."""
        positions = in_shapes[0].size() / in_shapes[0].channels
        f, d = self.hidden, in_shapes[0].channels
        biases = ((3 if self.gated else 2) - 1) * f + d if self.bias else 0
        return positions * (biases + f + (f if self.gated else 0))

    # -- PyTorch (a Sequential of Linear, activation, Linear; gated: a small module) ----
    def to_torch(self, nn: Any, row: Any) -> Any:
        d, f = int(row.input_shape.channels), int(self.hidden)
        act = self._activation().to_torch(nn, row)
        if not self.gated:
            return nn.Sequential(nn.Linear(d, f, bias=self.bias), act,
                                 nn.Linear(f, d, bias=self.bias))
        bias = self.bias

        class Gated(nn.Module):
            """``W_2 (act(W_g x) * W_1 x)``, as Llama's MLP (gate, up, down)."""

            def __init__(self):
                super().__init__()
                self.gate = nn.Linear(d, f, bias=bias)
                self.up = nn.Linear(d, f, bias=bias)
                self.down = nn.Linear(f, d, bias=bias)
                self.act = act

            def forward(self, x):
                return self.down(self.act(self.gate(x)) * self.up(x))

        return Gated()

    # -- worked solution -------------------------------------------------------------
    def worked_params(self, row: Any, convention: str) -> list[Step] | None:
        d, f = integer(row.input_shape.channels), integer(self.hidden)
        n = 3 if self.gated else 2
        letters = f"$d$ the width, $f$ the hidden width{' (three matrices: gated)' if self.gated else ''}"
        if self.bias:
            biases = [f] * (n - 1) + [d]
            formula = (r"3 \times d \times f + 2f + d" if self.gated
                       else r"2 \times d \times f + f + d")
            return [Step(row.name, "parameters", formula, letters,
                         add(mul(n, d, f), *biases), integer(row.trainable))]
        return [Step(row.name, "parameters", rf"{n} \times d \times f", letters, mul(n, d, f),
                     integer(row.trainable))]

