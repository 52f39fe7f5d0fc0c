"""Reshape and Permute: the same elements in another shape.  No parameters.

Shapes here are as everywhere in symparams: without the batch, channels last (Keras'
order).  ``reshape(4 x 4 x 16)`` makes a 4×4 map of 16 channels; ``reshape(-1 x 16)``
infers the one size given as ``-1`` from the element count, as Keras' ``Reshape`` and
PyTorch's ``view`` do.  The element count must be kept: a condition
``product(in) = product(out)`` printed with the formula, an error when numbers prove
it false.  ``channels_first=true`` reads the sizes in PyTorch's order (``C, H, W``).

``permute(2 x 1)`` reorders the axes as Keras' ``Permute((2, 1))``: the 1-based
positions of the input's axes (batch left out, channels last), so on a ``T × d``
sequence it gives ``d × T``.

PyTorch: ``nn.Unflatten(1, (C, H, W))`` on a vector, and in a traced forward
``x.view(-1, C, H, W)`` / ``x.reshape(...)`` / ``torch.reshape`` written in numbers (the
first size is the batch) and ``x.permute(0, 2, 1)`` (batch first, channels first: it is
turned into the channels-last order above).

>>> import symparams
>>> d = symparams.parse("I(784)-reshape(28 x 28 x 1)-permute(3 x 1 x 2)").derive()
>>> [r.output_shape.dims() for r in d.rows]
[(28, 28, 1), (1, 28, 28)]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.errors import ShapeError, SpecError, quote, shorten
from symparams.core.framework import ints
from symparams.core.layer import Layer, hyper, register, to_expr
from symparams.core.shape import FloorDiv, Shape, brief, product
from symparams.core.working import Step, div, integer, mul

MAX_AXES = 4
"""The most sizes of a shape without the batch (3 spatial axes and the channels)."""


def _shape_of(sizes: tuple[sp.Expr, ...], sequence: bool = False) -> Shape:
    *spatial, channels = sizes
    return Shape(tuple(spatial), channels, sequence and len(sizes) == 2)


def _torch_sizes(values: tuple) -> tuple[int, ...] | str:
    """The sizes of a reshape/view call after the tensor: ``(-1, 16, 4, 4)`` or one tuple."""
    if len(values) == 1 and isinstance(values[0], (tuple, list)):
        values = tuple(values[0])
    if not values or any(isinstance(v, bool) or not isinstance(v, int) for v in values):
        return ("sizes that are not numbers (x.size(0) included): write torch.flatten(x, 1) "
                "or x.view(-1, C, H, W)")
    return values


def _quotient(total: sp.Expr, known: sp.Expr) -> sp.Expr:
    """``total / known`` as a polynomial when it is one (``n²c / c = n²``), else as a
    floor (exact under the divisibility condition), so that no size is a fraction."""
    q = total / known
    num, den = sp.fraction(q)
    return q if den == 1 else FloorDiv(num, den)


@register("reshape")
@dataclass(frozen=True)
class Reshape(Layer):
    """The input's elements in the shape ``shape`` (channels last, batch left out; one
    size may be ``-1``: inferred).

    >>> from symparams import Network
    >>> from symparams.layers import Input
    >>> Network((Input((6, 4)), Reshape((-1, 2, 3)))).derive().rows[0].output_shape.dims()
    (4, 2, 3)
    """

    kind = "reshape"
    prefix = "reshape"
    positional = ("shape",)
    aliases = {"target_shape": "shape"}

    shape: Any = hyper("reshape size", default=None, per_axis=True)
    sequence: bool = False
    """Two sizes ``T × d`` are a sequence of positions (as ``Input(sequence=true)``)."""
    channels_first: bool = False
    """The sizes are in PyTorch's order, channels first (``C × H × W``)."""

    def __post_init__(self) -> None:
        self._check_options()
        value = self.shape
        values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
        if value is None or not 1 <= len(values) <= MAX_AXES:
            raise SpecError(f"reshape takes 1 to {MAX_AXES} sizes (channels last), got "
                            f"{shorten(repr(value))}")
        converted = []
        for v in values:
            if isinstance(v, int) and not isinstance(v, bool) and v == -1 or \
                    isinstance(v, str) and v.strip() == "-1":
                converted.append(sp.Integer(-1))
                continue
            try:
                converted.append(to_expr(v, role="reshape size"))
            except SpecError as err:
                raise SpecError(f"reshape: {err}") from None
        if sum(1 for v in converted if v == -1) > 1:
            raise SpecError("reshape: at most one size may be -1 (inferred)")
        if self.channels_first:
            converted = converted[1:] + converted[:1]
        object.__setattr__(self, "shape", tuple(converted))
        object.__setattr__(self, "channels_first", False)

    def hyperparameters(self):
        for v in self.shape:
            if v != -1:
                yield "shape", "reshape size", False, v

    def _target(self, in_shape: Shape) -> tuple[tuple[sp.Expr, ...], sp.Expr]:
        """The output sizes (``-1`` resolved) and the product of the given ones."""
        known = product(v for v in self.shape if v != -1)
        if -1 not in self.shape:
            return self.shape, known
        return tuple(_quotient(in_shape.size(), known) if v == -1 else v for v in self.shape), \
            known

    def output_shape(self, in_shape: Shape) -> Shape:
        sizes, known = self._target(in_shape)
        total = in_shape.size()
        if -1 in self.shape and total.is_Integer and known.is_Integer:
            if total % known:
                raise ShapeError(f"{brief(in_shape.size())} elements cannot be split "
                                 f"into parts of {brief(known)} (the size given as -1)")
        return _shape_of(sizes, self.sequence)

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        sizes, known = self._target(in_shape)
        total = in_shape.size()
        if -1 in self.shape:
            rel = sp.Eq(sp.Mod(total, known), 0)
            return [(rel, f"the sizes given ({brief(known)}) must divide the element "
                          f"count ({brief(total)}) for -1 to be a whole size")]
        difference = total - known
        if difference.is_Number:  # numbers decide it (sympy's Eq would try harder)
            return [(sp.true if difference == 0 else sp.false,
                     f"the element count must be kept: {in_shape.brief()} = {brief(total)} "
                     f"elements, but {' × '.join(brief(v) for v in sizes)} = {brief(known)}")]
        return [(sp.Eq(total, known, evaluate=False),
                 f"the element count must be kept: product(in) = product(out), "
                 f"{brief(total)} = {brief(known)}")]

    # -- worked solution -------------------------------------------------------------
    def worked_sizes(self, row: Any) -> list[Step]:
        """The size given as -1, or the element count that the reshape keeps."""
        dims = [integer(v) for v in row.input_shape.dims()]
        if -1 not in self.shape:
            return [Step(row.name, "element count (kept)", r"\prod_i n_i", "the input's sizes $n_i$",
                         mul(*dims), integer(row.input_shape.size()))]
        known = [integer(v) for v in self.shape if v != -1]
        inferred = integer(row.output_shape.dims()[self.shape.index(-1)])
        return [Step(row.name, "size given as -1", r"\prod_i n_i / \prod_j m_j",
                     "the input's sizes $n_i$, the sizes given $m_j$",
                     div(mul(*dims), mul(*known)), inferred)]

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = ("Unflatten",)
    torch_functions = ("reshape", "view")

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        if m.dim not in (1, -1):
            return f"dim={m.dim}: only nn.Unflatten(1, sizes) of a vector is supported"
        sizes = tuple(m.unflattened_size)
        if any(not isinstance(v, int) for v in sizes):
            return "named sizes are not supported"
        return dict(shape=sizes, channels_first=True, vector_input=True)

    @classmethod
    def torch_read_call(cls, name: str, args: tuple, kwargs: dict) -> dict[str, Any] | str:
        values = args or tuple(kwargs.get(k) for k in ("shape",) if k in kwargs)
        sizes = _torch_sizes(values)
        if isinstance(sizes, str):
            return sizes
        batch, *rest = sizes
        if not rest:
            return "a reshape to one axis drops the batch"
        if any(v == 0 or v < -1 for v in rest) or (batch == -1 and -1 in rest):
            return f"sizes {sizes}: the first is the batch; at most one -1"
        return dict(shape=tuple(rest), channels_first=True)

    @classmethod
    def torch_input_ranks(cls, options: dict[str, Any]) -> tuple[int, ...] | None:
        return (0,) if options.get("vector_input") else None

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "Reshape":
        return cls(o["shape"], channels_first=o["channels_first"])

    def to_torch(self, nn: Any, row: Any) -> Any:
        dims = ints(row.output_shape.channels_first())
        if row.input_shape.is_vector:
            return nn.Unflatten(1, dims)
        return _method_module(nn, "reshape", (-1, *dims))


