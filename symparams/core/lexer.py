"""Tokenizer shared by the expression parser and the compact network notation.

Tokens: integers and decimals, names, operators, and two structural tokens:
``SEP`` (a ``-`` between layers, i.e. outside parentheses) and ``TIMES`` (the ``x``
or ``×`` between sizes: ``28x28x1``, ``5x3``, ``n x n x l``).  An ``x`` right after
a number, or a lone ``x`` after an operand, is ``TIMES``; ``nxn`` is one name.

Only ASCII digits are digits (``²`` is an error).  Integers may group digits with
``_`` as in Python (``1_000_000``).  Names are Python identifiers after NFKC
normalization (see :mod:`symparams.core.symbols`).  Every cost is bounded: a text of
at most :data:`MAX_LENGTH` characters, numbers of at most :data:`MAX_DIGITS` digits,
parentheses nested at most :data:`MAX_DEPTH` deep.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from symparams.core.errors import SpecError, quote
from symparams.core.symbols import name_problem, normalize_name

MAX_DIGITS = 60
"""The most digits a number may have (so every value stays far below Python's
int-string limit)."""
MAX_LENGTH = 20_000
"""The longest notation or expression text, in characters."""
MAX_DEPTH = 50
"""The deepest nesting of parentheses (and of signs and powers in an expression)."""

DIGITS = "0123456789"


@dataclass(frozen=True)
class Token:
    kind: str  # NUM NAME OP SEP TIMES END
    text: str
    pos: int


_OPERATORS = ("**", "//", "+", "-", "*", "/", "^", "(", ")", ",", "=")
# With ``layers``: groups of layers (residual ``[ ]+``, branches ``{ | }``), and ``;``
# after a block definition.
_GROUPING = ("[", "]", "{", "}", "|", ";")
_CLOSE = {")": "(", "]": "[", "}": "{"}


def _is_name_char(ch: str) -> bool:
    return ("a" + ch).isidentifier()


def _is_name_start(ch: str) -> bool:
    return ch.isidentifier()  # a letter (Unicode XID_Start) or _


_NUMBER = re.compile(r"(?:[0-9](?:_?[0-9])*)?(?:\.(?:[0-9](?:_?[0-9])*)?)?(?:[eE][+-]?[0-9]+)?\Z")


def _number_end(text: str, i: int) -> int:
    """End of the number starting at ``i``: digits with ``_`` and ``.``, then an
    optional exponent (``1e6``, ``2.5E-3``) so that it can be refused by name."""
    n = len(text)
    j = i
    while j < n and (text[j] in DIGITS or text[j] in "._"):
        j += 1
    if j < n and text[j] in "eE":
        k = j + 1
        if k < n and text[k] in "+-":
            k += 1
        if k < n and text[k] in DIGITS:
            while k < n and text[k] in DIGITS:
                k += 1
            j = k
    return j


def tokenize(text: str, *, layers: bool = False) -> list[Token]:
    """Split ``text`` into tokens; with ``layers``, a top-level ``-`` is ``SEP``."""
    if len(text) > MAX_LENGTH:
        raise SpecError(f"text too long ({len(text)} characters; at most {MAX_LENGTH})")
    tokens: list[Token] = []
    open_parens: list[int] = []
    # per open bracket: True for a group of layers ("(" at a layer's place, "[" or "{"),
    # False for arguments ("C(" ...); a "-" directly inside a group separates layers
    groups: list[bool] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
            continue
        if ch == "×":
            tokens.append(Token("TIMES", ch, i))
            i += 1
            continue
        if ch in DIGITS or (ch == "." and i + 1 < n and text[i + 1] in DIGITS):
            j = _number_end(text, i)
            word = text[i:j]
            _check_number(word, text, i)
            tokens.append(Token("NUM", word, i))
            if j < n and text[j] in "xX" and (j + 1 >= n or not _is_name_start(text[j + 1])):
                tokens.append(Token("TIMES", text[j], j))
                j += 1
            elif j < n and _is_name_char(text[j]):
                k = j
                while k < n and _is_name_char(text[k]):
                    k += 1
                raise SpecError(f"a number is followed by a name: write {shorten_word(word)}*"
                                f"{shorten_word(text[j:k])} for a product, or put 'x' between "
                                "sizes", text, j)
            i = j
            continue
        if _is_name_start(ch):
            j = i + 1
            while j < n and _is_name_char(text[j]):
                j += 1
            word = normalize_name(text[i:j])
            if word == "x" and tokens and (tokens[-1].kind in ("NUM", "NAME")
                                           or tokens[-1].text == ")"):
                tokens.append(Token("TIMES", word, i))
            else:
                problem = name_problem(word)
                if problem:
                    raise SpecError(problem, text, i)
                tokens.append(Token("NAME", word, i))
            i = j
            continue
        at_layer_level = not groups or groups[-1]
        for op in _OPERATORS + (_GROUPING if layers and at_layer_level else ()):
            if text.startswith(op, i):
                if op in ("(", "[", "{"):
                    open_parens.append(i)
                    groups.append(at_layer_level and (op != "(" or not tokens or
                                                      tokens[-1].kind == "SEP" or
                                                      tokens[-1].text in "([{|;="))
                    if len(open_parens) > MAX_DEPTH:
                        raise SpecError(f"parentheses nested more than {MAX_DEPTH} deep",
                                        text, i)
                elif op in _CLOSE:
                    if not open_parens:
                        raise SpecError(f"unbalanced {quote(op)}", text, i)
                    opened = text[open_parens[-1]]
                    if opened != _CLOSE[op]:
                        raise SpecError(f"{quote(op)} closes {quote(opened)}", text, i)
                    open_parens.pop()
                    groups.pop()
                kind = "SEP" if (op == "-" and layers and at_layer_level) else "OP"
                tokens.append(Token(kind, op, i))
                i += len(op)
                break
        else:
            raise SpecError(f"unexpected character {quote(ch)}", text, i)
    if open_parens:
        opened = text[open_parens[-1]]
        closer = {v: k for k, v in _CLOSE.items()}[opened]
        raise SpecError(f"unbalanced {quote(opened)}: missing {quote(closer)}", text,
                        open_parens[-1])
    tokens.append(Token("END", "", n))
    return tokens


def shorten_word(word: str) -> str:
    return word if len(word) <= 20 else word[:19] + "…"


def _check_number(word: str, text: str, pos: int) -> None:
    """Refuse malformed or too long numbers here, with their position."""
    digits = sum(ch in DIGITS for ch in word)
    if digits > MAX_DIGITS:
        raise SpecError(f"number too long ({digits} digits; at most {MAX_DIGITS})", text, pos)
    if not _NUMBER.match(word):
        raise SpecError(f"malformed number {quote(word)}", text, pos)


def number_value(word: str) -> int | None:
    """The integer a NUM token spells (``1_000``), or None if it is not a whole number
    written out (``2.5``, ``1e6``)."""
    if any(ch in word for ch in ".eE"):
        return None
    return int(word.replace("_", ""))


def not_whole_message(word: str) -> str:
    """The message for a decimal or exponent where a whole number is needed."""
    from fractions import Fraction

    mantissa, _, exponent = word.replace("_", "").lower().partition("e")
    if exponent and abs(int(exponent)) > MAX_DIGITS:
        return f"{shorten_word(word)} is not a whole number written out; sizes are whole numbers"
    value = Fraction(mantissa) * Fraction(10) ** int(exponent or 0)
    if value.denominator == 1:
        if len(str(value.numerator)) <= MAX_DIGITS:
            return (f"{word} is not written as a whole number; sizes are whole numbers: write "
                    f"{value.numerator}")
        return (f"{shorten_word(word)} is a whole number of more than {MAX_DIGITS} digits; "
                f"sizes are whole numbers of at most {MAX_DIGITS} digits")
    return f"{shorten_word(word)} is not an integer; sizes and counts are whole numbers"


class TokenStream:
    """A cursor over tokens with helpers that raise positioned errors."""

    def __init__(self, text: str, tokens: list[Token]):
        self.text = text
        self.tokens = tokens
        self.i = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.i]

    def next(self) -> Token:
        tok = self.tokens[self.i]
        if tok.kind != "END":
            self.i += 1
        return tok

    def accept(self, text: str) -> Token | None:
        if self.peek.text == text and self.peek.kind in ("OP", "SEP"):
            return self.next()
        return None

    def expect(self, text: str, what: str | None = None) -> Token:
        tok = self.accept(text)
        if tok is None:
            self.fail(f"expected {what or repr(text)}")
        return tok  # type: ignore[return-value]

    def fail(self, message: str, tok: Token | None = None) -> None:
        tok = tok or self.peek
        found = "end of text" if tok.kind == "END" else quote(tok.text)
        raise SpecError(f"{message}, found {found}", self.text, tok.pos)
