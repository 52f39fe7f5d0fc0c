"""Expressions as text in the order people write them (used by every text output and
by the reasons and messages of the core)."""

from __future__ import annotations

from typing import Any

import sympy as sp
from sympy.printing.str import StrPrinter


class TextPrinter(StrPrinter):
    """sympy's text printer with the order people write: the positive terms before the
    negative, each by falling degree, the number last (``n - k1 + 1``, not
    ``-k1 + n + 1``; ``29 - k1`` when only the number is positive), and divisibility as ``4 ∣ n + 3`` (not ``Eq(Mod(n + 3, 4), 0)``)
    unless ``divides=False`` (for JSON, which stays text sympy can parse)."""

    _default_settings = {**StrPrinter._default_settings, "divides": True}

    def _as_ordered_terms(self, expr, order=None):
        terms = sorted(super()._as_ordered_terms(expr, order=order),
                       key=lambda t: (t.is_number, t.could_extract_minus_sign(), -_degree(t)))
        if terms[0].could_extract_minus_sign() and terms[-1].is_number and terms[-1] > 0:
            terms.insert(0, terms.pop())  # 29 - k1, not -k1 + 29
        return terms

    def _print_Equality(self, expr):
        if self._settings["divides"] and isinstance(expr.lhs, sp.Mod) and expr.rhs == 0:
            x, m = expr.lhs.args
            return f"{self._print(m)} ∣ {self._print(x)}"
        return super()._print_Relational(expr)


def _degree(term: sp.Expr, depth: int = 3) -> int:
    """The degree of a product in its symbols: a sum counts as its highest term, a floor
    as its argument's numerator, a division not at all; ``depth`` levels down at most
    (nested floors 100 deep would otherwise cost depth² and the recursion limit)."""
    if depth == 0 or not term.free_symbols:
        return 1 if term.free_symbols else 0
    if isinstance(term, sp.Add):
        return max((_degree(t, depth - 1) for t in term.args), default=0)
    if isinstance(term, (sp.floor, sp.ceiling)):
        return _degree(term.args[0], depth - 1)
    degree = 0
    for base, exp in term.as_powers_dict().items():
        if base.free_symbols and exp.is_Integer and exp > 0:
            degree += int(exp) * (1 if base.is_Symbol else max(_degree(base, depth - 1), 1))
    return degree


_TEXT = TextPrinter()
_DATA = TextPrinter({"divides": False})


def text(expr: Any, divides: bool = True) -> str:
    """An expression (or a relation) as the text outputs write it; ``divides=False``
    keeps divisibility as sympy writes it (``Eq(Mod(n + 3, 4), 0)``), for data.

    >>> import sympy as sp
    >>> n, k = sp.symbols("n k")
    >>> text(n - k + 1)
    'n - k + 1'
    """
    return (_TEXT if divides else _DATA).doprint(expr)
