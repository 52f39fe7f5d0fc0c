"""Transposed convolutions, 1-D to 3-D, as in PyTorch's ``ConvTransposeNd`` and Keras'
``ConvNDTranspose``.

Size per axis, with a number for the padding (PyTorch)::

    (n − 1)·s − 2p + d(k − 1) + a + 1          a: output_padding (default 0)

PyTorch requires ``a < max(s, d)`` and an output of at least 1; both are conditions.

With a word for the padding, Keras' rules (``deconv_output_length``), ``K = d(k − 1) + 1``
the dilated kernel:

* ``output_padding`` unset (Keras' ``None``, the default): ``'same'`` gives ``n·s`` and
  ``'valid'`` gives ``n·s + max(K − s, 0)``;
* ``output_padding = a`` given: ``(n − 1)·s + K − 2·pad + a`` with ``pad = ⌊K/2⌋`` for
  ``'same'`` and ``0`` for ``'valid'``; Keras requires ``a < s``.

Weights: ``W: k… × filters/g × c_in`` (Keras' order; PyTorch stores ``c_in × filters/g ×
k…``) and ``b: filters``; the count, ``k^r·c_in·filters/g + filters``, equals a
convolution's.  ``groups`` must divide the input channels and the filters.

>>> import symparams
>>> d = symparams.parse("I(7x7x64)-convtranspose(32,4,s=2,p=1)").derive()
>>> d.rows[0].output_shape.dims(), d.evaluate()
((14, 14, 32), 32800)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.errors import NotSupportedError
from symparams.core.framework import axes_of, ints, one_value
from symparams.core.layer import Layer, Weight, hyper, padding_per_axis, register, spatial_input
from symparams.core.shape import AXIS_NAMES, FloorDiv, Shape, at_least, brief
from symparams.core.working import (Step, add, axis_steps, axis_value, div, floor, integer, mul,
                                    num, sub)


def transposed_size(n: sp.Expr, k: sp.Expr, s: sp.Expr, p: Any, d: sp.Expr,
                    a: sp.Expr | None) -> sp.Expr:
    """One axis's output size; ``p`` is a number or ``'same'``/``'valid'``, ``a`` the
    output padding (None: unset)."""
    if p == "same" or p == "valid":
        span = d * (k - 1) + 1  # the dilated kernel
        if a is None:
            return n * s if p == "same" else n * s + sp.Max(span - s, 0)
        pad = FloorDiv(span, 2) if p == "same" else 0
        return (n - 1) * s + span - 2 * pad + a
    return (n - 1) * s - 2 * p + d * (k - 1) + (a if a is not None else 0) + 1


def _keras_to_torch(k: int, s: int, d: int, padding: str) -> tuple[int, int] | None:
    """(padding, output_padding) for which PyTorch's size equals Keras' (output_padding
    unset), or None when PyTorch's rule ``output_padding < max(s, d)`` forbids it."""
    span = d * (k - 1) + 1
    if padding == "valid" or span < s:
        return (0, 0) if span >= s else (0, s - span)
    p = -(-(span - s) // 2)
    a = 2 * p - (span - s)
    return (p, a) if a < max(s, d) else None


@register("convtranspose")
@register("convtranspose1d", ndim=1)
@register("convtranspose2d", ndim=2)
@register("convtranspose3d", ndim=3)
@dataclass(frozen=True)
class ConvTranspose(Layer):
    """A transposed convolution with ``filters`` output channels (see the module's text
    for the sizes).  ``padding`` is a number (PyTorch) or ``'same'``/``'valid'`` (Keras);
    ``output_padding`` adds to one side of the output.

    >>> from symparams.layers import Input
    >>> from symparams import Network
    >>> row = Network((Input((5, 5, 8)), ConvTranspose(4, 3, stride=2, output_padding=1))).derive().rows[0]
    >>> row.output_shape.dims(), row.params
    ((12, 12, 4), 292)
    """

    kind = "convtranspose"
    prefix = "convtranspose"
    positional = ("filters", "kernel")
    aliases = {"s": "stride", "p": "padding", "d": "dilation", "g": "groups",
               "op": "output_padding"}
    spatial = True

    filters: Any = hyper("number of filters")
    kernel: Any = hyper("kernel size", per_axis=True)
    stride: Any = hyper("stride", default=1, per_axis=True)
    padding: Any = hyper("padding", default=0, nonnegative=True, per_axis=True,
                         words=("same", "valid"))
    output_padding: Any = hyper("output padding", default=None, nonnegative=True, per_axis=True)
    dilation: Any = hyper("dilation", default=1, per_axis=True)
    groups: Any = hyper("groups", default=1)
    bias: bool = True
    ndim: int | None = None

    def resolved_kind(self, in_shape: Shape) -> str:
        return f"convtranspose{in_shape.rank}d"

    def resolved_prefix(self, in_shape: Shape) -> str:
        return f"convtranspose{in_shape.rank}d"

    def _axes(self, in_shape: Shape):
        spatial_input(self, in_shape)
        r = in_shape.rank
        a = (None,) * r if self.output_padding is None else \
            self.per_axis(self.output_padding, r, "output padding")
        return (self.per_axis(self.kernel, r, "kernel size"), self.per_axis(self.stride, r, "stride"),
                padding_per_axis(self, self.padding, r), self.per_axis(self.dilation, r, "dilation"),
                a)

    def _sizes(self, in_shape: Shape) -> tuple[sp.Expr, ...]:
        k, s, p, d, a = self._axes(in_shape)
        pads = (self.padding,) * in_shape.rank if isinstance(self.padding, str) else p
        return tuple(transposed_size(*v) for v in zip(in_shape.spatial, k, s, pads, d, a))

    def output_shape(self, in_shape: Shape) -> Shape:
        return Shape(self._sizes(in_shape), self.filters)

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        k, *_ = self._axes(in_shape)
        w = Weight("W", (*k, self.filters / self.groups, in_shape.channels))
        return (w, Weight("b", (self.filters,))) if self.bias else (w,)

    def macs(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """Each input element meets ``k_h × k_w × filters / g`` weights."""
        k, *_ = self._axes(in_shapes[0])
        return in_shapes[0].size() * sp.Mul(*k) * self.filters / self.groups

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """Its bias, once per output element."""
        return out_shape.size() if self.bias else sp.Integer(0)

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        k, s, p, d, a = self._axes(in_shape)
        out: list[tuple[sp.Basic, str]] = []
        for axis, size, si, di, ai in zip(AXIS_NAMES[in_shape.rank], self._sizes(in_shape),
                                          s, d, a):
            if ai is not None and ai != 0:
                if isinstance(self.padding, str):  # Keras: "Stride must be greater than output padding"
                    out.append((sp.Lt(ai, si), f"output padding ({brief(ai)}) must be less than "
                                f"the stride ({brief(si)}) on the {axis}"))
                else:
                    out.append((sp.Lt(ai, sp.Max(si, di)),
                                f"output padding ({brief(ai)}) must be less than the stride "
                                f"({brief(si)}) or the dilation ({brief(di)}) on the {axis}"))
            if not (isinstance(self.padding, str) and ai is None):  # Keras' n·s is at least 1
                out.append((at_least(size, 1), f"the output {axis} ({brief(size)}) must be at "
                            "least 1"))
        if self.groups != 1:
            for what, c in (("input channels", in_shape.channels), ("filters", self.filters)):
                out.append((sp.Eq(sp.Mod(c, self.groups), 0),
                            f"groups ({brief(self.groups)}) must divide the {what} ({brief(c)})"))
        return out

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = ("ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d")

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        if getattr(m, "padding_mode", "zeros") != "zeros":
            return f"padding_mode={m.padding_mode!r}: only 'zeros' is supported"
        if isinstance(m.padding, str):
            return f"padding={m.padding!r} is not supported"
        op = one_value(axes_of(m.output_padding))
        return dict(ndim=len(m.kernel_size), filters=m.out_channels,
                    kernel=one_value(m.kernel_size), stride=one_value(m.stride),
                    padding=one_value(axes_of(m.padding)),
                    output_padding=None if op == 0 else op,
                    dilation=one_value(m.dilation), groups=m.groups, bias=m.bias is not None,
                    in_channels=m.in_channels)

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "ConvTranspose":
        return cls(names("channels", o["filters"], "c"), names("kernel", o["kernel"], "k"),
                   stride=names("stride", o["stride"], "s", index=None),
                   padding=names("padding", o["padding"], "p", index=None),
                   output_padding=o["output_padding"],
                   dilation=names("dilation", o["dilation"], "d", index=None),
                   groups=o["groups"], bias=o["bias"], ndim=o["ndim"])

    def to_torch(self, nn: Any, row: Any) -> Any:
        """PyTorch's module; Keras' ``'same'``/``'valid'`` become the padding and output
        padding that give the same size (the shapes and counts agree; which border
        Keras crops may differ).  NotSupportedError when PyTorch cannot give that size."""
        rank = row.input_shape.rank
        k, s, d = (ints(self.per_axis(v, rank, "")) for v in (self.kernel, self.stride,
                                                              self.dilation))
        a = (0,) * rank if self.output_padding is None else \
            ints(self.per_axis(self.output_padding, rank, ""))
        if isinstance(self.padding, str) and self.output_padding is None:
            found = [_keras_to_torch(ki, si, di, self.padding) for ki, si, di in zip(k, s, d)]
            if None in found:
                raise NotSupportedError(
                    f"{row.name}: Keras' padding='same' with kernel {k}, stride {s} has no "
                    "PyTorch ConvTranspose with the same size (output_padding would not be "
                    "less than the stride or dilation)")
            p, a = tuple(f[0] for f in found), tuple(f[1] for f in found)
        elif isinstance(self.padding, str):
            p = tuple((di * (ki - 1) + 1) // 2 if self.padding == "same" else 0
                      for ki, di in zip(k, d))
        else:
            p = ints(self.per_axis(self.padding, rank, ""))
        cls = getattr(nn, f"ConvTranspose{rank}d")
        return cls(int(row.input_shape.channels), int(self.filters), k, stride=s, padding=p,
                   output_padding=a, groups=int(self.groups), bias=self.bias, dilation=d)

    # -- worked solution -------------------------------------------------------------
    def worked_sizes(self, row: Any) -> list[Step]:
        rank = row.input_shape.rank

        def term(axis: int, n: int, out: int):
            at = lambda v: integer(axis_value(v, rank, axis))  # noqa: E731
            k, s, d = at(self.kernel), at(self.stride), at(self.dilation)
            a = None if self.output_padding is None else at(self.output_padding)
            kf, kt = ("k", num(k)) if d == 1 else ("d(k - 1) + 1", add(mul(d, sub(k, 1)), 1))
            letters = ["input size $n$", "stride $s$", "kernel $k$"]
            if d != 1:
                letters.append("dilation $d$")
            if isinstance(self.padding, str) and a is None:
                span = d * (k - 1) + 1
                if self.padding == "same" or span <= s:
                    why = "'same' padding" if self.padding == "same" else \
                        "'valid' padding, kernel at most the stride"
                    return "n s", f"{why}: input size $n$, stride $s$", mul(n, s)
                return (f"n s + {kf} - s", "'valid' padding: " + ", ".join(letters),
                        sub(add(mul(n, s), kt), s))
            formula, working = "(n - 1) s", mul(sub(n, 1), s)
            if self.padding == "same":
                half = r"\lfloor k / 2 \rfloor" if d == 1 else rf"\lfloor ({kf}) / 2 \rfloor"
                formula += rf" + {kf} - 2 {half}"
                working = sub(add(working, kt), mul(2, floor(div(d * (k - 1) + 1, 2))))
                letters[0] = "'same' padding: " + letters[0]
            elif self.padding == "valid":
                formula += f" + {kf}"
                working = add(working, kt)
            else:
                p = at(self.padding)
                if p:
                    formula += " - 2p"
                    working = sub(working, mul(2, p))
                    letters.append("padding $p$")
                formula += " + k" if d == 1 else " + d(k - 1) + 1"
                working = add(working, k) if d == 1 else add(working, mul(d, sub(k, 1)), 1)
            if a:
                formula += " + a"
                working = add(working, a)
                letters.append("output padding $a$")
            return formula, ", ".join(letters), working

        return axis_steps(row, term)

    def worked_params(self, row: Any, convention: str) -> list[Step] | None:
        kernel = [integer(w) for w in row.weights[0].shape[:-2]]
        c_in, groups = integer(row.input_shape.channels), integer(self.groups)
        k_letters = {1: ["m"], 2: ["n", "m"], 3: ["o", "n", "m"]}[len(kernel)]
        inner = " \\times ".join([*k_letters, "l"])
        kdesc = " \\times ".join(k_letters)
        letters = (f"kernel ${kdesc}$, $l$ input channels"
                   + (", $g$ groups" if groups != 1 else "") + ", $k$ filters")
        filters = integer(self.filters)
        if groups == 1:
            work = mul(*kernel, c_in)
            formula = f"({inner} + 1) \\times k" if self.bias else f"{inner} \\times k"
            term = mul(add(work, 1), filters) if self.bias else mul(work, filters)
        else:  # c_in × (k / g) per kernel position, as PyTorch's weight is shaped
            formula = f"{inner} \\times k / g" + (" + k" if self.bias else "")
            term = mul(*kernel, c_in, div(filters, groups))
            term = add(term, filters) if self.bias else term
        return [Step(row.name, "parameters", formula, letters, term, integer(row.trainable))]
