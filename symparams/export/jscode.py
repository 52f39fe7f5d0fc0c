"""Exact BigInt JavaScript for derived expressions (the HTML explorer's arithmetic).

:class:`BigIntJSPrinter` is a sympy ``JavascriptCodePrinter`` that writes every value
as a ``BigInt`` and follows :mod:`symparams.algebra.codegen` step by step, so that the
browser computes what ``evaluate`` computes, for every value:

- an expression is written as one exact quotient ``p / q`` over a common denominator
  (``fdiv(p, q)``; a rational from ``assume_divisible`` is an exact quotient where its
  assumption holds), the numerator ``p`` an integer polynomial;
- ``floor(a/b)`` is ``fdiv(p, q)``, ``ceiling(a/b)`` is ``cdiv(p, q)`` for ``a/b = p/q``:
  floor and ceiling division, exact for negative operands too (JavaScript's BigInt
  ``/`` truncates towards zero; the helpers in :data:`JS_HELPERS` correct it);
- ``Mod`` is ``fmod`` (the sign of the divisor, as Python's ``%`` and sympy's ``Mod``),
  ``Max``/``Min`` are ``bmax``/``bmin``, ``Piecewise`` is ``c ? a : b``;
- a relation ``lhs op rhs`` is ``p op 0n`` for the numerator ``p`` of ``lhs - rhs``
  over a positive denominator (``p * q op 0n`` otherwise), and a divisibility
  ``Mod(p/q, m) == 0`` is ``fmod(p, q*m) === 0n``.

Symbols are written as ``v[i]`` (their index in a list the caller chooses): no name,
and so no user text, ever reaches the code.  With ``hoist=True`` each floor, ceiling,
``Max``/``Min``, ``Mod`` and ``Piecewise`` is computed once into a ``const tN`` (a deep
network's sizes nest: each holds the previous layer's), collected in :attr:`lines`.
A division by zero (a divisor not known positive, such as a stride ``floor(n/10)``)
throws a ``RangeError`` in JavaScript; the page shows such a point as invalid.
"""

from __future__ import annotations

from typing import Mapping

import sympy as sp
from sympy.printing.jscode import JavascriptCodePrinter

from symparams.core.errors import NotSupportedError

JS_HELPERS = """\
function fdiv(a, b) {  // floor(a / b) for BigInts of any sign
  const q = a / b;
  return (a % b !== 0n && (a < 0n) !== (b < 0n)) ? q - 1n : q;
}
function cdiv(a, b) {  // ceiling(a / b) for BigInts of any sign
  const q = a / b;
  return (a % b !== 0n && (a < 0n) === (b < 0n)) ? q + 1n : q;
}
function fmod(a, b) {  // a - b*floor(a/b): the sign of b, as Python's % and sympy's Mod
  return a - b * fdiv(a, b);
}
function nz(q) {  // a divisor of a relation (p/q >= 0 is p*q >= 0): never 0
  if (q === 0n) throw new RangeError("Division by zero");
  return q;
}
function bmax(...xs) { return xs.reduce((m, x) => (x > m ? x : m)); }
function bmin(...xs) { return xs.reduce((m, x) => (x < m ? x : m)); }
"""

_REL = {sp.GreaterThan: ">=", sp.StrictGreaterThan: ">", sp.LessThan: "<=",
        sp.StrictLessThan: "<", sp.Equality: "===", sp.Unequality: "!=="}


