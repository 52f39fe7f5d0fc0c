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

from symparams.algebra.floors import MERGE_SLACK, _int_div_classes, size
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
    """``d'`` with ``d >= 0`` iff ``d' >= 0`` and outer floors/ceilings rewritten away,
    one at a time, while that does not make ``d`` longer than it was (with symbolic
    strides, each rewrite multiplies every other term by the stride)."""
    FloorDiv, CeilDiv = _int_div_classes()
    for _ in range(8):
        terms = sp.Add.make_args(d)
        found = []
        for t in terms:
            if isinstance(t, (FloorDiv, CeilDiv)):
                found.append((t, 1, t))
            elif t.is_Mul and len(t.args) == 2 and t.args[0] == -1 \
                    and isinstance(t.args[1], (FloorDiv, CeilDiv)):
                found.append((t, -1, t.args[1]))
        if len(found) != 1:
            return d
        term, sign, f = found[0]
        c = sp.Add(*(t for t in terms if t is not term))
        a, b = f.args
        if c.is_integer is not True or a.is_integer is not True or b.is_positive is not True:
            return d
        if sign == 1:
            # floor(a/b) >= -c  <=>  a + b c >= 0 ;  ceil(a/b) >= -c  <=>  a + b(c + 1) - 1 >= 0
            new = a + sp.expand_mul(b * c) if isinstance(f, FloorDiv) \
                else a + sp.expand_mul(b * (c + 1)) - 1
        else:
            # floor(a/b) <= c  <=>  b(c + 1) - a - 1 >= 0 ;  ceil(a/b) <= c  <=>  b c - a >= 0
            new = sp.expand_mul(b * (c + 1)) - a - 1 if isinstance(f, FloorDiv) \
                else sp.expand_mul(b * c) - a
        if size(new) > size(d) + MERGE_SLACK:
            return d
        d = new
    return d


SMALL = 12  # terms (and 5x that in size) of a difference that sympy decides itself


def inequality(d: sp.Expr) -> sp.Basic:
    """``d >= 0`` written with positive terms on each side: ``n + 1 >= k``."""
    left, right = [], []
    for t in sp.Add.make_args(d):
        (right if t.could_extract_minus_sign() else left).append(t)
    lhs, rhs = sp.Add(*left), -sp.Add(*right)
    if len(left) + len(right) <= SMALL and size(d) <= 5 * SMALL:
        return sp.Ge(lhs, rhs)
    # sympy's own decision costs assumption queries on every term; on long
    # differences decide by the structural bounds alone (d >= 0, or d <= -1)
    mono = _monomials(d)
    if mono:
        if _dominates(mono, {}, {}, [PAIR_BUDGET]):
            return sp.true
        negated = {m: -c for m, c in mono.items()}
        negated[sp.S.One] = negated.get(sp.S.One, 0) - 1
        if _dominates(negated, {}, {}, [PAIR_BUDGET]):
            return sp.false
    return sp.Ge(lhs, rhs, evaluate=False)


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


# Pairwise implication tests cost at most this many monomial visits in all; past it
# the remaining pairs are kept (dropping fewer implied conditions is always sound).
PAIR_BUDGET = 2_000_000


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
    polys = {i: _monomials(diffs[i]) for i in live}
    bounds: dict[sp.Expr, int | None] = {}
    budget = [PAIR_BUDGET]
    for i in live:
        for j in live:
            if i == j or j in dropped:
                continue
            if budget[0] <= 0:
                break
            if _dominates(polys[i], polys[j], bounds, budget):  # d_j >= 0 implies d_i >= 0
                dropped.add(i)
                break
    return [c for i, c in enumerate(conds) if i not in dropped]


def _monomials(d: sp.Expr) -> dict[sp.Expr, int]:
    """``d`` as ``{monomial: integer coefficient}``, the constant under key 1."""
    out: dict[sp.Expr, int] = {}
    for term in sp.Add.make_args(d):
        coeff, mono = term.as_coeff_Mul()
        if not coeff.is_Integer:
            return {}  # not an integer polynomial: take part in no implication
        out[mono] = out.get(mono, 0) + int(coeff)
    return out


def _lower_bound(mono: sp.Expr, cache: dict) -> int | None:
    """A lower bound (0 or 1) of a monomial of sizes, or None when none is known cheaply:
    a product of powers of positive integer symbols is at least 1, and with a
    nonnegative one (a padding) at least 0."""
    if mono in cache:
        return cache[mono]
    bound: int | None = 1
    for factor in sp.Mul.make_args(mono):
        base, exp = factor.as_base_exp()
        if not (base.is_Symbol and exp.is_Integer and exp > 0 and base.is_integer):
            bound = None
            break
        if base.is_positive:
            continue
        if base.is_nonnegative:
            bound = 0
        else:
            bound = None
            break
    cache[mono] = bound
    return bound


def _dominates(di: dict, dj: dict, bounds: dict, budget: list[int]) -> bool:
    """True when ``d_i - d_j >= 0`` for every value of the symbols, shown by
    ``d_i - d_j = c + sum(a_m m)`` with every ``a_m >= 0`` and ``c + sum(a_m lb(m)) >= 0``
    (a cheap sufficient test; False means "not shown")."""
    one = sp.S.One
    const = di.get(one, 0) - dj.get(one, 0)
    budget[0] -= len(di) + len(dj)
    for m, c in dj.items():  # a positive term of d_j must be matched in d_i
        if m is not one and c > di.get(m, 0):
            return False
    for m, c in di.items():
        if m is one:
            continue
        a = c - dj.get(m, 0)
        if a < 0:
            return False
        if a:
            lb = _lower_bound(m, bounds)
            if lb is None:
                return False
            const += a * lb
    for m, c in dj.items():
        if m is one or m in di:
            continue
        lb = _lower_bound(m, bounds)  # here c < 0: the difference has -c m
        if lb is None:
            return False
        const -= c * lb
    return const >= 0


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
