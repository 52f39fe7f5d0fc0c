"""The one place where symbols are made, so equal names mean equal symbols.

Sizes, channels, units, kernels, strides, dilations, groups and pool sizes are
``integer=True, positive=True``; padding is ``integer=True, nonnegative=True``.
sympy prints a trailing number as a subscript (``k1`` -> ``k_{1}``).

Names follow Python's identifier rules after NFKC normalization (``ﬁ`` is ``fi``,
``ｎ`` is ``n``), so ``α`` and ``ñ`` are names; they must start with a letter (not
``_``) and may not be a Python keyword (``in``, ``lambda``), so every name is also a
valid Python identifier.  Names are stored NFKC-normalized: two spellings that
normalize alike are one symbol.
"""

from __future__ import annotations

import keyword
import re
import unicodedata

import sympy as sp

from symparams.core.errors import SpecError, quote

MAX_NAME = 64
"""The longest symbol or layer name accepted, in characters."""


def normalize_name(name: str) -> str:
    """The NFKC normal form under which a name is stored and compared."""
    return unicodedata.normalize("NFKC", name)


def name_problem(name: str) -> str | None:
    """Why ``name`` (already NFKC-normalized) is not a valid name, or None."""
    if not name:
        return "a name is empty"
    if len(name) > MAX_NAME:
        return f"name {quote(name, 20)} is longer than {MAX_NAME} characters"
    if not name.isidentifier() or name[0] == "_":
        return (f"invalid name {quote(name)}: names start with a letter and use letters, "
                "digits and _")
    if keyword.iskeyword(name):
        return f"{quote(name)} is a Python keyword, not allowed as a name; write {name}_ or {name}1"
    return None


def is_valid_name(name: str) -> bool:
    """True for names symparams accepts: a Python identifier after NFKC normalization
    that starts with a letter and is not a Python keyword."""
    return isinstance(name, str) and name_problem(normalize_name(name)) is None


def make_symbol(name: str, *, nonnegative: bool = False) -> sp.Symbol:
    """The symbol called ``name`` (NFKC-normalized): a positive integer, or a
    nonnegative one for padding.  An invalid name is a :class:`SpecError`.

    >>> make_symbol("k1")
    k1
    """
    name = normalize_name(name) if isinstance(name, str) else name
    problem = name_problem(name) if isinstance(name, str) else "a name must be a string"
    if problem:
        raise SpecError(problem)
    if nonnegative:
        return sp.Symbol(name, integer=True, nonnegative=True)
    return sp.Symbol(name, integer=True, positive=True)


def sort_symbols(symbols) -> list[sp.Symbol]:
    """Symbols in a stable, readable order (by name, numbers in numeric order)."""

    def key(s: sp.Symbol):
        return [int(t) if t.isdigit() else t for t in re.split(r"([0-9]+)", s.name)]

    return sorted(symbols, key=key)
