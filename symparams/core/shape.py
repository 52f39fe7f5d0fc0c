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
from functools import lru_cache, reduce
from typing import Iterator
import operator

import sympy as sp

Expr = sp.Expr


def _is_number(e: sp.Expr) -> bool:
    return e.is_Rational is True


# Printers whose own floor would compute in floating point: they get ``num // den``,
# exact on Python ints, NumPy/CuPy/JAX integer arrays and mpmath numbers.
_EXACT_PRINTMETHODS = ("_pythoncode", "_lambdacode", "_mpmathcode")
# Printers that must keep the class itself (``srepr`` rebuilds the object).
_OWN_PRINTMETHODS = ("_sympystr", "_latex", "_sympyrepr")


@lru_cache(maxsize=None)
def _printmethods() -> frozenset[str]:
    """Every ``printmethod`` declared by a printer in ``sympy.printing``, read from the
    sources (importing them all would import optional backends such as torch)."""
    import re
    from pathlib import Path

    import sympy.printing as printing

    pattern = re.compile(r"^\s+printmethod\s*=\s*['\"](_\w+)['\"]", re.M)
    found: set[str] = set()
    for path in Path(printing.__file__).parent.rglob("*.py"):
        if "tests" not in path.parts:
            found.update(pattern.findall(path.read_text(encoding="utf-8")))
    return frozenset(found)


_PRINTED: dict[tuple, str] = {}
_PRINTED_MAX = 4096  # texts of nested sizes: a few MB at most


def _printed(expr: sp.Basic, printer, text) -> str:
    """``text()``, remembered per expression and printer settings.

    A deep network's sizes nest: each layer's size holds the previous one whole, so
    printing every row would print the first layers' floors again and again (quadratic
    work in depth); remembered, each floor is printed once.
    """
    key = (expr, type(printer), repr(sorted(printer._settings.items())))
    found = _PRINTED.get(key)
    if found is None:
        if len(_PRINTED) >= _PRINTED_MAX:
            _PRINTED.clear()
        found = _PRINTED[key] = text()
    return found


class _IntDiv:
    """Common part of FloorDiv and CeilDiv: ``round(num/den)`` kept as two arguments.

    They subclass sympy's own ``floor``/``ceiling`` (so ``isinstance``, ``has(floor)``
    and ``rewrite`` work); every method of those that reads ``args[0]`` is given the
    one-argument meaning ``num/den`` here, and each sympy printer prints the plain
    ``floor(num/den)``/``ceiling(num/den)`` (sympy would otherwise print ``FloorDiv(...)``).
    """

    __slots__ = ()
    _symbol = ""
    _plain: type = sp.floor  # the one-argument sympy function

    @property
    def numerator(self) -> sp.Expr:
        return self.args[0]

    @property
    def denominator(self) -> sp.Expr:
        return self.args[1]

    def as_plain(self) -> sp.Expr:
        """``floor(num/den)`` with sympy's one-argument class, unevaluated."""
        num, den = self.args
        quotient = num if den == 1 else sp.Mul(num, sp.Pow(den, -1, evaluate=False), evaluate=False)
        return self._plain(quotient, evaluate=False)

    @property
    def _quotient(self) -> sp.Expr:
        num, den = self.args
        return num / den

    @classmethod
    def eval(cls, num, den):
        if _is_number(num) and _is_number(den):
            return cls._plain(num / den)
        if den == 1:
            return num
        if num == 0 or num == den:
            return num / den
        return _combine(cls, num, den)

    # -- one-argument semantics of what floor/ceiling/RoundFunction read from args[0] --
    @classmethod
    def _eval_number(cls, arg):
        return cls._plain._eval_number(arg)

    def _eval_is_finite(self):
        return True

    def _eval_is_real(self):
        return True

    def _eval_is_integer(self):
        return True

    def _eval_as_leading_term(self, x, logx, cdir):
        return self._plain(self._quotient)._eval_as_leading_term(x, logx=logx, cdir=cdir)

    def _eval_nseries(self, x, n, logx, cdir=0):
        return self._plain(self._quotient)._eval_nseries(x, n, logx, cdir)

    def _eval_rewrite_as_floor(self, num, den, **kwargs):
        return sp.floor(num / den) if self._plain is sp.floor else -sp.floor(-num / den)

    def _eval_rewrite_as_ceiling(self, num, den, **kwargs):
        return sp.ceiling(num / den) if self._plain is sp.ceiling else -sp.ceiling(-num / den)

    def _eval_rewrite_as_frac(self, num, den, **kwargs):
        return self._plain(num / den).rewrite(sp.frac)

    # floor's own comparisons read args[0] as the whole argument; compare as expressions
    __lt__ = sp.Expr.__lt__
    __le__ = sp.Expr.__le__
    __gt__ = sp.Expr.__gt__
    __ge__ = sp.Expr.__ge__

    # -- printing ----------------------------------------------------------------------
    def _sympystr(self, printer) -> str:
        def text() -> str:
            num, den = self.args
            num_s = printer.parenthesize(num, sp.printing.precedence.PRECEDENCE["Mul"])
            den_s = printer.parenthesize(den, sp.printing.precedence.PRECEDENCE["Mul"] + 1)
            return f"{self._symbol}({num_s}/{den_s})"

        return _printed(self, printer, text)

    def _latex(self, printer, exp=None) -> str:
        def text() -> str:
            left, right = self._latex_delims
            num, den = (printer._print(a) for a in self.args)
            return rf"\left{left} \frac{{{num}}}{{{den}}} \right{right}"

        tex = _printed(self, printer, text)
        return tex if exp is None else f"{tex}^{{{exp}}}"  # sympy passes exp for a power

    def _print_plain(self, printer, *args, **kwargs) -> str:
        return printer._print(self.as_plain(), *args, **kwargs)


