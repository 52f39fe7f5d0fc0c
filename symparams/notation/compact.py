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

from dataclasses import dataclass, fields
from typing import Any

import sympy as sp

from symparams.core.errors import SpecError, SymparamsError, quote, shorten
from symparams.core.layer import REGISTRY, Layer, make_layer, suggest, word_problem
from symparams.core.network import Network
from symparams.core.symbols import make_symbol
from symparams.notation.expr import ExpressionParser
from symparams.notation.lexer import (Token, TokenStream, not_whole_message, number_value,
                                      tokenize)

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
NONNEGATIVE = ("padding",)
PER_AXIS = ("shape", "kernel", "stride", "padding", "dilation", "size")
RESERVED = {"kind": "the kind is given by the layer letter or kind name",
            "spec": "spec is not an option"}
MAX_LAYERS = 1000
"""The most layers one notation may describe."""


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
        if len(raws) >= MAX_LAYERS:
            raise SpecError(f"more than {MAX_LAYERS} layers", text, stream.peek.pos)
        raws.append(_layer(stream))
    if stream.peek.kind != "END":
        stream.fail("expected '-' between layers or the end")
    if raws[0].head.text != "I" and raws[0].head.text.lower() != "input":
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
    """``[key =] value``: a value is ``("sizes", [e, e, e])`` (``e x e x e``),
    ``("word", text)`` (a lone name: ``same``, ``relu``, ``k1``) or ``("decimal", text)``."""
    keyword = None
    tokens = stream.tokens
    first = stream.peek
    if first.kind == "NAME" and tokens[stream.i + 1].text == "=":
        keyword = stream.next().text
        stream.next()
    value_start = stream.peek
    nxt = tokens[stream.i + 1]
    if value_start.kind == "NUM" and nxt.text in (",", ")") and \
            number_value(value_start.text) is None:
        stream.next()
        return keyword, first, value_start, ("decimal", value_start.text)
    if value_start.kind == "NAME" and nxt.text in (",", ")"):
        stream.next()
        return keyword, first, value_start, ("word", value_start.text)
    parser = ExpressionParser(stream)
    sizes = [parser.value()]
    while stream.peek.kind == "TIMES":
        stream.next()
        sizes.append(parser.value())
    return keyword, first, value_start, ("sizes", sizes)


def _resolve(raw: _RawLayer, text: str) -> tuple[str, tuple[str, ...], dict[str, str]]:
    """(kind, positional argument names, keyword aliases) of a layer letter or kind name."""
    letter = raw.head.text
    if letter in LETTERS:
        kind, positional, aliases = LETTERS[letter]
        if kind == "activation" and len(raw.args) == 1 and raw.args[0][3][0] == "word" \
                and raw.args[0][3][1].lower() == "prelu":
            return "prelu", (), {}  # A(prelu): PyTorch's nn.PReLU(), one parameter
        return kind, positional, aliases
    key = letter.lower().replace("_", "")
    if key in _kinds():
        return key, _positional(key), dict(LETTERS[_letter_of(key)][2]) if _letter_of(key) else {}
    names = list(LETTERS) + sorted(_kinds())
    hint = (f" (did you mean '{letter.upper()}'?)" if letter.upper() in LETTERS
            else suggest(key, names))
    raise SpecError(f"unknown layer {quote(letter)}{hint}; letters are {' '.join(LETTERS)}, or a "
                    f"kind name such as conv2d", text, raw.head.pos)


