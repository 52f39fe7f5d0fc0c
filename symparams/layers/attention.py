"""Multi-head self-attention with grouped-query heads: PyTorch's
``nn.MultiheadAttention``, Keras' ``MultiHeadAttention`` and the attention of Llama,
Mistral and their kin (``num_key_value_heads``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from symparams.core.errors import NotSupportedError, ShapeError
from symparams.core.layer import Layer, Weight, hyper, register
from symparams.core.shape import Shape, brief
from symparams.core.working import Step, add, integer, mul


@register("attention")
@register("multiheadattention")
@register("mha")
@dataclass(frozen=True)
class Attention(Layer):
    """Self-attention over a sequence ``T × d`` with ``heads`` query heads and
    ``kv_heads`` key/value heads (multi-head: ``kv_heads = heads``, the default;
    grouped-query: fewer; multi-query: 1), each query and key of ``key_dim`` numbers
    (default ``d / heads``) and each value of ``value_dim`` (default ``key_dim``).

    Weights, Keras' names: ``W_q: d × h·k``, ``W_k: d × h_kv·k``, ``W_v: d × h_kv·v``,
    ``W_o: h·v × d``, with biases on the query, key and value projections (``bias``) and
    on the output (``out_bias``, by default as ``bias``).  PyTorch's
    ``nn.MultiheadAttention(E, h)`` is ``4E² + 4E``; Keras' ``MultiHeadAttention(8,
    key_dim=64)`` on ``d = 512`` is 1,050,624.  The output is ``T × d``.

    >>> import symparams
    >>> symparams.parse("I(T x d, sequence=true)-MHA(h)").derive().total
    4*d**2 + 4*d
    """

    kind = "attention"
    prefix = "attention"
    letters = {"MHA": lambda i, spatial: {"heads": "h"}}
    positional = ("heads",)
    aliases = {"kv": "kv_heads"}

    heads: Any = hyper("number of attention heads")
    kv_heads: Any = hyper("number of key/value heads", default=None)
    key_dim: Any = hyper("size of each query and key head", default=None)
    value_dim: Any = hyper("size of each value head", default=None)
    bias: bool = True
    out_bias: bool | None = field(default=None)

    def _sizes(self, in_shape: Shape) -> tuple[sp.Expr, sp.Expr, sp.Expr]:
        """(key/value heads, key size, value size)."""
        kv = self.heads if self.kv_heads is None else self.kv_heads
        k = in_shape.channels / self.heads if self.key_dim is None else self.key_dim
        v = k if self.value_dim is None else self.value_dim
        return kv, k, v

    def output_shape(self, in_shape: Shape) -> Shape:
        if not in_shape.sequence:
            raise ShapeError(f"attention reads a sequence T × d (an embedding, or "
                             f"I(T x d, sequence=true)), got {in_shape.brief()}")
        return in_shape

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        d, h = in_shape.channels, self.heads
        kv, k, v = self._sizes(in_shape)
        out_bias = self.bias if self.out_bias is None else self.out_bias
        ws = [Weight("W_q", (d, h * k)), Weight("W_k", (d, kv * k)), Weight("W_v", (d, kv * v))]
        if self.bias:
            ws += [Weight("b_q", (h * k,)), Weight("b_k", (kv * k,)), Weight("b_v", (kv * v,))]
        ws.append(Weight("W_o", (h * v, d)))
        if out_bias:
            ws.append(Weight("b_o", (d,)))
        return tuple(ws)

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        out: list[tuple[sp.Basic, str]] = []
        d, h = in_shape.channels, self.heads
        if self.key_dim is None:
            out.append((sp.Eq(sp.Mod(d, h), 0), f"the heads ({brief(h)}) must divide the width "
                        f"({brief(d)}) when the head size is not given"))
        if self.kv_heads is not None:
            out.append((sp.Eq(sp.Mod(h, self.kv_heads), 0), f"the key/value heads "
                        f"({brief(self.kv_heads)}) must divide the heads ({brief(h)})"))
        return out

    def macs(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """The four projections on each of the ``T`` positions, then ``T²·h·k`` for the
        scores and ``T²·h·v`` for their weighted sum of the values (softmax and scaling
        are not MACs)."""
        shape = in_shapes[0]
        t, d, h = shape.spatial[0], shape.channels, self.heads
        kv, k, v = self._sizes(shape)
        projections = t * d * (h * k + kv * k + kv * v) + t * h * v * d
        return projections + t * t * h * (k + v)

    def worked_macs(self, row: Any) -> list[Step] | None:
        t, d = integer(row.input_shape.spatial[0]), integer(row.input_shape.channels)
        h = integer(self.heads)
        kv, k, v = (integer(x) for x in self._sizes(row.input_shape))
        if not (kv == h and k == v and h * k == d):
            return None  # grouped or resized heads: the value as derived
        return [Step(row.name, "MACs", r"4 \times T \times d \times d + 2 \times T \times T "
                     r"\times d", "$T$ positions, $d$ the width: four projections, then the "
                     "scores and their weighted sum of the values",
                     add(mul(4, t, d, d), mul(2, t, t, d)), integer(row.macs))]

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """Biases of the projections, and the softmax: one per score."""
        shape = in_shapes[0]
        t, d, h = shape.spatial[0], shape.channels, self.heads
        kv, k, v = self._sizes(shape)
        out_bias = self.bias if self.out_bias is None else self.out_bias
        biases = (h * k + kv * k + kv * v if self.bias else 0) + (d if out_bias else 0)
        return t * biases + t * t * h

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = ("MultiheadAttention",)
    torch_tuple_output = True

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        if not m._qkv_same_embed_dim:
            return "kdim or vdim other than embed_dim (cross-attention) is not supported"
        if m.bias_k is not None:
            return "add_bias_kv=True is not supported"
        if not m.batch_first:
            return "batch_first=False: give batch_first=True (inputs are (N, T, E))"
        bias = m.in_proj_bias is not None
        return {"heads": m.num_heads, "bias": bias, "out_bias": m.out_proj.bias is not None,
                "in_channels": m.embed_dim, "sequence": True}

    @classmethod
    def torch_input_ranks(cls, options: dict[str, Any]) -> tuple[int, ...] | None:
        return (1,)

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "Attention":
        return cls(names("units", o["heads"], "h", index=0), bias=o["bias"],
                   out_bias=None if o["out_bias"] == o["bias"] else o["out_bias"])

    def to_torch(self, nn: Any, row: Any) -> Any:
        d = int(row.input_shape.channels)
        h = int(self.heads)
        kv, k, v = (int(x) for x in self._sizes(row.input_shape))
        out_bias = self.bias if self.out_bias is None else self.out_bias
        functional = nn.functional
        qkv_bias = self.bias

        class SelfAttention(nn.Module):
            """Grouped-query self-attention on (N, T, d)."""

            def __init__(self):
                super().__init__()
                self.q = nn.Linear(d, h * k, bias=qkv_bias)
                self.k = nn.Linear(d, kv * k, bias=qkv_bias)
                self.v = nn.Linear(d, kv * v, bias=qkv_bias)
                self.o = nn.Linear(h * v, d, bias=out_bias)

            def forward(self, x):
                n, t, _ = x.shape
                q = self.q(x).view(n, t, h, k).transpose(1, 2)
                key = self.k(x).view(n, t, kv, k).transpose(1, 2).repeat_interleave(h // kv, 1)
                val = self.v(x).view(n, t, kv, v).transpose(1, 2).repeat_interleave(h // kv, 1)
                out = functional.scaled_dot_product_attention(q, key, val)
                # (output, weights), as nn.MultiheadAttention returns
                return self.o(out.transpose(1, 2).reshape(n, t, h * v)), None

        if h % kv:
            raise NotSupportedError("the key/value heads must divide the heads")
        return SelfAttention()

    # -- worked solution -------------------------------------------------------------
    def worked_params(self, row: Any, convention: str) -> list[Step] | None:
        d = integer(row.input_shape.channels)
        h = integer(self.heads)
        kv, k, v = (integer(x) for x in self._sizes(row.input_shape))
        out_bias = self.bias if self.out_bias is None else self.out_bias
        total = integer(row.trainable)
        if kv == h and k == v and h * k == d and out_bias == self.bias:
            # the textbook form: four d × d projections
            if self.bias:
                return [Step(row.name, "parameters", r"4 \times (d \times d + d)",
                             "$d$ the width (query, key, value and output projections)",
                             mul(4, add(mul(d, d), d)), total)]
            return [Step(row.name, "parameters", r"4 \times d \times d",
                         "$d$ the width (query, key, value and output projections)",
                         mul(4, d, d), total)]
        parts = [mul(d, h * k), mul(d, kv * k), mul(d, kv * v)]
        formula = r"d \times h k + d \times h_{kv} k + d \times h_{kv} v"
        if self.bias:
            parts += [h * k, kv * k, kv * v]
            formula += " + h k + h_{kv} (k + v)"
        parts.append(mul(h * v, d))
        formula += r" + h v \times d"
        if out_bias:
            parts.append(d)
            formula += " + d"
        letters = ("$d$ the width, $h$ heads, $h_{kv}$ key/value heads, $k$ and $v$ the key "
                   "and value head sizes")
        return [Step(row.name, "parameters", formula, letters, add(*parts), total)]
