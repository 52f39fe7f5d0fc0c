"""A strict parser for hyperparameter expressions.

It accepts integers, names, ``+ - * / // ** ^`` and parentheses, and builds sympy
objects directly, so no user text ever reaches ``eval``, ``sympify`` or
``parse_expr`` (sympify runs Python code).  ``a // b`` is ``floor(a/b)``.

>>> parse_expression("2*c + 1")
2*c + 1
"""

from __future__ import annotations

import sympy as sp

from symparams.algebra.floors import degree

from symparams.core.errors import SpecError
from symparams.core.shape import FloorDiv
from symparams.core.symbols import make_symbol
from symparams.core.lexer import (MAX_DEPTH, MAX_DIGITS, TokenStream, not_whole_message,
                                      number_value, tokenize)

MAX_EXPONENT = 64
LIMIT = 10 ** MAX_DIGITS
"""The smallest number with more than MAX_DIGITS digits: every number in a parsed
expression (numerators and denominators included) stays below it, so no value is costly
to compute or to print."""
MAX_BITS = int(MAX_DIGITS * 3.33)
"""About the bits of LIMIT: a cheap bound that refuses a power before computing it."""


def too_large(expr: sp.Basic) -> bool:
    """True if a number in ``expr`` has more than about MAX_DIGITS digits."""
    if expr.is_Rational:
        return max(abs(expr.p), abs(expr.q)) >= LIMIT
    return any(max(abs(r.p), abs(r.q)) >= LIMIT
               for r in expr.atoms(sp.Rational))


def parse_expression(text: str, *, nonnegative: bool = False) -> sp.Expr:
    """Parse one integer expression; names become integer symbols.

    ``nonnegative`` makes names nonnegative rather than positive (for padding).
    """
    stream = TokenStream(text, tokenize(text))
    expr = ExpressionParser(stream, nonnegative).value()
    if stream.peek.kind != "END":
        stream.fail("expected an operator or the end of the expression")
    return expr


class ExpressionParser:
    """Recursive descent over a TokenStream; used inside the network notation too."""

    def __init__(self, stream: TokenStream, nonnegative: bool = False):
        self.s = stream
        self.nonnegative = nonnegative
        self.depth = 0

    def value(self) -> sp.Expr:
        """One whole expression, its numbers bounded."""
        start = self.s.peek
        expr = self.expression()
        if too_large(expr):
            raise SpecError(f"number too large (more than {MAX_DIGITS} digits)", self.s.text,
                            start.pos)
        return expr

    def _bounded(self, expr: sp.Expr, pos: int) -> sp.Expr:
        if expr.is_Number and too_large(expr):
            raise SpecError(f"number too large (more than {MAX_DIGITS} digits)", self.s.text, pos)
        return expr

    def expression(self) -> sp.Expr:
        start = self.s.peek.pos
        left = self.term()
        while self.s.peek.kind == "OP" and self.s.peek.text in "+-":
            op = self.s.next().text
            right = self.term()
            left = left + right if op == "+" else left - right
            self._bounded(left, start)
        return left

    def term(self) -> sp.Expr:
        start = self.s.peek.pos
        left = self.unary()
        while self.s.peek.kind == "OP" and self.s.peek.text in ("*", "/", "//"):
            tok = self.s.next()
            right = self.unary()
            if right == 0 and tok.text != "*":
                raise SpecError("division by zero", self.s.text, tok.pos)
            if tok.text == "*":
                left = left * right
            elif tok.text == "/":
                left = left / right
            else:
                left = FloorDiv(left, right)
            self._bounded(left, start)
        return left

    def unary(self) -> sp.Expr:
        self.depth += 1
        if self.depth > 2 * MAX_DEPTH:  # signs, powers and parentheses nest here
            raise SpecError(f"expression nested more than {2 * MAX_DEPTH} deep", self.s.text,
                            self.s.peek.pos)
        try:
            if self.s.peek.kind == "OP" and self.s.peek.text in "+-":
                op = self.s.next().text
                operand = self.unary()
                return -operand if op == "-" else operand
            return self.power()
        finally:
            self.depth -= 1

    def power(self) -> sp.Expr:
        base = self.atom()
        if self.s.peek.kind == "OP" and self.s.peek.text in ("**", "^"):
            tok = self.s.next()
            exponent = self.unary()
            if not (exponent.is_Integer and 0 <= exponent <= MAX_EXPONENT):
                raise SpecError(f"exponent must be an integer from 0 to {MAX_EXPONENT}",
                                self.s.text, tok.pos)
            if base.is_Rational and max(abs(base.p).bit_length(), abs(base.q).bit_length()) \
                    * int(exponent) > MAX_BITS + 64:
                raise SpecError(f"number too large (more than {MAX_DIGITS} digits)",
                                self.s.text, tok.pos)
            if degree(base) * int(exponent) > MAX_EXPONENT:  # (n**64)**64 is n**4096
                raise SpecError(f"degree above {MAX_EXPONENT}", self.s.text, tok.pos)
            return base ** exponent
        return base

    def atom(self) -> sp.Expr:
        tok = self.s.peek
        if tok.kind == "NUM":
            self.s.next()
            value = number_value(tok.text)
            if value is None:
                raise SpecError(not_whole_message(tok.text), self.s.text, tok.pos)
            return sp.Integer(value)
        if tok.kind == "NAME":
            self.s.next()
            if self.s.peek.text == "(" and self.s.peek.kind == "OP":
                raise SpecError(f"'{tok.text}' is followed by '(': function calls are not "
                                "allowed in expressions", self.s.text, self.s.peek.pos)
            try:
                return make_symbol(tok.text, nonnegative=self.nonnegative)
            except SpecError as err:
                raise SpecError(err.message, self.s.text, tok.pos) from None
        if self.s.accept("("):
            inner = self.expression()
            self.s.expect(")")
            return inner
        self.s.fail("expected a number, a name or '('")
        raise AssertionError  # unreachable