def _add_printmethods(cls: type) -> type:
    for method in _printmethods() - set(_OWN_PRINTMETHODS) - set(_EXACT_PRINTMETHODS):
        if method not in cls.__dict__:
            setattr(cls, method, _IntDiv._print_plain)
    return cls


@_add_printmethods
class FloorDiv(_IntDiv, sp.floor):
    """``floor(num/den)`` for an integer ``num`` and a positive integer ``den``.

    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> FloorDiv(n - 4, 2)
    floor((n - 4)/2)
    >>> FloorDiv(n - 4, 2).subs(n, 28)
    12
    """

    nargs = 2
    is_integer = True
    is_finite = True
    _symbol = "floor"
    _plain = sp.floor
    _latex_delims = (r"\lfloor", r"\rfloor")

    def _eval_is_negative(self):
        num, den = self.args
        return num.is_negative if den.is_positive else None

    def _eval_is_nonnegative(self):
        num, den = self.args
        return num.is_nonnegative if den.is_positive else None

    def _pythoncode(self, printer) -> str:
        num, den = (printer._print(a) for a in self.args)
        return f"(({num})//({den}))"

    _numpycode = _lambdacode = _mpmathcode = _pythoncode


@_add_printmethods
class CeilDiv(_IntDiv, sp.ceiling):
    """``ceiling(num/den)`` for an integer ``num`` and a positive integer ``den``."""

    nargs = 2
    is_integer = True
    is_finite = True
    _symbol = "ceiling"
    _plain = sp.ceiling
    _latex_delims = (r"\lceil", r"\rceil")

    def _eval_is_positive(self):
        num, den = self.args
        return num.is_positive if den.is_positive else None

    def _eval_is_nonpositive(self):
        num, den = self.args
        return num.is_nonpositive if den.is_positive else None

    def _eval_is_nonnegative(self):
        num, den = self.args
        return True if den.is_positive and num.is_nonnegative else None

    def _pythoncode(self, printer) -> str:
        num, den = (printer._print(a) for a in self.args)
        return f"(-((-({num}))//({den})))"

    _numpycode = _lambdacode = _mpmathcode = _pythoncode


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


