"""A strict parser for hyperparameter expressions.

It accepts integers, names, ``+ - * / // ** ^`` and parentheses, and builds sympy
objects directly, so no user text ever reaches ``eval``, ``sympify`` or
``parse_expr`` (sympify runs Python code).  ``a // b`` is ``floor(a/b)``.

>>> parse_expression("2*c + 1")
2*c + 1
"""

from __future__ import annotations

import sympy as sp

from symparams.core.errors import SpecError
from symparams.core.shape import FloorDiv
from symparams.core.symbols import make_symbol
from symparams.notation.lexer import TokenStream, tokenize

MAX_EXPONENT = 64


def parse_expression(text: str, *, nonnegative: bool = False) -> sp.Expr:
    """Parse one integer expression; names become integer symbols.

    ``nonnegative`` makes names nonnegative rather than positive (for padding).
    """
    stream = TokenStream(text, tokenize(text))
    expr = ExpressionParser(stream, nonnegative).expression()
    if stream.peek.kind != "END":
        stream.fail("expected an operator or the end of the expression")
    return expr


class ExpressionParser:
    """Recursive descent over a TokenStream; used inside the network notation too."""

    def __init__(self, stream: TokenStream, nonnegative: bool = False):
        self.s = stream
        self.nonnegative = nonnegative

    def expression(self) -> sp.Expr:
        left = self.term()
        while self.s.peek.kind == "OP" and self.s.peek.text in "+-":
            op = self.s.next().text
            right = self.term()
            left = left + right if op == "+" else left - right
        return left

    def term(self) -> sp.Expr:
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
        return left

    def unary(self) -> sp.Expr:
        if self.s.peek.kind == "OP" and self.s.peek.text in "+-":
            op = self.s.next().text
            operand = self.unary()
            return -operand if op == "-" else operand
        return self.power()

    def power(self) -> sp.Expr:
        base = self.atom()
        if self.s.peek.kind == "OP" and self.s.peek.text in ("**", "^"):
            tok = self.s.next()
            exponent = self.unary()
            if not (exponent.is_Integer and 0 <= exponent <= MAX_EXPONENT):
                raise SpecError(f"exponent must be an integer from 0 to {MAX_EXPONENT}",
                                self.s.text, tok.pos)
            return base ** exponent
        return base

    def atom(self) -> sp.Expr:
        tok = self.s.peek
        if tok.kind == "NUM":
            self.s.next()
            if "." in tok.text:
                raise SpecError(f"{tok.text} is not an integer; sizes and counts are whole "
                                "numbers", self.s.text, tok.pos)
            return sp.Integer(int(tok.text))
        if tok.kind == "NAME":
            self.s.next()
            if self.s.peek.text == "(" and self.s.peek.kind == "OP":
                raise SpecError(f"{tok.text!r} is followed by '(': function calls are not "
                                "allowed in expressions", self.s.text, self.s.peek.pos)
            return make_symbol(tok.text, nonnegative=self.nonnegative)
        if self.s.accept("("):
            inner = self.expression()
            self.s.expect(")")
            return inner
        self.s.fail("expected a number, a name or '('")
        raise AssertionError  # unreachable
