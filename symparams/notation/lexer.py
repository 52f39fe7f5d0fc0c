"""Tokenizer shared by the expression parser and the compact network notation.

Tokens: integers and decimals, names, operators, and two structural tokens:
``SEP`` (a ``-`` between layers, i.e. outside parentheses) and ``TIMES`` (the ``x``
or ``×`` between sizes: ``28x28x1``, ``5x3``, ``n x n x l``).  An ``x`` right after
a number, or a lone ``x`` after an operand, is ``TIMES``; ``nxn`` is one name.
"""

from __future__ import annotations

from dataclasses import dataclass

from symparams.core.errors import SpecError

MAX_DIGITS = 60


@dataclass(frozen=True)
class Token:
    kind: str  # NUM NAME OP SEP TIMES END
    text: str
    pos: int


_OPERATORS = ("**", "//", "+", "-", "*", "/", "^", "(", ")", ",", "=")


def tokenize(text: str, *, layers: bool = False) -> list[Token]:
    """Split ``text`` into tokens; with ``layers``, a top-level ``-`` is ``SEP``."""
    tokens: list[Token] = []
    open_parens: list[int] = []
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
        if ch.isdigit() or (ch == "." and i + 1 < n and text[i + 1].isdigit()):
            j = i
            while j < n and (text[j].isdigit() or text[j] == "."):
                j += 1
            if j - i > MAX_DIGITS:
                raise SpecError(f"number too long ({j - i} digits)", text, i)
            if text.count(".", i, j) > 1:
                raise SpecError(f"malformed number {text[i:j]!r}", text, i)
            tokens.append(Token("NUM", text[i:j], i))
            if j < n and text[j] in "xX" and (j + 1 >= n or not text[j + 1].isalpha()):
                tokens.append(Token("TIMES", text[j], j))
                j += 1
            i = j
            continue
        if ch.isalpha() or ch == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_") and text[j].isascii():
                j += 1
            word = text[i:j]
            if word == "x" and tokens and (tokens[-1].kind in ("NUM", "NAME")
                                           or tokens[-1].text == ")"):
                tokens.append(Token("TIMES", word, i))
            elif not word.isascii() or not word[0].isalpha():
                raise SpecError(f"invalid name {word!r}: names start with a letter and use "
                                "letters, digits and _", text, i)
            else:
                tokens.append(Token("NAME", word, i))
            i = j
            continue
        for op in _OPERATORS:
            if text.startswith(op, i):
                if op == "(":
                    open_parens.append(i)
                elif op == ")":
                    if not open_parens:
                        raise SpecError("unbalanced ')'", text, i)
                    open_parens.pop()
                kind = "SEP" if (op == "-" and layers and not open_parens) else "OP"
                tokens.append(Token(kind, op, i))
                i += len(op)
                break
        else:
            raise SpecError(f"unexpected character {ch!r}", text, i)
    if open_parens:
        raise SpecError("unbalanced '(': missing ')'", text, open_parens[-1])
    tokens.append(Token("END", "", n))
    return tokens


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
        found = "end of text" if tok.kind == "END" else repr(tok.text)
        raise SpecError(f"{message}, found {found}", self.text, tok.pos)
