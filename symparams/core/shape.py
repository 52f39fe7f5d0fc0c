"""Shapes and the integer size arithmetic of convolution and pooling windows.

``FloorDiv(a, b)`` is ``floor(a/b)`` kept as one fraction: sympy's own ``floor``
distributes ``(n - k)/2`` into ``n/2 - k/2`` and re-simplifies on every operation,
which is unreadable and, on deep networks, slow.  ``FloorDiv``/``CeilDiv`` evaluate
to integers as soon as their arguments are numbers and otherwise stay as written.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import reduce
from typing import Iterator
import operator

import sympy as sp

Expr = sp.Expr


def _is_number(e: sp.Expr) -> bool:
    return e.is_Rational is True


class _IntDiv(sp.Function):
    """Common part of FloorDiv and CeilDiv: two arguments, integer valued."""

    nargs = 2
    is_integer = True
    is_finite = True
    _symbol = ""

    @property
    def numerator(self) -> sp.Expr:
        return self.args[0]

    @property
    def denominator(self) -> sp.Expr:
        return self.args[1]

    def _eval_is_nonnegative(self):
        num, den = self.args
        if num.is_nonnegative and den.is_positive:
            return True
        return None

    def _sympystr(self, printer) -> str:
        num, den = self.args
        num_s = printer.parenthesize(num, sp.printing.precedence.PRECEDENCE["Mul"])
        den_s = printer.parenthesize(den, sp.printing.precedence.PRECEDENCE["Mul"] + 1)
        return f"{self._symbol}({num_s}/{den_s})"

    def _latex(self, printer, exp=None) -> str:
        left, right = self._latex_delims
        num, den = (printer._print(a) for a in self.args)
        tex = rf"\left{left} \frac{{{num}}}{{{den}}} \right{right}"
        return tex if exp is None else f"{tex}^{{{exp}}}"  # sympy passes exp for a power


class FloorDiv(_IntDiv):
    """``floor(num/den)`` for an integer ``num`` and a positive integer ``den``.

    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> FloorDiv(n - 4, 2)
    floor((n - 4)/2)
    >>> FloorDiv(n - 4, 2).subs(n, 28)
    12
    """

    _symbol = "floor"
    _latex_delims = (r"\lfloor", r"\rfloor")

    @classmethod
    def eval(cls, num, den):
        if _is_number(num) and _is_number(den):
            return sp.floor(num / den)
        if den == 1:
            return num
        return _combine(cls, num, den)

    def _eval_rewrite_as_floor(self, num, den, **kwargs):
        return sp.floor(num / den)

    def _pythoncode(self, printer) -> str:
        num, den = (printer._print(a) for a in self.args)
        return f"(({num})//({den}))"

    _numpycode = _pythoncode


class CeilDiv(_IntDiv):
    """``ceiling(num/den)`` for an integer ``num`` and a positive integer ``den``."""

    _symbol = "ceiling"
    _latex_delims = (r"\lceil", r"\rceil")

    @classmethod
    def eval(cls, num, den):
        if _is_number(num) and _is_number(den):
            return sp.ceiling(num / den)
        if den == 1:
            return num
        return _combine(cls, num, den)

    def _eval_rewrite_as_ceiling(self, num, den, **kwargs):
        return sp.ceiling(num / den)

    def _pythoncode(self, printer) -> str:
        num, den = (printer._print(a) for a in self.args)
        return f"(-((-({num}))//({den})))"

    _numpycode = _pythoncode


def _combine(cls, num, den):
    from symparams.algebra.floors import combine

    return combine(cls, num, den)


# While a layer is derived under ``assume_divisible``, the list that collects the
# (relation, reason) of each exact division assumed; None otherwise.
_EXACT: ContextVar[list | None] = ContextVar("symparams_exact_division", default=None)


@contextmanager
def exact_division(active: bool = True) -> Iterator[list[tuple[sp.Basic, str]]]:
    """Within the block, window sizes assume the stride divides exactly (no floor).

    Yields the list of ``(relation, reason)`` assumptions made, e.g.
    ``(Eq(Mod(n - 4, 2), 0), "assuming 2 divides n - 4")``.
    """
    notes: list[tuple[sp.Basic, str]] = []
    token = _EXACT.set(notes if active else None)
    try:
        yield notes
    finally:
        _EXACT.reset(token)


def _exact_quotient(num: Expr, den: Expr, plus: Expr = sp.Integer(0)) -> Expr | None:
    """``num/den + plus`` when exact division is assumed (recording it), else None."""
    notes = _EXACT.get()
    if notes is None:
        return None
    from symparams.algebra.assume import exact_quotient

    value, note = exact_quotient(num, den, plus)
    if note is not None:
        notes.append(note)
    return value


def window_output_size(n: Expr, kernel: Expr, stride: Expr, padding: Expr = sp.Integer(0),
                       dilation: Expr = sp.Integer(1), ceil_mode: bool = False) -> Expr:
    """Output length of a sliding window, exactly as PyTorch computes it.

    ``floor((n + 2p - d(k-1) - 1)/s) + 1``; with ``ceil_mode`` the floor becomes a
    ceiling, and the last window must start inside the input or the left padding
    (PyTorch drops it otherwise: n=5, k=2, s=2, p=1 gives 3, not 4).  The result is
    the shortest exact form (``ceiling(n/2)`` rather than ``floor((n - 1)/2) + 1``).
    Under :func:`exact_division` the division is exact: ``(n + 2p - d(k-1) - 1)/s + 1``.
    """
    from symparams.algebra.floors import shortest

    span = n + 2 * padding - dilation * (kernel - 1) - 1
    exact = _exact_quotient(span, stride, sp.Integer(1))
    if exact is not None:
        # an exact division leaves no partial window, so ceil_mode changes nothing
        return exact
    if not ceil_mode:
        return shortest(FloorDiv(span, stride) + 1)
    # PyTorch: out = ceil(span/s) + 1, minus 1 when (out - 1) s >= n + p (the last
    # window would start in the right padding).  As ceil(span/s) <= ceil((n + p)/s)
    # (p <= d(k-1) + 1, implied by PyTorch's 2p <= k), that is
    #     min(ceil((span + s)/s), ceil((n + p)/s)) = ceil((n + p - max(0, e))/s)
    # with e = d(k-1) + 1 - p - s: n appears once, so stacked pools stay linear in size.
    excess = dilation * (kernel - 1) + 1 - padding - stride
    never = sp.Ge(excess, 0)  # the last window always starts inside: no correction
    if never is sp.true:
        return shortest(CeilDiv(span, stride) + 1)
    if never is sp.false:
        return shortest(CeilDiv(n + padding, stride))
    return shortest(CeilDiv(n + padding - sp.Max(0, excess), stride))


def same_output_size(n: Expr, stride: Expr) -> Expr:
    """Keras ``padding='same'``: ``ceil(n/s)`` (PyTorch allows 'same' only at stride 1)."""
    exact = _exact_quotient(n, stride)
    return exact if exact is not None else CeilDiv(n, stride)


def product(values) -> Expr:
    return reduce(operator.mul, values, sp.Integer(1))


AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


@dataclass(frozen=True)
class Shape:
    """A tensor shape without the batch axis: spatial sizes, then channels.

    A vector (the input or output of a dense layer) has no spatial sizes and its
    length in ``channels``.  Shapes print channels-last, as in Keras (``24 × 24 × 4``);
    ``channels_first()`` gives PyTorch's order.
    """

    spatial: tuple[Expr, ...]
    channels: Expr

    @property
    def rank(self) -> int:
        return len(self.spatial)

    @property
    def is_vector(self) -> bool:
        return not self.spatial

    def dims(self) -> tuple[Expr, ...]:
        """Channels-last sizes, e.g. ``(H, W, C)``."""
        return (*self.spatial, self.channels)

    def channels_first(self) -> tuple[Expr, ...]:
        """PyTorch order, e.g. ``(C, H, W)``."""
        return (self.channels, *self.spatial)

    def size(self) -> Expr:
        return product(self.dims())

    def subs(self, mapping) -> "Shape":
        return Shape(tuple(d.subs(mapping) for d in self.spatial), self.channels.subs(mapping))

    @property
    def free_symbols(self) -> set:
        return set().union(*(d.free_symbols for d in self.dims()))

    def __str__(self) -> str:
        """``24 × 24 × 4``; a compound size in parentheses: ``(n - 4) × (n - 4) × 4``."""
        dims = self.dims()
        if len(dims) == 1:
            return str(dims[0])
        return " × ".join(str(d) if d.is_Atom or isinstance(d, _IntDiv) else f"({d})" for d in dims)
