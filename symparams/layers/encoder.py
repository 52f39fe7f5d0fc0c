"""PyTorch's ``nn.TransformerEncoderLayer``: self-attention and a feed-forward block,
each with a residual connection and a layer norm, as one layer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.errors import ShapeError
from symparams.core.layer import REGISTRY, Layer, Weight, hyper, register
from symparams.core.shape import Shape
from symparams.core.working import Step, add, integer, mul


@register("encoderlayer")
@register("transformerencoderlayer")
@dataclass(frozen=True)
class EncoderLayer(Layer):
    """One transformer encoder layer on a sequence ``T × d``: ``heads``-head
    self-attention (``4d² + 4d``), a feed-forward block ``d → hidden → d``
    (``2 d f + f + d``) and two layer norms (``4d``), with biases unless ``bias=false``
    (PyTorch's ``nn.TransformerEncoderLayer(d, heads, hidden)``; ``hidden`` is 2048 by
    default, as there).  Pre- or post-norm (``norm_first``) count the same.

    >>> import symparams
    >>> symparams.parse("I(T x d, sequence=true)-encoderlayer(h, f)").derive().total
    4*d**2 + 2*d*f + 9*d + f
    """

    kind = "encoderlayer"
    prefix = "encoderlayer"
    positional = ("heads", "hidden")
    keeps_shape = True

    heads: Any = hyper("number of attention heads")
    hidden: Any = hyper("hidden width of the feed-forward block", default=2048)
    bias: bool = True
    norm_first: bool = False

    def _parts(self) -> tuple[Layer, Layer, Layer]:
        make = lambda kind, *args, **kw: REGISTRY[kind][0](*args, **kw)  # noqa: E731
        return (make("attention", self.heads, bias=self.bias),
                make("feedforward", self.hidden, bias=self.bias),
                make("layernorm", bias=self.bias))

    def output_shape(self, in_shape: Shape) -> Shape:
        if not in_shape.sequence:
            raise ShapeError(f"an encoder layer reads a sequence T × d, got {in_shape.brief()}")
        return in_shape

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        attention, feedforward, norm = self._parts()
        norms = tuple(Weight(f"{w.name}_{i}", w.shape) for i in (1, 2)
                      for w in norm.weights(in_shape))
        return attention.weights(in_shape) + feedforward.weights(in_shape) + norms

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        return self._parts()[0].conditions(in_shape)

    def macs(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        attention, feedforward, _ = self._parts()
        return attention.macs(in_shapes, out_shape) + feedforward.macs(in_shapes, out_shape)

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """Its attention and feed-forward block, two norms and two residual additions."""
        attention, feedforward, _ = self._parts()
        size = out_shape.size()
        return (attention.elementwise(in_shapes, out_shape)
                + feedforward.elementwise(in_shapes, out_shape) + 2 * 2 * size + 2 * size)

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = ("TransformerEncoderLayer",)

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        attention = m.self_attn
        if not attention.batch_first:
            return "batch_first=False: give batch_first=True (inputs are (N, T, d))"
        return {"heads": attention.num_heads, "hidden": m.linear1.out_features,
                "bias": m.linear1.bias is not None, "norm_first": bool(m.norm_first),
                "in_channels": attention.embed_dim, "sequence": True}

    @classmethod
    def torch_input_ranks(cls, options: dict[str, Any]) -> tuple[int, ...] | None:
        return (1,)

    def to_torch(self, nn: Any, row: Any) -> Any:
        return nn.TransformerEncoderLayer(int(row.input_shape.channels), int(self.heads),
                                          int(self.hidden), batch_first=True, bias=self.bias,
                                          norm_first=self.norm_first)

    # -- worked solution -------------------------------------------------------------
    def worked_params(self, row: Any, convention: str) -> list[Step] | None:
        d, f = integer(row.input_shape.channels), integer(self.hidden)
        if self.bias:
            return [Step(row.name, "parameters",
                         r"4 \times (d \times d + d) + 2 \times d \times f + f + d + 2 \times 2d",
                         "$d$ the width, $f$ the feed-forward width (attention, feed-forward, "
                         "two layer norms)",
                         add(mul(4, add(mul(d, d), d)), mul(2, d, f), f, d, mul(2, mul(2, d))),
                         integer(row.trainable))]
        return [Step(row.name, "parameters", r"4 \times d \times d + 2 \times d \times f + 2d",
                     "$d$ the width, $f$ the feed-forward width (no biases; norms scale only)",
                     add(mul(4, d, d), mul(2, d, f), mul(2, d)), integer(row.trainable))]
