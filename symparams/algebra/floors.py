"""Exact rewrites that keep floors and ceilings short.

For positive integers ``b``, ``c``, any real ``a`` and integer ``m``::

    floor((floor(a/b) + m)/c)  = floor((a + b m)/(b c))
    ceil((ceil(a/b) + m)/c)    = ceil((a + b m)/(b c))

and, for integer ``a``, ``ceil(a/b) = floor((a + b - 1)/b)`` and
``floor(a/b) = ceil((a - b + 1)/b)``, which combine the mixed nestings.  Together with
``floor(a/b) + m = floor((a + b m)/b)`` (:func:`shortest` picks the shortest of the
equal forms) five stride-2 stages of a ResNet give ``ceiling(n/32)``.

:func:`combine` is called by ``FloorDiv``/``CeilDiv`` when they are built, so every
size is short as soon as it exists.
"""

from __future__ import annotations

from functools import lru_cache

import sympy as sp


def _int_div_classes():
    from symparams.core.shape import CeilDiv, FloorDiv

    return FloorDiv, CeilDiv


def split_int_div(expr: sp.Expr):
    """``(F, m)`` when ``expr = F + m`` with exactly one FloorDiv/CeilDiv term ``F``
    (coefficient 1) and an integer rest ``m``; else ``None``."""
    FloorDiv, CeilDiv = _int_div_classes()
    if isinstance(expr, (FloorDiv, CeilDiv)):
        return expr, sp.Integer(0)
    if not expr.is_Add:
        return None
    inner = [t for t in expr.args if isinstance(t, (FloorDiv, CeilDiv))]
    if len(inner) != 1:
        return None
    rest = sp.Add(*[t for t in expr.args if t is not inner[0]])
    if rest.is_integer is not True:
        return None
    return inner[0], rest


def _positive_integer(e: sp.Expr) -> bool:
    return e.is_integer is True and e.is_positive is True


MERGE_SLACK = 1
"""Nested floors merge into one while the merged form is at most this much longer
(in :func:`size` units: about one symbol and its operator per unit)."""


def combine(cls, num: sp.Expr, den: sp.Expr) -> sp.Expr | None:
    """``cls(num, den)`` in a simpler exact form, or ``None`` to keep it as it is.

    ``cls`` is FloorDiv or CeilDiv.  Pulls out whole multiples of ``den`` when that
    removes the division, and merges a nested FloorDiv/CeilDiv into one.
    """
    FloorDiv, CeilDiv = _int_div_classes()
    if not _positive_integer(den):
        return None
    if _has_fraction(num):
        # floor((p/q)/d) = floor(p/(q d)) for real p/q: a quotient assumed exact
        p, q = sp.fraction(sp.together(num))
        if q != 1 and _positive_integer(q):
            return cls(p, q * den)
    whole = _divide_out(cls, num, den)
    if whole is not None:
        return whole
    split = split_int_div(num)
    if split is None:
        return None
    inner, m = split
    a, b = inner.args
    if not _positive_integer(b):
        return None
    if type(inner) is not cls:
        if a.is_integer is not True:
            return None
        # ceil(a/b) = floor((a + b - 1)/b);  floor(a/b) = ceil((a - b + 1)/b)
        a = a + b - 1 if cls is FloorDiv else a - b + 1
    merged_num, merged_den = a + sp.expand_mul(b * m), b * den
    # One floor reads better than nested ones, unless merging makes it longer: with
    # symbolic strides each merge multiplies every term by the stride, so one floor
    # over L strided layers has ~L² symbols where the nested form has ~L.
    if size(merged_num) + size(merged_den) > size(num) + size(den) + MERGE_SLACK:
        return None
    return cls(merged_num, merged_den)


@lru_cache(maxsize=1 << 16)
def _has_fraction(e: sp.Expr) -> bool:
    """Whether ``e`` holds a fraction (a non-integer number or a negative power)."""
    if e.is_Rational:
        return not e.is_Integer
    if e.is_Pow and e.exp.is_negative:
        return True
    return any(_has_fraction(a) for a in e.args)


