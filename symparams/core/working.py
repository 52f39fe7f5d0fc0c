"""The pieces of a worked solution, as a layer file writes them: a tiny arithmetic tree
(:class:`Term`) that prints the way it was built and evaluates exactly, and a
:class:`Step` (what is computed, the textbook formula, its letters, the numbers put
in, the value).  Each layer kind writes its own steps (``Layer.worked_sizes``,
``Layer.worked_params``); :mod:`symparams.export.worked` puts them in order and prints
them.  The size arithmetic of sliding windows (convolution, pooling) is shared here.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import sympy as sp

from symparams.core.errors import MissingValueError
from symparams.core.shape import AXIS_NAMES

_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}
_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}


@dataclass(frozen=True)
class Term:
    """An integer, an operation on terms, or a floor / ceiling of a term."""

    op: str  # "num", "+", "-", "*", "/", "floor", "ceil"
    args: tuple = ()

    @property
    def prec(self) -> int:
        return _PREC.get(self.op, 3)

    def value(self) -> Fraction:
        if self.op == "num":
            return Fraction(self.args[0])
        if self.op == "()":
            return self.args[0].value()
        vals = [a.value() for a in self.args]
        if self.op == "floor":
            return Fraction(vals[0].numerator // vals[0].denominator)
        if self.op == "ceil":
            return Fraction(-(-vals[0].numerator // vals[0].denominator))
        out = vals[0]
        for v in vals[1:]:  # only this operation: ``5 × 0`` must not also divide by 0
            out = _ARITHMETIC[self.op](out, v)
        return out

    def tex(self, times: str = r"\times") -> str:
        if self.op == "num":
            return str(self.args[0])
        if self.op == "()":
            return f"({self.args[0].tex(times)})"
        if self.op in ("floor", "ceil"):
            left, right = (r"\lfloor", r"\rfloor") if self.op == "floor" else (r"\lceil", r"\rceil")
            return f"{left} {self.args[0].tex(times)} {right}"
        symbol = {"+": "+", "-": "-", "*": times, "/": "/"}[self.op]
        parts = []
        for i, a in enumerate(self.args):
            text = a.tex(times)
            # left-associative: a right operand of equal precedence needs brackets for - and /
            if a.prec < self.prec or (i and a.prec == self.prec and self.op in "-/"):
                text = f"({text})"
            parts.append(text)
        return f" {symbol} ".join(parts)


def num(v: Any) -> Term:
    return Term("num", (int(v),))


def _op(op: str, *args: Any) -> Term:
    terms = tuple(a if isinstance(a, Term) else num(a) for a in args)
    return terms[0] if len(terms) == 1 else Term(op, terms)


def add(*a: Any) -> Term:
    return _op("+", *a)


def sub(*a: Any) -> Term:
    return _op("-", *a)


def mul(*a: Any) -> Term:
    return _op("*", *a)


def div(*a: Any) -> Term:
    return _op("/", *a)


def group(a: Term) -> Term:
    """``a`` in parentheses, as a textbook groups a factor: ``24 × 24 × 4 × (5 × 5 × 1)``."""
    return Term("()", (a,))


def floor(a: Term) -> Term:
    return Term("floor", (a,))


def ceil(a: Term) -> Term:
    return Term("ceil", (a,))


# -- steps -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One line of a worked solution.

    ``what`` says what is computed ("output height and width", "parameters" …),
    ``formula`` is the textbook formula in LaTeX with ``letters`` saying what its
    letters are, ``working`` the numbers put into it, ``value`` the exact result.
    """

    layer: str
    what: str
    formula: str
    letters: str
    working: Term
    value: int

    def math(self, times: str = r"\times") -> str:
        work = self.working.tex(times)
        return work if work == str(self.value) else f"{work} = {self.value}"


def integer(e: sp.Expr) -> int:
    if not e.is_Integer:
        raise MissingValueError(f"a worked solution needs numbers, got {e}")
    return int(e)


def join_words(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def axis_value(values: Any, rank: int, axis: int) -> Any:
    """One axis's value of a hyperparameter given once or per axis."""
    if isinstance(values, tuple):
        return values[axis] if len(values) == rank else values[0]
    return values


def axis_steps(row: Any, term: Callable[[int, int, int], tuple[str, str, Term]]) -> list[Step]:
    """One output-size step per spatial axis, axes with the same working joined
    ("output height and width").  ``term(axis, n, out)`` gives the formula, its letters
    and the working of one axis."""
    rank = row.input_shape.rank
    per_axis: list[tuple] = []
    for axis in range(rank):
        n = integer(row.input_shape.spatial[axis])
        out = integer(row.output_shape.spatial[axis])
        per_axis.append((n, out, *term(axis, n, out)))
    steps: list[Step] = []
    names = AXIS_NAMES[rank]
    done: set[int] = set()
    for i, item in enumerate(per_axis):
        if i in done:
            continue
        same = [j for j in range(i, rank) if per_axis[j] == item]
        done.update(same)
        n, out, formula, letters, working = item
        steps.append(Step(row.name, "output " + join_words([names[j] for j in same]), formula,
                          letters, working, out))
    return steps


def window_term(n: int, out: int, *, k: int, s: int, padding: Any, d: int = 1,
                ceil_mode: bool = False, pool: bool = False) -> tuple[str, str, Term]:
    """The output size of a sliding window on one axis as a textbook writes it:
    ``floor((n + 2p - k) / s) + 1`` with only the parts that are there (``padding`` is a
    number, ``"same"`` or ``"valid"``; ``pool`` names the window ``q``, not ``k``)."""
    kname = "q" if pool else "k"
    kword = "pool size" if pool else "kernel"
    if padding == "same":
        if s == 1:
            return "n", "'same' padding at stride 1 keeps the input size $n$", num(n)
        return (r"\lceil n / s \rceil", "'same' padding: input size $n$, stride $s$",
                ceil(div(n, s)))
    p = 0 if padding == "valid" else padding
    letters = [f"input size $n$, {kword} ${kname}$"]
    if pool and s == k and p == 0 and not ceil_mode:
        return rf"\lfloor n / {kname} \rfloor", letters[0], floor(div(n, k))
    # numerator n + 2p - d(k - 1) - 1, written as a textbook writes it
    num_f, num_t = "n", [num(n)]
    if p:
        num_f += " + 2p"
        num_t.append(mul(2, p))
        letters.append("padding $p$")
    if d == 1:
        num_f += f" - {kname}"
        span = sub(add(*num_t), k) if len(num_t) > 1 else sub(n, k)
    else:
        num_f += f" - d({kname} - 1) - 1"
        span = sub(add(*num_t), mul(d, sub(k, 1)), 1) if len(num_t) > 1 else \
            sub(n, mul(d, sub(k, 1)), 1)
        letters.append("dilation $d$")
    if s == 1 and not ceil_mode:
        return f"{num_f} + 1", ", ".join(letters), add(span, 1)
    letters.append("stride $s$")
    rounding = ceil if ceil_mode else floor
    delims = (r"\lceil", r"\rceil") if ceil_mode else (r"\lfloor", r"\rfloor")
    formula = rf"{delims[0]} ({num_f}) / s {delims[1]} + 1"
    working = add(rounding(div(span, s)), 1)
    if ceil_mode and working.value() == out + 1:
        # PyTorch drops a last window that would start in the right padding
        formula += " - 1"
        letters.append("minus 1 as the last window would start past the input")
        working = sub(working, 1)
    return formula, ", ".join(letters), working
