"""The compact notation of textbooks and Q&A answers: ``I-C-P-C-P-H-O``.

Layers are letters joined by ``-``; each may take arguments in parentheses::

    I(28x28x1)-C(32,5)-P(2)-C(32,3)-P(2)-H(256)-O(10)
    I(n x n x l)-C(c1,k1,s=2,p=same)-P(2,ceil=true)-F-D(0.5)-B-H(h)-O(o)

=====  ==========================================  ===============================
letter layer                                      bare letter (all symbols)
=====  ==========================================  ===============================
I      input ``HxWxC`` (``784`` is a vector)       ``n x n x l`` (``n`` before H/O)
C      conv ``(filters, kernel, s=, p=, d=, g=,    ``C(c_i, k_i)``
       bias=)``; kernel ``5`` or ``5x3``
P      pooling ``(size, s=, p=, ceil=, mode=)``    ``P(q_i)``
H      hidden dense ``(units, bias=)``             ``H(h_i)``
O      output dense ``(units, bias=)``             ``O(o)``
F      flatten (implied before a dense layer)
D      dropout ``(rate)``
B      batch normalization
A      activation ``(relu)``
G      global pooling ``(avg)`` or ``(max)``
Z      zero padding ``(p)``
=====  ==========================================  ===============================

Full kind names work too: ``conv2d(32, 5)``, ``maxpool(2)``, ``dense(10)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.errors import SpecError, SymparamsError
from symparams.core.layer import REGISTRY, Layer, make_layer
from symparams.core.network import Network
from symparams.notation.expr import ExpressionParser
from symparams.notation.lexer import Token, TokenStream, tokenize

# letter -> (kind, positional argument names, keyword aliases)
_COMMON = {"bias": "bias"}
LETTERS: dict[str, tuple[str, tuple[str, ...], dict[str, str]]] = {
    "I": ("input", ("shape",), {}),
    "C": ("conv", ("filters", "kernel"),
          {"s": "stride", "p": "padding", "d": "dilation", "g": "groups", **_COMMON}),
    "P": ("pool", ("size",), {"s": "stride", "p": "padding", "ceil": "ceil_mode"}),
    "H": ("dense", ("units",), dict(_COMMON)),
    "O": ("dense", ("units",), dict(_COMMON)),
    "F": ("flatten", (), {}),
    "D": ("dropout", ("rate",), {}),
    "B": ("batchnorm", (), {}),
    "A": ("activation", ("function",), {}),
    "G": ("globalpool", ("mode",), {}),
    "Z": ("zeropadding", ("padding",), {}),
}

BOOLEAN_OPTIONS = ("bias", "ceil_mode")
WORD_OPTIONS = {"mode": ("max", "avg"), "padding": ("same", "valid"), "function": None}
NONNEGATIVE = ("padding",)
PER_AXIS = ("shape", "kernel", "stride", "padding", "dilation", "size")


@dataclass
class _RawLayer:
    head: Token
    args: list[tuple[str | None, Token, Token, Any]]  # (keyword, first token, value token, value)
    text: str


def parse(text: str, *, name: str | None = None) -> Network:
    """Parse the compact notation into a :class:`Network`.

    >>> parse("I(28x28x1)-C(4,5)-P(2)-F-O(10)").derive().evaluate()
    5874
    """
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty network description")
    stream = TokenStream(text, tokenize(text, layers=True))
    raws = [_layer(stream)]
    while stream.peek.kind == "SEP":
        stream.next()
        raws.append(_layer(stream))
    if stream.peek.kind != "END":
        stream.fail("expected '-' between layers or the end")
    if raws[0].head.text not in ("I", "input"):
        raise SpecError("a network starts with an input layer I(...)", text, raws[0].head.pos)
    counters: dict[str, int] = {}
    layers = [_build(raw, text, counters, raws, i) for i, raw in enumerate(raws)]
    try:
        return Network(tuple(layers), name)
    except SpecError as err:
        raise SpecError(str(err)) from None


def _layer(stream: TokenStream) -> _RawLayer:
    head = stream.peek
    if head.kind != "NAME":
        stream.fail("expected a layer letter (I C P H O F D B A G Z)")
    stream.next()
    args: list[tuple[str | None, Token, Token, Any]] = []
    if stream.accept("("):
        if not stream.accept(")"):
            while True:
                args.append(_argument(stream))
                if stream.accept(")"):
                    break
                stream.expect(",", "',' or ')'")
    end = stream.tokens[stream.i - 1]
    return _RawLayer(head, args, stream.text[head.pos:end.pos + len(end.text)])


def _argument(stream: TokenStream) -> tuple[str | None, Token, Token, Any]:
    """``[key =] value`` where value is sizes ``e x e x e``, a word or a decimal."""
    keyword = None
    tokens = stream.tokens
    first = stream.peek
    if first.kind == "NAME" and tokens[stream.i + 1].text == "=":
        keyword = stream.next().text
        stream.next()
    value_start = stream.peek
    nxt = tokens[stream.i + 1]
    if value_start.kind == "NUM" and "." in value_start.text:
        stream.next()
        return keyword, first, value_start, value_start.text
    if value_start.kind == "NAME" and nxt.text in (",", ")") and value_start.text.lower() in _WORDS:
        stream.next()
        return keyword, first, value_start, value_start.text.lower()
    parser = ExpressionParser(stream)
    sizes = [parser.expression()]
    while stream.peek.kind == "TIMES":
        stream.next()
        sizes.append(parser.expression())
    return keyword, first, value_start, sizes


_WORDS = {"same", "valid", "true", "false", "max", "avg", "yes", "no"}


def _build(raw: _RawLayer, text: str, counters: dict[str, int], raws: list, position: int) -> Layer:
    letter = raw.head.text
    if letter in LETTERS:
        kind, positional, aliases = LETTERS[letter]
    elif letter.lower().replace("_", "") in _kinds():
        kind, positional, aliases = letter.lower(), _positional(letter.lower()), {}
    else:
        raise SpecError(f"unknown layer {letter!r}; letters are {' '.join(LETTERS)}, or a kind "
                        f"name such as conv2d", text, raw.head.pos)
    if kind == "input" and position != 0:
        raise SpecError("the input layer I must come first", text, raw.head.pos)
    kwargs: dict[str, Any] = {}
    for i, (key, tok, value_tok, value) in enumerate(raw.args):
        if key is None:
            if kwargs and any(k not in positional for k in kwargs):
                raise SpecError("positional argument after a keyword", text, tok.pos)
            if i >= len(positional):
                raise SpecError(f"{letter} takes {len(positional)} positional "
                                f"argument{'s' if len(positional) != 1 else ''}", text, tok.pos)
            field = positional[i]
        else:
            field = aliases.get(key, key)
        if field in kwargs:
            raise SpecError(f"{key or field} given twice", text, tok.pos)
        kwargs[field] = _value(field, value, text, value_tok)
    if not raw.args:
        kwargs.update(_bare_defaults(letter, counters, raws))
    try:
        layer = make_layer(kind, **kwargs)
    except SymparamsError as err:
        raise SpecError(f"{raw.text}: {err}", text, raw.head.pos) from None
    return _with_spec(layer, raw.text)


def _value(field: str, value: Any, text: str, tok: Token) -> Any:
    """Turn one parsed argument into what the layer's constructor takes."""
    if field in BOOLEAN_OPTIONS:
        if value in ("true", "yes"):
            return True
        if value in ("false", "no"):
            return False
        raise SpecError(f"{field} is true or false", text, tok.pos)
    if isinstance(value, str):  # a word or a decimal
        if field == "rate":
            return value
        if value[0].isdigit() or value[0] == ".":
            raise SpecError(f"{value} is not an integer; sizes and counts are whole numbers",
                            text, tok.pos)
        allowed = WORD_OPTIONS.get(field, ())
        if field in WORD_OPTIONS and (allowed is None or value in allowed):
            return value
        raise SpecError(f"unexpected word {value!r} for {field}", text, tok.pos)
    if field in ("function", "mode"):
        if len(value) == 1 and value[0].is_Symbol:
            word = value[0].name
            if field == "function" or word in ("max", "avg"):
                return word
        raise SpecError(f"{field} must be a name such as {'relu' if field == 'function' else 'max'}",
                        text, tok.pos)
    if field == "rate":
        if len(value) == 1 and value[0].is_Integer:
            return int(value[0])
        raise SpecError("dropout rate must be a number such as 0.5", text, tok.pos)
    if field in NONNEGATIVE:
        value = [_nonnegative(v) for v in value]
    if field in PER_AXIS:
        return tuple(value) if len(value) > 1 or field == "shape" else value[0]
    if len(value) != 1:
        raise SpecError(f"{field} takes one value, not sizes joined by 'x'", text, tok.pos)
    return value[0]