def _divide_out(cls, num: sp.Expr, den: sp.Expr) -> sp.Expr | None:
    """``q + cls(r, den)`` evaluated, when every non-constant term of ``num`` is a
    multiple of ``den`` (``floor((2n + 3)/2) = n + 1``)."""
    quotient = []
    rest = sp.Integer(0)
    for term in sp.Add.make_args(num):
        if term.is_Number:
            rest += term
            continue
        q = term / den
        if q.is_integer is not True:
            return None
        quotient.append(q)
    if not quotient:
        return None
    if rest != 0 and not den.is_Number:
        return None
    return sp.Add(*quotient) + cls(rest, den)


def _forms(expr: sp.Expr) -> list[sp.Expr]:
    FloorDiv, CeilDiv = _int_div_classes()
    split = split_int_div(expr)
    if split is None:
        return [expr]
    inner, m = split
    a, b = inner.args
    if not _positive_integer(b):
        return [expr]
    forms = [expr, type(inner)(a + sp.expand_mul(b * m), b)]
    if a.is_integer is True:
        if isinstance(inner, FloorDiv):  # floor(a/b) = ceil((a - b + 1)/b)
            other = CeilDiv(a - b + 1, b)
        else:  # ceil(a/b) = floor((a + b - 1)/b)
            other = FloorDiv(a + b - 1, b)
        if m != 0:
            forms.append(other + m)
        if isinstance(other, (FloorDiv, CeilDiv)):  # else it evaluated (ceil(0/x) = 0)
            oa, ob = other.args
            forms.append(type(other)(oa + sp.expand_mul(ob * m), ob))
    if b.is_Integer:
        # move whole multiples of b out of the numerator's constant: floor(n/2) - 2
        for f in forms[:]:
            split_f = split_int_div(f)
            if split_f is None:
                continue
            g, k = split_f
            ga, gb = g.args
            c = sum((t for t in sp.Add.make_args(ga) if t.is_Integer), sp.Integer(0))
            if c != 0:
                q = c // gb
                forms.append(type(g)(ga - q * gb, gb) + k + q)
    return forms


def shortest(expr: sp.Expr) -> sp.Expr:
    """The shortest printed of the exactly equal forms of ``floor(a/b) + m``.

    >>> from symparams.core.shape import FloorDiv
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> shortest(FloorDiv(n - 1, 2) + 1)
    ceiling(n/2)
    """
    forms = _forms(expr)
    if len(forms) == 1:
        return expr
    kind = type(split_int_div(expr)[0])

    def cost(f: sp.Expr) -> int:  # a change of floor to ceiling must pay for itself
        split = split_int_div(f)
        return size(f) + (1 if split is not None and type(split[0]) is not kind else 0)

    return min(forms, key=cost)


@lru_cache(maxsize=1 << 16)
def size(expr: sp.Expr) -> int:
    """How long ``expr`` reads: one per node, one per digit of a number
    (much faster than printing it; remembered, as a deep network's sizes nest)."""
    if expr.is_Integer:
        return len(str(abs(int(expr))))
    if expr.is_Rational:
        return len(str(abs(expr.p))) + len(str(expr.q))
    return 1 + sum(size(a) for a in expr.args)


@lru_cache(maxsize=1 << 16)
def depth(expr: sp.Expr) -> int:
    """How deeply ``expr`` nests (1 for an atom): sympy and Python's own parser recurse
    once per level, so very deep sizes cannot be printed or compiled."""
    return 1 + max((depth(a) for a in expr.args), default=0)


@lru_cache(maxsize=1 << 16)
def degree(expr: sp.Expr) -> int:
    """An upper bound on the total degree of ``expr`` in its symbols, from its structure
    (a floor counts as its argument): ``degree((a*b)**3 + c) = 6``."""
    if expr.is_Symbol:
        return 1
    if expr.is_Number or not expr.args:
        return 0
    if expr.is_Mul:
        return sum(degree(a) for a in expr.args)
    if expr.is_Pow:
        e = expr.exp
        return degree(expr.base) * (abs(int(e)) if e.is_Integer else 1) + degree(e)
    return max(degree(a) for a in expr.args)


