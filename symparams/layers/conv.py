"""Convolutions, 1-D to 3-D, as in PyTorch's ``ConvNd`` and Keras' ``ConvND``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.framework import axes_of, ints, one_value, padded, same_pads
from symparams.core.working import (Step, add, axis_steps, axis_value, div, group, integer,
                                     mul, window_term)
from symparams.core.layer import Layer, Weight, hyper, padding_per_axis, register, spatial_input
from symparams.core.shape import AXIS_NAMES, Shape, at_least, brief, window_sizes


@register("conv")
@register("conv1d", ndim=1)
@register("conv2d", ndim=2)
@register("conv3d", ndim=3)
@dataclass(frozen=True)
class Conv(Layer):
    """A convolution with ``filters`` output channels.

    Output size per axis: ``floor((n + 2p - d(k-1) - 1)/s) + 1``; ``padding='same'``
    gives ``ceil(n/s)`` as in Keras.  Weights: ``W: k_h × k_w × c_in/g × filters``
    and ``b: filters`` (Keras order).  ``ndim=None`` takes the input's dimension.
    """

    kind = "conv"
    prefix = "conv"
    letters = {"C": lambda i, spatial: {"filters": f"c{i}", "kernel": f"k{i}"}}
    positional = ("filters", "kernel")
    aliases = {"s": "stride", "p": "padding", "d": "dilation", "g": "groups"}
    spatial = True

    filters: Any = hyper("number of filters")
    kernel: Any = hyper("kernel size", per_axis=True)
    stride: Any = hyper("stride", default=1, per_axis=True)
    padding: Any = hyper("padding", default=0, nonnegative=True, per_axis=True,
                         words=("same", "valid"))
    dilation: Any = hyper("dilation", default=1, per_axis=True)
    groups: Any = hyper("groups", default=1)
    bias: bool = True
    ndim: int | None = None

    def resolved_kind(self, in_shape: Shape) -> str:
        return f"conv{in_shape.rank}d" if in_shape.rank else "conv"  # a vector: refused later

    def resolved_prefix(self, in_shape: Shape) -> str:
        return self.resolved_kind(in_shape)

    def _axes(self, in_shape: Shape):
        spatial_input(self, in_shape)
        r = in_shape.rank
        return (self.per_axis(self.kernel, r, "kernel size"), self.per_axis(self.stride, r, "stride"),
                padding_per_axis(self, self.padding, r), self.per_axis(self.dilation, r, "dilation"))

    def output_shape(self, in_shape: Shape) -> Shape:
        k, s, p, d = self._axes(in_shape)
        return Shape(window_sizes(in_shape.spatial, k, s, p, d), self.filters)

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        k, *_ = self._axes(in_shape)
        w = Weight("W", (*k, in_shape.channels / self.groups, self.filters))
        return (w, Weight("b", (self.filters,))) if self.bias else (w,)

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        k, s, p, d = self._axes(in_shape)
        out: list[tuple[sp.Basic, str]] = []
        if p != "same":
            for axis, n, ki, pi, di in zip(AXIS_NAMES[in_shape.rank], in_shape.spatial, k, p, d):
                out.append((at_least(n + 2 * pi, di * (ki - 1) + 1),
                            f"the kernel ({brief(di * (ki - 1) + 1)}) must fit in the padded input "
                            f"{axis} ({brief(n + 2 * pi)})"))
        if self.groups != 1:
            for what, c in (("input channels", in_shape.channels), ("filters", self.filters)):
                out.append((sp.Eq(sp.Mod(c, self.groups), 0),
                            f"groups ({brief(self.groups)}) must divide the {what} ({brief(c)})"))
        return out

    def macs(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """Each output element: ``k_h × k_w × c_in / g`` multiply–accumulates."""
        k, *_ = self._axes(in_shapes[0])
        return out_shape.size() * sp.Mul(*k) * in_shapes[0].channels / self.groups

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """Its bias, once per output element."""
        return out_shape.size() if self.bias else sp.Integer(0)

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = ("Conv1d", "Conv2d", "Conv3d")

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        padding = m.padding if isinstance(m.padding, str) else one_value(axes_of(m.padding))
        return dict(ndim=len(m.kernel_size), filters=m.out_channels,
                    kernel=one_value(m.kernel_size), stride=one_value(m.stride), padding=padding,
                    dilation=one_value(m.dilation), groups=m.groups, bias=m.bias is not None,
                    in_channels=m.in_channels)

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "Conv":
        return cls(names("channels", o["filters"], "c"), names("kernel", o["kernel"], "k"),
                   stride=names("stride", o["stride"], "s", index=None),
                   padding=names("padding", o["padding"], "p", index=None),
                   dilation=names("dilation", o["dilation"], "d", index=None),
                   groups=o["groups"], bias=o["bias"], ndim=o["ndim"])

    def to_torch(self, nn: Any, row: Any) -> Any:
        rank = row.input_shape.rank
        k, s, d = (ints(self.per_axis(v, rank, "")) for v in (self.kernel, self.stride,
                                                              self.dilation))
        cls = getattr(nn, f"Conv{rank}d")
        common = dict(in_channels=int(row.input_shape.channels), out_channels=int(self.filters),
                      kernel_size=k, stride=s, dilation=d, groups=int(self.groups), bias=self.bias)
        if self.padding == "same":
            if set(s) == {1}:
                return cls(padding="same", **common)
            return padded(nn, row, cls(padding=0, **common), same_pads(row, k, s, d), 0.0)
        p = (0,) * rank if self.padding == "valid" else ints(self.per_axis(self.padding, rank, ""))
        return cls(padding=p, **common)

    # -- worked solution -------------------------------------------------------------
    def worked_sizes(self, row: Any) -> list[Step]:
        rank = row.input_shape.rank

        def term(axis: int, n: int, out: int):
            at = lambda v: integer(axis_value(v, rank, axis))  # noqa: E731
            padding = self.padding if isinstance(self.padding, str) else at(self.padding)
            return window_term(n, out, k=at(self.kernel), s=at(self.stride), padding=padding,
                               d=at(self.dilation))

        return axis_steps(row, term)

    def worked_macs(self, row: Any) -> list[Step] | None:
        out = [integer(v) for v in row.output_shape.dims()]
        kernel = [integer(w) for w in row.weights[0].shape[:-2]]
        c_in, groups = integer(row.input_shape.channels), integer(self.groups)
        window = mul(*kernel, c_in) if groups == 1 else div(mul(*kernel, c_in), groups)
        letters = ("each of the output's elements (sizes and filters) takes the kernel over "
                   "the input channels" + (" of its group" if groups != 1 else ""))
        return [Step(row.name, "MACs", r"\text{output elements} \times \text{kernel} \times "
                     r"\text{input channels}" + (" / g" if groups != 1 else ""), letters,
                     mul(*out, group(window)), integer(row.macs))]

    def worked_params(self, row: Any, convention: str) -> list[Step] | None:
        kernel = [integer(w) for w in row.weights[0].shape[:-2]]
        c_in, groups = integer(row.input_shape.channels), integer(self.groups)
        # the letters of the size step: k the kernel (k_h, k_w when they differ), f the
        # filters, so that a letter means one thing within a layer's solution
        k_letters = ["k"] * len(kernel) if len(set(kernel)) == 1 else \
            {1: ["k"], 2: ["k_h", "k_w"], 3: ["k_d", "k_h", "k_w"]}[len(kernel)]
        f_in = " \\times ".join([*k_letters, "l"]) + (" / g" if groups != 1 else "")
        inner: list[Any] = [*kernel, c_in]
        work = mul(*inner) if groups == 1 else div(mul(*inner), groups)
        kdesc = "kernel size $k$" if len(set(k_letters)) == 1 else \
            "kernel $" + " \\times ".join(k_letters) + "$"
        letters = (f"{kdesc}, $l$ input channels"
                   + (", $g$ groups" if groups != 1 else "") + ", $f$ filters")
        filters = integer(self.filters)
        if self.bias:
            formula, term = f"({f_in} + 1) \\times f", mul(add(work, 1), filters)
        else:
            formula, term = f"{f_in} \\times f", mul(work, filters)
        return [Step(row.name, "parameters", formula, letters, term, integer(row.trainable))]