@register("permute")
@dataclass(frozen=True)
class Permute(Layer):
    """The input's axes reordered: ``dims`` are 1-based positions of the input's axes
    (batch left out, channels last), as Keras' ``Permute``.

    >>> from symparams import Network
    >>> from symparams.layers import Input
    >>> Network((Input((10, 64)), Permute((2, 1)))).derive().rows[0].output_shape.dims()
    (64, 10)
    """

    kind = "permute"
    prefix = "permute"
    positional = ("dims",)

    dims: Any = hyper("axis order", default=None, per_axis=True)

    def __post_init__(self) -> None:
        self._check_options()
        value = self.dims
        values = tuple(value) if isinstance(value, (tuple, list)) else (value,)
        out = []
        for v in values:
            if isinstance(v, sp.Integer):
                v = int(v)
            if isinstance(v, bool) or not isinstance(v, int):
                raise SpecError(f"permute: dims are the 1-based positions of the input's axes, "
                                f"such as 2 x 1; got {quote(value)}")
            out.append(v)
        if not 1 <= len(out) <= MAX_AXES or sorted(out) != list(range(1, len(out) + 1)):
            raise SpecError(f"permute: dims must be an order of 1 … {len(out)} (each once), got "
                            f"{quote(' x '.join(map(str, out)))}")
        object.__setattr__(self, "dims", tuple(out))

    def hyperparameters(self):
        return iter(())

    def output_shape(self, in_shape: Shape) -> Shape:
        sizes = in_shape.dims()
        if len(self.dims) != len(sizes):
            raise ShapeError(f"dims {' x '.join(map(str, self.dims))} order "
                             f"{len(self.dims)} axes, the input has {len(sizes)} "
                             f"({in_shape.brief()})")
        if self.dims == tuple(range(1, len(sizes) + 1)):
            return in_shape
        return _shape_of(tuple(sizes[d - 1] for d in self.dims))

    # -- PyTorch ---------------------------------------------------------------------
    torch_functions = ("permute",)

    @classmethod
    def torch_read_call(cls, name: str, args: tuple, kwargs: dict) -> dict[str, Any] | str:
        values = args or (kwargs.get("dims"),)
        if len(values) == 1 and isinstance(values[0], (tuple, list)):
            values = tuple(values[0])
        if any(isinstance(v, bool) or not isinstance(v, int) for v in values):
            return "dims that are not numbers"
        full = [v % len(values) if v < 0 else v for v in values]
        if sorted(full) != list(range(len(full))) or full[0] != 0 or len(full) < 2:
            return f"dims {tuple(values)}: the batch (dim 0) must stay first"
        return dict(dims=_from_torch_order(tuple(full)))

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "Permute":
        return cls(o["dims"])

    def to_torch(self, nn: Any, row: Any) -> Any:
        return _method_module(nn, "permute", (0, *_to_torch_order(self.dims)))


