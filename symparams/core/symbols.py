"""The one place where symbols are made, so equal names mean equal symbols.

Sizes, channels, units, kernels, strides, dilations, groups and pool sizes are
``integer=True, positive=True``; padding is ``integer=True, nonnegative=True``.
sympy prints a trailing number as a subscript (``k1`` -> ``k_{1}``).
"""

from __future__ import annotations

import re

import sympy as sp

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")


def is_valid_name(name: str) -> bool:
    """True for names symparams accepts: a letter, then letters, digits or ``_``."""
    return bool(_NAME.match(name))


def make_symbol(name: str, *, nonnegative: bool = False) -> sp.Symbol:
    """The symbol called ``name``: a positive integer, or a nonnegative one for padding.

    >>> make_symbol("k1")
    k1
    """
    if not is_valid_name(name):
        raise ValueError(f"invalid symbol name {name!r}")
    if nonnegative:
        return sp.Symbol(name, integer=True, nonnegative=True)
    return sp.Symbol(name, integer=True, positive=True)


def sort_symbols(symbols) -> list[sp.Symbol]:
    """Symbols in a stable, readable order (by name, numbers in numeric order)."""

    def key(s: sp.Symbol):
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s.name)]

    return sorted(symbols, key=key)
