"""Exact integer evaluation of our own derived expressions, scalar or vectorised.

An expression becomes Python source over integers: ``FloorDiv(a, b)`` is ``a // b``,
a rational ``p/q`` (an exact quotient assumed by ``assume_divisible``) is ``p // q``
over a common denominator, Piecewise is ``numpy.where``, a relation ``lhs >= rhs`` is
``p >= 0`` on the integer numerator of ``lhs - rhs``.  The same source runs on Python
ints, on int64 arrays and on object arrays of Python ints.

:func:`magnitude_source` gives a float64 bound on every intermediate value, which
decides whether int64 is safe.  Only derived expressions reach this module, never
user text.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np
import sympy as sp

from symparams.algebra.floors import _int_div_classes
from symparams.core.errors import NotSupportedError

_REL = {sp.GreaterThan: ">=", sp.StrictGreaterThan: ">", sp.LessThan: "<=",
        sp.StrictLessThan: "<", sp.Equality: "==", sp.Unequality: "!="}


class _Gen:
    def __init__(self, names: dict[sp.Symbol, str], bound: bool):
        self.names = names
        self.bound = bound  # True: float magnitude bound instead of the value
        # integer denominators not known positive (a stride floor(n/10)): computed with
        # _nz (1 where 0), and each must be nonzero for a point to be valid
        self.guards: dict[sp.Expr, None] = {}

    def fraction(self, e: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        if e.is_Rational or e.is_Symbol:
            return (sp.Integer(e.p), sp.Integer(e.q)) if e.is_Rational else (e, sp.Integer(1))
        p, q = sp.fraction(sp.together(e))
        # a rational content left in the numerator ((1 - x)/2 kept as one factor)
        c, p = p.as_content_primitive()
        if c.q != 1 or c.p != 1:
            p, q = sp.expand_mul(c.p * p), c.q * q
        if not q.is_integer:
            raise NotSupportedError(f"cannot evaluate {e} exactly: denominator {q}")
        return p, q

    def den(self, q: sp.Expr) -> str:
        """A divisor (denominator or modulus): ``_nz(q)`` when q may be 0.  Python's
        ``//`` and ``%`` are exact floor division and divisibility for negative q too."""
        if q.is_positive or self.bound:
            return self.poly(q)
        self.guards.setdefault(q)
        return f"_nz({self.poly(q)})"

    def expr(self, e: sp.Expr) -> str:
        p, q = self.fraction(e)
        if q == 1:
            return self.poly(p)
        if self.bound:
            return f"max({self.poly(p)}, {self.poly(q)})"
        return f"(({self.poly(p)})//({self.den(q)}))"

    def poly(self, e: sp.Expr) -> str:  # no division left at the top
        FloorDiv, CeilDiv = _int_div_classes()
        if e.is_Integer:
            v = abs(int(e)) if self.bound else int(e)
            return f"{float(v)!r}" if self.bound else f"({v})"
        if e.is_Symbol:
            name = self.names[e]
            return f"abs({name})" if self.bound else name
        if e.is_Add:
            return "(" + " + ".join(self.poly(a) for a in e.args) + ")"
        if e.is_Mul:
            if self.bound:
                return "(" + " * ".join(f"max(1.0, {self.poly(a)})" for a in e.args) + ")"
            return "(" + " * ".join(self.poly(a) for a in e.args) + ")"
        if e.is_Pow and e.exp.is_Integer and e.exp >= 0:
            base = self.poly(e.base)
            return f"(max(1.0, {base})**{int(e.exp)})" if self.bound else f"({base}**{int(e.exp)})"
        if isinstance(e, (FloorDiv, CeilDiv, sp.floor, sp.ceiling)):
            # FloorDiv(a, b) or floor(a/b), whichever class (FloorDiv may subclass floor)
            a, b = e.args if len(e.args) == 2 else (e.args[0], sp.Integer(1))
            p, q = self.fraction(a / b)
            if self.bound:
                return f"max({self.poly(p)}, {self.poly(q)})"
            if isinstance(e, (FloorDiv, sp.floor)) and not isinstance(e, CeilDiv):
                return f"(({self.poly(p)})//({self.den(q)}))"
            return f"(-((-({self.poly(p)}))//({self.den(q)})))"
        if isinstance(e, sp.Mod):
            a, m = e.args
            p, q = self.fraction(a)
            if q != 1:
                raise NotSupportedError(f"cannot evaluate {e} exactly")
            if self.bound:
                return f"max({self.poly(p)}, {self.poly(m)})"
            return f"(({self.poly(p)}) % ({self.den(m)}))"
        if isinstance(e, sp.Piecewise):
            return self.piecewise(e.args)
        if isinstance(e, (sp.Max, sp.Min)):  # ceil_mode pools: max(0, d(k-1) + 1 - p - s)
            args = ", ".join(self.expr(a) for a in e.args)
            return f"max({args})" if self.bound else \
                f"{'_imax' if isinstance(e, sp.Max) else '_imin'}({args})"
        raise NotSupportedError(f"cannot evaluate {type(e).__name__} exactly: {e}")

    def piecewise(self, pieces) -> str:
        (value, cond), rest = pieces[0], pieces[1:]
        if cond is sp.true or not rest:
            return self.expr(value)
        if self.bound:  # the condition's intermediates count too
            return (f"max({self.relation_bound(cond)}, {self.expr(value)}, "
                    f"{self.piecewise(rest)})")
        return f"_where({self.boolean(cond)}, {self.expr(value)}, {self.piecewise(rest)})"

    def boolean(self, c: sp.Basic) -> str:
        if c is sp.true:
            return "True"
        if c is sp.false:
            return "False"
        if isinstance(c, sp.And):
            return "(" + " & ".join(self.boolean(a) for a in c.args) + ")"
        if isinstance(c, sp.Or):
            return "(" + " | ".join(self.boolean(a) for a in c.args) + ")"
        if isinstance(c, sp.Not):
            return f"_not({self.boolean(c.args[0])})"  # not ~: ~True is -2
        if isinstance(c, sp.ITE):
            return f"_where({', '.join(self.boolean(a) for a in c.args)})"
        op = _REL.get(type(c))
        if op is None:
            raise NotSupportedError(f"cannot evaluate {c} exactly")
        # a relation holds iff it holds for the integer numerator of lhs - rhs (q > 0);
        # a divisibility Eq(Mod(p/q, m), 0) holds iff q*m divides p
        lhs = c.lhs - c.rhs
        if op == "==" and isinstance(c.lhs, sp.Mod) and c.rhs == 0:
            a, m = c.lhs.args
            p, q = self.fraction(a)
            lhs = sp.Mod(p, q * m, evaluate=False) if q != 1 else c.lhs
            return f"(({self.poly(lhs)}) == 0)"
        p, q = self.fraction(lhs)
        if q.is_positive:
            return f"(({self.poly(p)}) {op} 0)"
        # p/q op 0 iff p*q op 0, for q != 0 (multiplied by q**2 > 0)
        return f"((({self.poly(p)}) * ({self.den(q)})) {op} 0)"

    def relation_bound(self, c: sp.Basic) -> str:
        if c in (sp.true, sp.false):
            return "0.0"
        if isinstance(c, (sp.And, sp.Or, sp.Not, sp.ITE)):
            return "max(" + ", ".join(self.relation_bound(a) for a in c.args) + ", 0.0)"
        if isinstance(c, sp.Eq) and isinstance(c.lhs, sp.Mod):
            a, m = c.lhs.args
            p, q = self.fraction(a)
            return f"max({self.poly(p)}, {self.poly(q * m)})"
        p, q = self.fraction(c.lhs - c.rhs)
        if q.is_positive:
            return self.poly(p)
        return f"(max(1.0, {self.poly(p)}) * max(1.0, {self.poly(q)}))"