def relax(expr: sp.Expr, symbol: sp.Symbol | None = None) -> sp.Expr:
    """``expr`` with every floor/ceiling ``a/b`` (that depends on ``symbol``, if given)
    replaced by ``a/b`` and every such Piecewise by its first branch: equal to
    ``expr`` up to lower-order terms as ``symbol`` grows."""
    FloorDiv, CeilDiv = _int_div_classes()

    def go(e: sp.Expr) -> sp.Expr:
        if symbol is not None and symbol not in e.free_symbols:
            return e
        if isinstance(e, (FloorDiv, CeilDiv)):
            return go(e.args[0]) / go(e.args[1])
        if isinstance(e, (sp.floor, sp.ceiling)):
            return go(e.args[0])
        if isinstance(e, sp.Piecewise):
            return go(e.args[0].expr)
        if isinstance(e, (sp.Max, sp.Min)) and symbol is not None:
            return _dominant(e, [go(a) for a in e.args], symbol)
        if not e.args or e.is_Atom:
            return e
        return e.func(*(go(a) for a in e.args))

    return go(expr)


def _dominant(e: sp.Expr, args: list[sp.Expr], symbol: sp.Symbol) -> sp.Expr:
    """The argument of a Max (Min) that is largest (smallest) as ``symbol`` grows, when
    the signs of the leading coefficients tell; else ``e`` unchanged."""
    def key(a: sp.Expr):
        poly = sp.Poly(sp.expand(a), symbol) if a.is_polynomial(symbol) else None
        if poly is None:
            return None
        lead = poly.LC() if poly.degree() > 0 else sp.Integer(0)
        sign = 1 if lead.is_positive else -1 if lead.is_negative else 0 if lead == 0 else None
        return None if sign is None else (sign, poly.degree() if sign else 0)

    keys = [key(a) for a in args]
    if any(k is None for k in keys):
        return e
    pick = max if isinstance(e, sp.Max) else min
    best = pick(keys, key=lambda k: k[0] * k[1] if k[0] else 0)
    winners = [a for a, k in zip(args, keys) if k == best]
    return winners[0] if len(winners) == 1 else e


def contains_int_div(expr: sp.Expr, symbol: sp.Symbol | None = None) -> bool:
    """True when a floor, ceiling, Max/Min or Piecewise of ``expr`` depends on ``symbol``
    (on anything, when ``symbol`` is None)."""
    FloorDiv, CeilDiv = _int_div_classes()
    for node in sp.preorder_traversal(expr):
        if isinstance(node, (FloorDiv, CeilDiv, sp.floor, sp.ceiling, sp.Piecewise, sp.Mod,
                             sp.Max, sp.Min)):
            if symbol is None or symbol in node.free_symbols:
                return True
    return False


class floordiv(sp.Function):  # noqa: N801  (prints as the function it stands for)
    """The normal form's floor(a/b): a function without rules, so sympy never rewrites
    it; an integer, so sums of it with integers are known integers (and nested floors
    merge)."""

    is_integer = True


_FD = floordiv


