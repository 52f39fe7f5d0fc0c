"""Validity conditions: rewritten without outer floors, deduplicated, implied ones dropped.

``floor(a/b) + c >= m`` holds exactly when ``a + b c >= b m`` (``b > 0``), so a
condition such as "the kernel fits after the pooling" reads
``n + q1 + 1 >= k1 + k2 q1`` instead of ``floor((n - k1 + 1)/q1) + 1 >= k2``.
A condition implied by another one (``n >= k1`` by ``n - k1 + 1 >= q1`` since
``q1 >= 1``) is dropped, so what remains is the full set, each stated once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping

import sympy as sp

from symparams.algebra.floors import _int_div_classes
from symparams.core.errors import MissingValueError, ShapeError

if TYPE_CHECKING:
    from symparams.core.derivation import Condition, Derivation

_ORDER = (sp.GreaterThan, sp.StrictGreaterThan, sp.LessThan, sp.StrictLessThan)


def _difference(rel: sp.Basic) -> sp.Expr | None:
    """``d`` with ``rel`` equivalent to ``d >= 0``, for an inequality of integers."""
    if not isinstance(rel, _ORDER):
        return None
    d = rel.lhs - rel.rhs if isinstance(rel, (sp.GreaterThan, sp.StrictGreaterThan)) \
        else rel.rhs - rel.lhs
    if d.is_integer is not True:
        # a quotient assumed exact: (n - 4)/2 >= 0  <=>  n - 4 >= 0
        p, q = sp.fraction(sp.together(d))
        if not (q.is_positive and p.is_integer):
            return None
        d = p
    if isinstance(rel, (sp.StrictGreaterThan, sp.StrictLessThan)):
        d -= 1
    return d


def _unfloor(d: sp.Expr) -> sp.Expr:
    """``d' `` with ``d >= 0`` iff ``d' >= 0`` and one outer floor/ceiling fewer."""
    FloorDiv, CeilDiv = _int_div_classes()
    for _ in range(8):
        terms = sp.Add.make_args(d)
        found = [(t, s) for t in terms for s in (1, -1)
                 if isinstance(s * t, (FloorDiv, CeilDiv))]
        if len(found) != 1:
            return d
        term, sign = found[0]
        f = sign * term
        c = d - term
        a, b = f.args
        if c.is_integer is not True or a.is_integer is not True or b.is_positive is not True:
            return d
        if sign == 1:
            # floor(a/b) >= -c  <=>  a + b c >= 0 ;  ceil(a/b) >= -c  <=>  a + b(c + 1) - 1 >= 0
            d = a + sp.expand_mul(b * c) if isinstance(f, FloorDiv) \
                else a + sp.expand_mul(b * (c + 1)) - 1
        else:
            # floor(a/b) <= c  <=>  b(c + 1) - a - 1 >= 0 ;  ceil(a/b) <= c  <=>  b c - a >= 0
            d = sp.expand_mul(b * (c + 1)) - a - 1 if isinstance(f, FloorDiv) \
                else sp.expand_mul(b * c) - a
    return d


def inequality(d: sp.Expr) -> sp.Basic:
    """``d >= 0`` written with positive terms on each side: ``n + 1 >= k``."""
    left, right = [], []
    for t in sp.Add.make_args(d):
        (right if t.could_extract_minus_sign() else left).append(t)
    return sp.Ge(sp.Add(*left), -sp.Add(*right))


def canonical(rel: sp.Basic) -> sp.Basic:
    """``rel`` with outer floors rewritten away and terms on the positive side."""
    d = _difference(rel)
    if d is None:
        return rel
    return inequality(_unfloor(d))


def simplify_conditions(conditions: Iterable["Condition"]) -> tuple["Condition", ...]:
    """Canonical, deduplicated conditions without the ones implied by others.

    A condition that becomes provably false raises :class:`ShapeError` naming its layer.
    """
    from dataclasses import replace

    from symparams.core.derivation import Condition

    kept: list[Condition] = []
    seen: set = set()
    for c in conditions:
        rel = canonical(c.relation)
        if rel is sp.true or rel == sp.true:
            continue
        if rel is sp.false or rel == sp.false:
            where = "input" if c.index == 0 else f"layer {c.index} ({c.layer})"
            raise ShapeError(f"{where}: {c.reason}")
        if rel in seen:
            continue
        seen.add(rel)
        kept.append(replace(c, relation=rel))
    return tuple(_drop_implied(kept))


def _drop_implied(conds: list["Condition"]) -> list["Condition"]:
    diffs = {}
    for i, c in enumerate(conds):
        d = _difference(c.relation)
        if d is not None:
            diffs[i] = d
    # same symbolic part: only the smallest constant matters (x + c >= 0)
    best: dict[sp.Expr, int] = {}
    dropped: set[int] = set()
    for i, d in diffs.items():
        const, rest = d.as_coeff_Add()
        j = best.get(rest)
        if j is None:
            best[rest] = i
            continue
        if const < diffs[j].as_coeff_Add()[0]:
            best[rest], i = i, j
        dropped.add(i)
    dropped |= _implied_divisibility(conds)
    live = [i for i in diffs if i not in dropped]
    for i in live:
        for j in live:
            if i == j or j in dropped:
                continue
            if (diffs[i] - diffs[j]).is_nonnegative:  # d_j >= 0 implies d_i >= 0
                dropped.add(i)
                break
    return [c for i, c in enumerate(conds) if i not in dropped]


def _implied_divisibility(conds: list["Condition"]) -> set[int]:
    """Indices of ``a | x`` conditions implied by a ``b | x`` with ``a | b``."""
    mods = {}
    for i, c in enumerate(conds):
        rel = c.relation
        if isinstance(rel, sp.Eq) and rel.rhs == 0 and isinstance(rel.lhs, sp.Mod) \
                and rel.lhs.args[1].is_Integer:
            mods[i] = rel.lhs.args
    return {i for i, (x, a) in mods.items()
            if any(j != i and y == x and b % a == 0 and b != a for j, (y, b) in mods.items())}


def valid(derivation: "Derivation", values: Mapping[str, Any]) -> bool:
    """Whether every validity condition holds for ``values``.

    Values that make a layer impossible give False; symbols left unset while a
    condition still depends on them raise :class:`MissingValueError`.
    """
    try:
        done = derivation.subs(values)
    except ShapeError:
        return False
    if done.conditions:
        names = sorted({s.name for c in done.conditions for s in c.relation.free_symbols})
        raise MissingValueError(f"validity depends on unset symbols: {', '.join(names)}")
    return True