def _build(raw: _RawLayer, text: str, counters: dict[str, int], raws: list, position: int) -> Layer:
    letter = raw.head.text
    kind, positional, aliases = _resolve(raw, text)
    if kind == "prelu" and letter == "A":
        raw = _RawLayer(raw.head, [], raw.text)
    if kind == "input" and position != 0:
        raise SpecError("the input layer I must come first", text, raw.head.pos)
    cls, fixed = REGISTRY[kind]
    meta = {f.name: f.metadata for f in fields(cls)}
    allowed = {f.name for f in fields(cls) if f.init} - set(fixed) - {"spec"}
    kwargs: dict[str, Any] = {}
    for i, (key, tok, value_tok, value) in enumerate(raw.args):
        if key is None:
            if kwargs and any(k not in positional for k in kwargs):
                raise SpecError("positional argument after a keyword", text, tok.pos)
            if i >= len(positional):
                raise SpecError(f"{letter} takes {len(positional)} positional "
                                f"argument{'s' if len(positional) != 1 else ''}", text, tok.pos)
            field = positional[i]
        elif key in RESERVED:
            raise SpecError(f"{key}= is not allowed here: {RESERVED[key]}", text, tok.pos)
        else:
            field = aliases.get(key, key)
            if field not in allowed:
                choices = sorted(allowed | {a for a, f in aliases.items() if f in allowed})
                raise SpecError(f"{letter}: unknown option {quote(key)}{suggest(key, choices)}; "
                                f"options are: {', '.join(choices)}", text, tok.pos)
        if field in kwargs:
            raise SpecError(f"{key or field} given twice", text, tok.pos)
        kwargs[field] = _value(field, value, text, value_tok, meta.get(field, {}))
    if not raw.args:
        kwargs.update(_bare_defaults(letter, counters, raws))
    try:
        layer = make_layer(kind, **kwargs)
    except SymparamsError as err:
        raise SpecError(f"{shorten(raw.text, 40)}: {err}", text, raw.head.pos) from None
    return _with_spec(layer, raw.text)


def _value(field: str, value: tuple[str, Any], text: str, tok: Token, meta) -> Any:
    """Turn one parsed argument into what the layer's constructor takes."""
    tag, content = value
    role = meta.get("role", field)
    words = meta.get("words", ())
    if tag == "word":
        low = content.lower()
        if field == "name":
            return content
        if field in BOOLEAN_OPTIONS:
            if low in ("true", "yes"):
                return True
            if low in ("false", "no"):
                return False
            raise SpecError(f"{field} is true or false{suggest(low, ('true', 'false'))}",
                            text, tok.pos)
        if field in ("function", "mode"):
            return content
        if field == "rate":
            raise SpecError("dropout rate must be a number such as 0.5", text, tok.pos)
        if low in words:
            return low
        problem = word_problem(content, role, words, field)
        if problem:
            raise SpecError(problem, text, tok.pos)
        tag, content = "sizes", [make_symbol(content, nonnegative=field in NONNEGATIVE)]
    elif tag == "decimal":
        if field == "rate":
            return content
        raise SpecError(not_whole_message(content), text, tok.pos)
    if field == "name":
        raise SpecError("a layer name is a name such as conv1", text, tok.pos)
    if field in BOOLEAN_OPTIONS:
        raise SpecError(f"{field} is true or false", text, tok.pos)
    if field in ("function", "mode"):
        raise SpecError(f"{field} must be a name such as {'relu' if field == 'function' else 'max'}",
                        text, tok.pos)
    if field == "rate":
        if len(content) == 1 and content[0].is_Integer:
            return int(content[0])
        raise SpecError("dropout rate must be a number such as 0.5", text, tok.pos)
    if field in NONNEGATIVE:
        content = [_nonnegative(v) for v in content]
    if field in PER_AXIS:
        return tuple(content) if len(content) > 1 or field == "shape" else content[0]
    if len(content) != 1:
        raise SpecError(f"{field} takes one value, not sizes joined by 'x'", text, tok.pos)
    return content[0]


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


def _letter_of(kind: str) -> str | None:
    """The letter whose arguments a kind name takes (conv2d -> C), if any."""
    key = kind.replace("_", "")
    for prefix, letter in _KIND_LETTER:
        if key == prefix or (key.startswith(prefix) and key[len(prefix):] in ("1d", "2d", "3d")):
            return letter
    return None


def _positional(kind: str) -> tuple[str, ...]:
    """Positional arguments of a kind name: those of its letter (conv2d -> C)."""
    if kind == "prelu":
        return ("num_parameters",)
    letter = _letter_of(kind)
    return LETTERS[letter][1] if letter else ()


def _with_spec(layer: Layer, spec: str) -> Layer:
    from dataclasses import replace

    return replace(layer, spec=spec)


__all__ = ["parse", "LETTERS"]