def normal_form(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every floor and ceiling in one canonical shape, for comparing sizes.

    Each integer division becomes ``floordiv(a, b)`` = ``floor(a/b)`` with
    ``ceil(a/b) = floor((a + b - 1)/b)``, nested floors merged
    (``floor((floor(a/b) + r)/d) = floor((a + b·r)/(b·d))`` for integer ``r``), an
    integer added to a floor moved inside (``floor(a/b) + r = floor((a + b·r)/b)``), and
    the common numeric factor of numerator and denominator cancelled.  Two sizes
    whose normal forms are equal are equal for every value of their symbols: a
    3 × 3 stride-2 padded convolution and a 1 × 1 stride-2 projection both give
    ``floordiv(n + 1, 2)``.  Not for printing (see :func:`shortest`).

    >>> from symparams.core.shape import CeilDiv, FloorDiv
    >>> n = sp.Symbol("n", integer=True, positive=True)
    >>> normal_form(FloorDiv(n - 1, 2) + 1) == normal_form(CeilDiv(n, 2))
    True
    """
    return _normal(expr)


def same_size(a: sp.Expr, b: sp.Expr) -> bool | None:
    """True when ``a == b`` is proved by their normal forms, False when their difference
    is a nonzero number, None when only values of the symbols can tell."""
    d = sp.expand(_normal(a) - _normal(b))
    if d == 0:
        return True
    if d.is_Number:
        return False
    return None


def equal_sizes(a: sp.Expr, b: sp.Expr) -> sp.Basic:
    """``a = b`` as short as it goes: ``Eq(p, 1)`` rather than ``Eq(n + 2p - 2, n)``."""
    d = sp.expand(_normal(a) - _normal(b))
    _, d = d.as_content_primitive()
    syms = d.free_symbols
    if len(syms) == 1 and d.is_polynomial(*syms) and sp.Poly(d, *syms).degree() == 1:
        s = next(iter(syms))
        slope, offset = sp.Poly(d, s).all_coeffs()
        return sp.Eq(s, -offset / slope)  # false when the value breaks s's assumptions
    return sp.Eq(a, b)


@lru_cache(maxsize=1 << 14)
def _normal(e: sp.Expr) -> sp.Expr:
    FloorDiv, CeilDiv = _int_div_classes()
    if e.is_Atom:
        return e
    if isinstance(e, (FloorDiv, CeilDiv, sp.floor, sp.ceiling)):
        if isinstance(e, (FloorDiv, CeilDiv)):
            num, den = (_normal(a) for a in e.args)
        else:
            num, den = sp.fraction(sp.together(_normal(e.args[0])))
        if not (_positive_integer(den) and num.is_integer):
            return e.func(*(_normal(a) for a in e.args))
        if isinstance(e, (CeilDiv, sp.ceiling)):
            num = num + den - 1
        return _floordiv(sp.expand(num), den)
    args = [_normal(a) for a in e.args]
    out = sp.expand(e.func(*args))
    return _absorb(out)


def _floordiv(num: sp.Expr, den: sp.Expr) -> sp.Expr:
    """``floordiv(num, den)`` merged with an inner floor and reduced."""
    if num.is_Integer and den.is_Integer:
        return sp.Integer(int(num) // int(den))
    inner = _one_floor(num)
    if inner is not None:
        (a, b), rest = inner
        num, den = sp.expand(a + b * rest), b * den
    if den == 1:
        return num
    c_num, _ = num.as_content_primitive()
    c_den, _ = den.as_content_primitive()
    g = sp.gcd(c_num, c_den) if c_num.is_Integer and c_den.is_Integer else 1
    if g != 1:
        num, den = sp.expand(num / g), den / g
        if den == 1:
            return num
    q = sp.expand(num / den) if den.is_Number else None
    if q is not None and all(t.is_integer for t in sp.Add.make_args(q)):
        return q
    return _FD(num, den)


def _one_floor(e: sp.Expr):
    """``((a, b), rest)`` when ``e = floordiv(a, b) + rest`` with one floordiv of
    coefficient 1 and an integer rest; else None."""
    if isinstance(e, _FD):
        return e.args, sp.Integer(0)
    if not e.is_Add:
        return None
    floors = [t for t in e.args if isinstance(t, _FD)]
    if len(floors) != 1:
        return None
    rest = e - floors[0]
    if rest.is_integer is not True or rest.has(_FD):
        return None
    return floors[0].args, rest


def _absorb(e: sp.Expr) -> sp.Expr:
    """``floordiv(a, b) + r`` as ``floordiv(a + b·r, b)``: one canonical place for ``r``."""
    inner = _one_floor(e)
    if inner is None or isinstance(e, _FD):
        return e
    (a, b), rest = inner
    return _FD(sp.expand(a + b * rest), b)
