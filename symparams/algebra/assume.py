"""Divisibility assumptions: ``derive(assume_divisible=True)`` or a set of layer names.

Under the assumption a window size ``floor((n + 2p - k)/s) + 1`` becomes
``(n + 2p - k)/s + 1`` and the derivation's conditions gain
``Eq(Mod(n + 2p - k, s), 0)`` with the reason "assuming s divides n + 2p - k", so
every export states it.  Numbers that contradict an assumption raise ShapeError
naming the layer.  The sizes are made by
:func:`symparams.core.shape.window_output_size` inside
:func:`symparams.core.shape.exact_division`.
"""

from __future__ import annotations

from typing import Iterable

import sympy as sp

from symparams.core.errors import ShapeError, SpecError, shorten


def divisible_option(value: bool | str | Iterable[str]) -> bool | frozenset[str]:
    """``True``/``False``, or the frozenset of layer names (one name may be a string)."""
    if value is True:
        return True
    if value is False or value is None:
        return frozenset()
    if isinstance(value, str):
        return frozenset({value})
    try:
        names = frozenset(value)
    except TypeError:
        raise SpecError(f"assume_divisible takes True, False or layer names, got {shorten(repr(value))}") from None
    if not all(isinstance(n, str) for n in names):
        raise SpecError(f"assume_divisible takes layer names, got {sorted(map(repr, names))}")
    return names


def assumptions(derivation) -> list:
    """The conditions that are divisibility assumptions rather than validity checks."""
    return [c for c in derivation.conditions if c.reason.startswith("assuming ")]


def exact_quotient(num: sp.Expr, den: sp.Expr, plus: sp.Expr = sp.Integer(0)
                   ) -> tuple[sp.Expr, tuple[sp.Basic, str] | None]:
    """``num/den + plus`` in its shortest form, and the assumption ``den | num`` as
    ``(relation, reason)`` (None when it is certain).

    ``num`` may itself hold earlier exact quotients (``n/2 - 2``); the assumption is
    then stated on whole numbers: ``2 | n/2 - 2`` becomes ``4 | n - 4``.
    """
    from symparams.algebra.floors import size

    if den == 1:
        return num + plus, None
    p, q = sp.fraction(sp.together(num))
    if not (q.is_integer and q.is_positive):
        p, q = num, sp.Integer(1)
    rel = sp.Eq(sp.Mod(p, q * den), 0)
    if rel is sp.false:
        raise ShapeError(f"divisibility was assumed, but {den} does not divide {num}")
    note = None
    if rel is not sp.true:
        arg = rel.lhs.args[0] if isinstance(rel.lhs, sp.Mod) else p
        note = (rel, f"assuming {q * den} divides {arg}")
    value = num / den + plus
    return min((value, sp.together(value)), key=size), note