def _where(cond, a, b):
    if isinstance(cond, (bool, np.bool_)):
        return a if cond else b
    return np.where(cond, a, b)


def _imax(*xs):
    """Exact max of Python ints or integer arrays."""
    if not any(isinstance(x, np.ndarray) for x in xs):
        return max(xs)
    return _max(*xs)


def _imin(*xs):
    if not any(isinstance(x, np.ndarray) for x in xs):
        return min(xs)
    out = xs[0]
    for x in xs[1:]:
        out = np.minimum(out, x)
    return out


def _nz(q):
    """A divisor that may be 0: 1 where it is 0 (the guard marks such points invalid)."""
    if isinstance(q, np.ndarray):
        return np.where(q == 0, 1, q).astype(q.dtype)
    return q if q != 0 else 1


def _not(x):
    return not x if isinstance(x, (bool, np.bool_)) else np.logical_not(x)


def _max(*xs):
    out = xs[0]
    for x in xs[1:]:
        out = np.maximum(out, x)
    return out


def _abs_float(x):
    return np.abs(np.asarray(x, dtype=np.float64))


def compile_exprs(exprs: Sequence[sp.Basic], symbols: Sequence[sp.Symbol]
                  ) -> tuple[Callable, Callable]:
    """``(values, bounds)``: ``values(*args)`` returns each expression (relations as
    booleans) with exact integer arithmetic; ``bounds(*args)`` a float upper bound
    on the absolute value of every intermediate of every expression.

    An integer denominator or modulus not known positive (a stride ``floor(n/10)``) is
    computed exactly where it is nonzero; ``values`` then returns, after the
    expressions, one boolean per such divisor, true where it is nonzero: a point where
    one is false has no value (the derivation's conditions make it invalid)."""
    names = {s: f"_x{i}" for i, s in enumerate(symbols)}
    exact, bound = _Gen(names, False), _Gen(names, True)
    vals, bnds = [], []
    for e in exprs:
        # a Symbol is a sympy Boolean too: a bare symbol (a total of h) is a number here
        if isinstance(e, sp.Basic) and not e.is_Symbol and (
                e.is_Relational or isinstance(e, sp.logic.boolalg.Boolean)):
            vals.append(exact.boolean(e))
            bnds.append("0.0" if e in (sp.true, sp.false) else bound.relation_bound(e))
        else:
            vals.append(exact.expr(e))
            bnds.append(bound.expr(e))
    done = 0
    while done < len(exact.guards):  # a guard's own floors may add guards
        q = list(exact.guards)[done]
        vals.append(f"(({exact.poly(q)}) != 0)")
        bnds.append(bound.poly(q))
        done += 1
    params = ", ".join(names.values())
    env = {"_where": _where, "_not": _not, "_nz": _nz, "max": _max, "_max": _max, "abs": _abs_float,
           "_imax": _imax, "_imin": _imin}
    src = (f"def _values({params}):\n    return ({', '.join(vals)},)\n"
           f"def _bounds({params}):\n    return _max(0.0, {', '.join(bnds)})\n")
    exec(compile(src, "<symparams codegen>", "exec"), env)  # our own generated source
    return env["_values"], env["_bounds"]