def _from_torch_order(perm: tuple[int, ...]) -> tuple[int, ...]:
    """Keras' 1-based dims (channels last, no batch) of torch's ``permute`` (batch and
    channels first): output axis i (ours) is input axis ``dims[i] - 1``."""
    r = len(perm) - 2  # spatial axes
    ours_to_torch = lambda i: i + 2 if i < r else 1  # noqa: E731  (torch index with batch)
    torch_to_ours = lambda m: m - 2 if m >= 2 else r  # noqa: E731
    return tuple(torch_to_ours(perm[ours_to_torch(i)]) + 1 for i in range(r + 1))


def _to_torch_order(dims: tuple[int, ...]) -> tuple[int, ...]:
    """The inverse of :func:`_from_torch_order`, without the batch's leading 0."""
    r = len(dims) - 1
    perm = [0] * (r + 2)
    for i, d in enumerate(dims):  # ours out i <- ours in d - 1
        src = d - 1
        perm[i + 2 if i < r else 1] = src + 2 if src < r else 1
    return tuple(perm[1:])


_METHOD_MODULES: dict[Any, Any] = {}


def _method_module(nn: Any, method: str, args: tuple[int, ...]) -> Any:
    """A module whose forward is ``x.<method>(*args)`` (numbers only, so that torch.fx
    traces it back to the same call)."""
    cls = _METHOD_MODULES.get(nn)
    if cls is None:
        class TensorMethod(nn.Module):
            def __init__(self, method: str, args: tuple[int, ...]):
                super().__init__()
                self.method, self.args = method, tuple(args)

            def forward(self, x):
                return getattr(x, self.method)(*self.args)

            def extra_repr(self) -> str:
                return f"{self.method}{self.args}"

        cls = _METHOD_MODULES[nn] = TensorMethod
    return cls(method, args)
