"""The forms a paper wants: expanded, factored, collected; per-layer sums, leading
terms and sensitivities."""

from __future__ import annotations

from dataclasses import replace
from math import comb, prod
from typing import TYPE_CHECKING, Sequence

import sympy as sp

from symparams.algebra.floors import contains_int_div, relax
from symparams.core.errors import NotSupportedError, SpecError, quote, shorten

if TYPE_CHECKING:
    from symparams.core.derivation import Derivation

FORMS = ("expanded", "factored", "collected")


def symbols_of(derivation: "Derivation", names) -> list[sp.Symbol]:
    """Symbols by name (or given as symbols); an unknown name lists the known ones."""
    if names is None:
        return []
    if isinstance(names, (str, sp.Symbol)):
        names = [names]
    known = derivation.symbols
    out = []
    for n in names:
        name = n.name if isinstance(n, sp.Symbol) else str(n)
        if name not in known:
            raise SpecError(f"unknown symbol {quote(name)}; symbols: {shorten(', '.join(known), 300) or 'none'}")
        out.append(known[name])
    return out


MAX_TERMS = 20_000
"""The most terms a total may expand to before ``simplify`` refuses (expanding
``(a + b + c + d)**64`` alone would take minutes and gigabytes)."""


def expanded_terms(expr: sp.Expr) -> int:
    """An upper bound on the number of terms of ``expr`` expanded."""
    if expr.is_Add:
        return sum(expanded_terms(a) for a in expr.args)
    if expr.is_Mul:
        return prod(expanded_terms(a) for a in expr.args)
    if expr.is_Pow and expr.exp.is_Integer and expr.exp > 0:
        t, e = expanded_terms(expr.base), int(expr.exp)
        return comb(e + t - 1, t - 1) if t > 1 else 1
    return max((expanded_terms(a) for a in expr.args), default=1)  # inside a floor


def in_form(expr: sp.Expr, form: str, by: Sequence[sp.Symbol] = ()) -> sp.Expr:
    """``expr`` expanded, factored, or collected in powers of ``by`` (coefficients factored)."""
    if form in FORMS and expanded_terms(expr) > MAX_TERMS:
        raise NotSupportedError(f"the {form} form would have more than {MAX_TERMS:,} terms")
    if form == "expanded":
        return sp.expand(expr)
    if form == "factored":
        return sp.factor(expr) if not by else sp.collect(sp.expand(expr), list(by), func=sp.factor)
    if form == "collected":
        if not by:
            raise SpecError("form 'collected' needs a symbol to collect by (by=...)")
        return sp.collect(sp.expand(expr), list(by), func=sp.factor)
    raise SpecError(f"form must be one of {', '.join(FORMS)}, got {quote(form)}")


def simplify(derivation: "Derivation", form: str, by=None) -> "Derivation":
    """A derivation whose per-layer counts and total are in ``form``."""
    syms = symbols_of(derivation, by)
    if by is not None and form == "expanded":
        raise SpecError("by= applies to the 'collected' and 'factored' forms")
    rows = tuple(replace(r, trainable=in_form(r.trainable, form, syms),
                         non_trainable=in_form(r.non_trainable, form, syms))
                 for r in derivation.rows)
    total = in_form(derivation.trainable + derivation.non_trainable, form, syms)
    if form == "factored" and by is None and total.is_Add:
        # no factor common to the whole: the sum of the layers' factored counts, as the
        # trainable and non-trainable lines print it (not the expanded polynomial)
        total = sp.Add(*(r.trainable + r.non_trainable for r in rows))
    return replace(derivation, rows=rows, total_form=total)


def by_layer(derivation: "Derivation") -> sp.Expr:
    """The total as the unevaluated sum of each layer's factored count, in layer order.

    Print with ``sympy.sstr(expr, order="none")`` (or LaTeX with ``order="none"``)
    to keep that order.
    """
    terms = [sp.factor(r.params) for r in derivation.rows if r.params != 0]
    if not terms:
        return sp.Integer(0)
    return sp.Add(*terms, evaluate=False) if len(terms) > 1 else terms[0]


def leading_term(derivation: "Derivation", symbol) -> sp.Expr:
    """The dominant term of the total as ``symbol`` grows (others fixed).

    Floors and ceilings count as their quotient (``floor(n/32) ~ n/32``), so the
    term is exact in its power and coefficient: ``c*h*n**2/1024``.
    """
    (x,) = symbols_of(derivation, symbol)
    expr = sp.expand(relax(derivation.total, x))
    by_power: dict[sp.Expr, sp.Expr] = {}
    for term in sp.Add.make_args(expr):
        coeff, power = term.as_coeff_exponent(x)
        if coeff.has(x):
            raise NotSupportedError(f"the total is not a sum of powers of {x}")
        by_power[power] = by_power.get(power, 0) + coeff
    for power in sorted(by_power, key=lambda p: float(p), reverse=True):
        coeff = sp.factor(by_power[power])
        if coeff != 0:
            return coeff * x ** power
    return sp.Integer(0)


def diff(derivation: "Derivation", symbol, discrete: bool = False) -> sp.Expr:
    """How the total changes with ``symbol``: the derivative, or with ``discrete=True``
    the exact forward difference ``total(x + 1) - total(x)``.

    The derivative needs ``symbol`` outside every floor; otherwise NotSupportedError
    suggests the forward difference.
    """
    (x,) = symbols_of(derivation, symbol)
    total = derivation.total
    if discrete:
        return sp.expand(total.subs(x, x + 1) - total)
    if contains_int_div(total, x):
        raise NotSupportedError(f"the total is not differentiable in {x}: {x} appears inside a "
                                f"floor or ceiling; use diff({x.name!r}, discrete=True) for "
                                f"the forward difference")
    return sp.factor(sp.diff(total, x))