def _nonnegative(expr: sp.Expr) -> sp.Expr:
    """Padding names may be 0: remake their symbols as nonnegative."""
    from symparams.core.symbols import make_symbol

    return expr.xreplace({s: make_symbol(s.name, nonnegative=True) for s in expr.free_symbols})


def _bare_defaults(letter: str, counters: dict[str, int], raws: list) -> dict[str, Any]:
    """A bare letter's hyperparameters as symbols: C -> C(c1, k1), P -> P(q1), H -> H(h1)."""
    counters[letter] = counters.get(letter, 0) + 1
    i = counters[letter]
    if letter == "I":
        spatial = any(r.head.text in ("C", "P", "G", "Z") or r.head.text.lower().startswith(
            ("conv", "maxpool", "avgpool", "global", "zeropad"))
            for r in _until_dense(raws))
        return {"shape": ("n", "n", "l") if spatial else ("n",)}
    if letter == "C":
        return {"filters": f"c{i}", "kernel": f"k{i}"}
    if letter == "P":
        return {"size": f"q{i}"}
    if letter == "H":
        return {"units": f"h{i}"}
    if letter == "O":
        return {"units": "o" if i == 1 else f"o{i}"}
    return {}


def _until_dense(raws: list):
    for r in raws[1:]:
        if r.head.text in ("H", "O") or r.head.text.lower() in ("dense", "linear"):
            return
        yield r


def _kinds() -> set[str]:
    import symparams.layers  # noqa: F401

    return set(REGISTRY)


# Kind names that take the positional arguments of a letter (conv2d(32, 5) as C(32, 5));
# the others (flatten, batchnorm, globalavgpool, globalmaxpool) take none.
_KIND_LETTER = (("conv", "C"), ("maxpool", "P"), ("avgpool", "P"), ("pool", "P"), ("dense", "H"),
                ("linear", "H"), ("globalpool", "G"), ("dropout", "D"), ("activation", "A"),
                ("zeropadding", "Z"), ("input", "I"))


def _positional(kind: str) -> tuple[str, ...]:
    """Positional arguments of a kind name: those of its letter (conv2d -> C)."""
    key = kind.replace("_", "")
    for prefix, letter in _KIND_LETTER:
        if key == prefix or (key.startswith(prefix) and key[len(prefix):] in ("1d", "2d", "3d")):
            return LETTERS[letter][1]
    return ()


def _with_spec(layer: Layer, spec: str) -> Layer:
    from dataclasses import replace

    return replace(layer, spec=spec)


__all__ = ["parse", "LETTERS"]