def at_least(a: Expr, b: Expr) -> sp.Basic:
    """``a >= b``: ``sp.true`` or ``sp.false`` when numbers decide it, else unevaluated.

    sympy would try to decide a symbolic ``a >= b`` from assumptions, which on a deep
    network's nested sizes costs more than the rest of the layer; the derivation's
    :func:`~symparams.algebra.conditions.simplify_conditions` decides each one later.
    """
    d = a - b
    if d.is_Number:
        return sp.true if d >= 0 else sp.false
    return sp.Ge(a, b, evaluate=False)


BRIEF_NODES = 30


def brief(expr: Expr) -> str:
    """``expr`` as text for a condition's reason, or ``…`` when it is long.

    Every layer's conditions carry reasons; printing deep symbolic sizes in them would
    cost more than deriving them, and a reason quoting a 300-symbol size helps nobody.
    """
    for count, _ in enumerate(sp.preorder_traversal(expr)):
        if count >= BRIEF_NODES:
            return "…"
    from symparams.core.printing import text

    return text(expr)


def product(values) -> Expr:
    return reduce(operator.mul, values, sp.Integer(1))


AXIS_NAMES = {1: ("length",), 2: ("height", "width"), 3: ("depth", "height", "width")}


@dataclass(frozen=True)
class Shape:
    """A tensor shape without the batch axis: spatial sizes, then channels.

    A vector (the input or output of a dense layer) has no spatial sizes and its
    length in ``channels``; a sequence (``sequence=True``) has one spatial axis, its
    length ``T``, and the features of each position in ``channels``.  Shapes print channels-last, as in Keras (``24 × 24 × 4``);
    ``channels_first()`` gives PyTorch's order.
    """

    spatial: tuple[Expr, ...]
    channels: Expr
    sequence: bool = False
    """The one spatial axis is a sequence of positions (tokens, time steps), ``T × d``:
    layers that read a vector (dense) act on each position, and no flatten is implied."""

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
        """PyTorch order, e.g. ``(C, H, W)``; a sequence stays ``(T, d)``, as
        ``nn.Linear``, ``nn.LSTM(batch_first=True)`` and attention read it."""
        if self.sequence:
            return self.dims()
        return (self.channels, *self.spatial)

    def size(self) -> Expr:
        return product(self.dims())

    def subs(self, mapping) -> "Shape":
        return Shape(tuple(d.subs(mapping) for d in self.spatial), self.channels.subs(mapping),
                     self.sequence)

    @property
    def free_symbols(self) -> set:
        return set().union(*(d.free_symbols for d in self.dims()))

    def brief(self) -> str:
        """For messages: like ``str()``, with a long size shown as ``…`` (see :func:`brief`)."""
        texts = [(d, brief(d)) for d in self.dims()]
        if len(texts) == 1:
            return texts[0][1]
        return " × ".join(t if getattr(d, "is_Atom", True) or isinstance(d, _IntDiv) or t == "…"
                          else f"({t})" for d, t in texts)

    def __str__(self) -> str:
        """``24 × 24 × 4``; a compound size in parentheses: ``(n - 4) × (n - 4) × 4``."""
        from symparams.core.printing import text

        dims = self.dims()
        if len(dims) == 1:
            return text(dims[0])
        return " × ".join(text(d) if d.is_Atom or isinstance(d, _IntDiv) else f"({text(d)})"
                          for d in dims)


def window_sizes(spatial: tuple[sp.Expr, ...], kernel: tuple[sp.Expr, ...],
                 stride: tuple[sp.Expr, ...], padding: tuple[sp.Expr, ...] | str,
                 dilation: tuple[sp.Expr, ...] | None = None,
                 ceil_mode: bool = False) -> tuple[sp.Expr, ...]:
    """Output sizes of a sliding window per axis: Keras' ``ceil(n/s)`` for ``'same'``,
    PyTorch's formula otherwise (shared by convolution and pooling)."""
    if padding == "same":
        return tuple(same_output_size(n, s) for n, s in zip(spatial, stride))
    dilation = dilation or (sp.Integer(1),) * len(spatial)
    return tuple(window_output_size(n, k, s, p, d, ceil_mode=ceil_mode)
                 for n, k, s, p, d in zip(spatial, kernel, stride, padding, dilation))