class BigIntJSPrinter(JavascriptCodePrinter):
    """JavaScript over ``BigInt`` for our derived expressions (see the module text).

    ``names`` maps each symbol to its JavaScript (``v[0]``); :meth:`code` prints an
    expression or a relation.  Only derived expressions reach it, never user text.
    """

    def __init__(self, names: Mapping[sp.Symbol, str], hoist: bool = False) -> None:
        super().__init__({"strict": False})
        self._names = dict(names)
        self._by_name = {s.name: js for s, js in self._names.items()}
        self.hoist = hoist
        self.lines: list[str] = []
        self._temps: dict[sp.Basic, str] = {}

    # -- entry points ------------------------------------------------------------------
    def code(self, e: sp.Basic) -> str:
        """An expression (a BigInt) or a relation (a boolean) as JavaScript."""
        e = sp.sympify(e)
        if isinstance(e, sp.Basic) and not e.is_Symbol and (
                e.is_Relational or isinstance(e, sp.logic.boolalg.Boolean)):
            return self._boolean(e)
        return self._expr(e)

    doprint = code

    # -- expressions -------------------------------------------------------------------
    @staticmethod
    def _fraction(e: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
        """``(p, q)`` with ``e = p/q``, ``p`` free of rational coefficients (as codegen)."""
        if e.is_Rational:
            return sp.Integer(e.p), sp.Integer(e.q)
        if e.is_Symbol:
            return e, sp.Integer(1)
        p, q = sp.fraction(sp.together(e))
        c, p = p.as_content_primitive()
        if c.q != 1 or c.p != 1:
            p, q = sp.expand_mul(c.p * p), c.q * q
        if not q.is_integer:
            raise NotSupportedError(f"cannot write {e} exactly: denominator {q}")
        return p, q

    def _expr(self, e: sp.Expr) -> str:
        p, q = self._fraction(e)
        if q == 1:
            return self._print(p)
        return f"fdiv({self._print(p)}, {self._print(q)})"

    def _temp(self, e: sp.Basic, code: str) -> str:
        if not self.hoist:
            return code
        name = f"t{len(self._temps)}"
        self._temps[e] = name
        self.lines.append(f"const {name} = {code};")
        return name

    _KNOWN = (sp.Integer, sp.Rational, sp.Symbol, sp.Add, sp.Mul, sp.Pow, sp.floor,
              sp.ceiling, sp.Mod, sp.Max, sp.Min, sp.Piecewise, sp.core.relational.Relational,
              sp.And, sp.Or, sp.Not, sp.logic.boolalg.BooleanAtom)

    def _print(self, expr, **kwargs) -> str:
        # only what we can write exactly: not sympy's Math.* functions, constants or floats
        if not isinstance(expr, self._KNOWN):
            return self._print_not_supported(expr)
        if self.hoist and expr in self._temps:
            return self._temps[expr]
        return super()._print(expr, **kwargs)

    # -- the integer polynomial of a numerator -----------------------------------------------
    def _print_Integer(self, expr: sp.Integer) -> str:
        v = int(expr)
        return f"{v}n" if v >= 0 else f"({v}n)"

    _print_Zero = _print_One = _print_NegativeOne = _print_Integer

    def _print_Rational(self, expr: sp.Rational) -> str:
        if expr.is_Integer:
            return self._print_Integer(expr)
        raise NotSupportedError(f"cannot write the fraction {expr} as an integer")

    _print_Half = _print_Rational

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        js = self._names.get(expr) or self._by_name.get(expr.name)
        if js is None:
            raise NotSupportedError(f"no value for the symbol {expr.name}")
        return js

    def _print_Add(self, expr: sp.Add, order=None) -> str:
        first, *rest = expr.args
        code = self._print(first)
        for term in rest:
            if term.could_extract_minus_sign():
                code += f" - {self._print(-term)}"
            else:
                code += f" + {self._print(term)}"
        return f"({code})"

    def _print_Mul(self, expr: sp.Mul) -> str:
        if any(a.is_Rational and not a.is_Integer or a.is_Pow and a.exp.is_negative
               for a in expr.args):
            return self._expr(expr)  # a quotient inside a numerator: never after together
        return "(" + " * ".join(self._print(a) for a in expr.args) + ")"

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp.is_Integer and expr.exp >= 0:
            return f"({self._print(expr.base)} ** {int(expr.exp)}n)"
        if expr.exp.is_Integer:
            return self._expr(expr)
        raise NotSupportedError(f"cannot write the power {expr} exactly")

    # -- integer division -----------------------------------------------------------
    def _division(self, e: sp.Basic, ceiling: bool) -> str:
        a, b = e.args if len(e.args) == 2 else (e.args[0], sp.Integer(1))
        p, q = self._fraction(a / b)
        if q == 1:
            return self._print(p)
        code = f"{'cdiv' if ceiling else 'fdiv'}({self._print(p)}, {self._print(q)})"
        return self._temp(e, code)

    def _print_FloorDiv(self, e) -> str:
        return self._division(e, ceiling=False)

    def _print_CeilDiv(self, e) -> str:
        return self._division(e, ceiling=True)

    _print_floor = _print_FloorDiv
    _print_ceiling = _print_CeilDiv

    def _print_Mod(self, e: sp.Mod) -> str:
        a, m = e.args
        p, q = self._fraction(a)
        if q != 1:  # Mod(p/q, m) = Mod(p, q*m)/q
            raise NotSupportedError(f"cannot write {e} exactly")
        return self._temp(e, f"fmod({self._print(p)}, {self._expr(m)})")

    def _print_Max(self, e: sp.Max) -> str:
        return self._temp(e, f"bmax({', '.join(self._expr(a) for a in e.args)})")

    def _print_Min(self, e: sp.Min) -> str:
        return self._temp(e, f"bmin({', '.join(self._expr(a) for a in e.args)})")

    def _print_Piecewise(self, e: sp.Piecewise) -> str:
        def pieces(args) -> str:
            (value, cond), rest = args[0], args[1:]
            if cond is sp.true or not rest:
                return self._expr(value)
            return f"({self._boolean(cond)} ? {self._expr(value)} : {pieces(rest)})"

        return self._temp(e, pieces(e.args))

    # -- relations and logic ---------------------------------------------------------
    def _boolean(self, c: sp.Basic) -> str:
        if c is sp.true:
            return "true"
        if c is sp.false:
            return "false"
        if isinstance(c, sp.And):
            return "(" + " && ".join(self._boolean(a) for a in c.args) + ")"
        if isinstance(c, sp.Or):
            return "(" + " || ".join(self._boolean(a) for a in c.args) + ")"
        if isinstance(c, sp.Not):
            return f"(!{self._boolean(c.args[0])})"
        op = _REL.get(type(c))
        if op is None:
            raise NotSupportedError(f"cannot write the condition {c} exactly")
        if op == "===" and isinstance(c.lhs, sp.Mod) and c.rhs == 0:
            a, m = c.lhs.args
            p, q = self._fraction(a)
            return f"(fmod({self._print(p)}, {self._expr(q * m)}) === 0n)"
        p, q = self._fraction(c.lhs - c.rhs)
        if q.is_positive:
            return f"({self._print(p)} {op} 0n)"
        # p/q op 0 iff p*q op 0 for q != 0 (multiplied by q**2 > 0)
        return f"(({self._print(p)} * nz({self._print(q)})) {op} 0n)"

    _print_Relational = _print_And = _print_Or = _print_Not = _boolean
    _print_BooleanTrue = _print_BooleanFalse = _boolean

    def _print_Float(self, expr) -> str:
        raise NotSupportedError(f"cannot write the float {expr} exactly")

    def _print_not_supported(self, expr) -> str:
        raise NotSupportedError(f"cannot write {type(expr).__name__} exactly: {expr}")

    emptyPrinter = _print_not_supported
