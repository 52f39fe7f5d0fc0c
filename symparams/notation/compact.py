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


def parse(text: str, *, name: str | None = None, blocks: dict | None = None) -> Network:
    """Parse the compact notation into a :class:`Network`.

    >>> parse("I(28x28x1)-C(4,5)-P(2)-F-O(10)").derive().evaluate()
    5874

    Groups make graphs: ``[ … ]+`` adds a group's output to its input (a residual
    connection; ``[ main | shortcut ]+`` when the shortcut has layers, ``]*``
    multiplies), ``{ a | b | c }`` concatenates branches on the channels (an empty
    branch passes its input through), and ``( … )xL`` repeats a group ``L`` times (a
    number, a name or ``x(L-1)``).  Blocks are defined before the network, each ended
    by ``;``: ``basic(c) = [C(c,3,p=1)-B-A(relu)-C(c,3,p=1)-B]+-A(relu); I(n x n x 64)-basic(64)``.
    ``blocks`` are more definitions (:class:`~symparams.core.graph.Block`) by name.
    """
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty network description")
    stream = TokenStream(text, tokenize(text, layers=True))
    parser = _Parser(stream, dict(blocks or {}))
    while parser.at_definition():
        parser.definition()
    chain = parser.chain(top=True)
    if stream.peek.kind != "END":
        stream.fail("expected '-' between layers or the end")
    first = chain[0]
    if not isinstance(first, _RawLayer) or (first.head.text != "I"
                                            and first.head.text.lower() != "input"):
        pos = first.head.pos if isinstance(first, _RawLayer) else 0
        raise SpecError("a network starts with an input layer I(...)", text, pos)
    parser.all_raws = list(parser.walk_raws(chain))
    layers = [parser.build(first, 0)] + parser.compile(chain[1:])
    try:
        return Network(tuple(layers), name)
    except SpecError as err:
        raise SpecError(str(err)) from None


def parse_body(text: str, *, blocks: dict | None = None) -> tuple[Layer, ...]:
    """The layers of a notation without an input (a block's or a repeat's body): its
    first layer reads the body's input, named ``"input"``."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty layers description")
    stream = TokenStream(text, tokenize(text, layers=True))
    parser = _Parser(stream, dict(blocks or {}))
    chain = parser.chain(top=False)
    if stream.peek.kind != "END":
        stream.fail("expected '-' between layers or the end")
    parser.all_raws = list(parser.walk_raws(chain))
    return tuple(parser.compile(chain))


@dataclass
class _Group:
    kind: str  # "add", "multiply", "concat", "repeat"
    chains: list[list]  # residual: [main, shortcut]; concat: branches; repeat: [body]
    start: Token
    times: Any = None
    text: str = ""


class _Parser:
    """Recursive descent over the tokens; groups compile into layers with inputs."""

    def __init__(self, stream: TokenStream, blocks: dict):
        self.stream = stream
        self.text = stream.text
        self.blocks = blocks
        self.count = 0
        self.counters: dict[str, int] = {}
        self.all_raws: list[_RawLayer] = []

    # -- syntax ---------------------------------------------------------------------
    def at_definition(self) -> bool:
        """``name(p, q) =`` or ``name =`` starts a block definition."""
        toks, i = self.stream.tokens, self.stream.i
        if toks[i].kind != "NAME":
            return False
        j = i + 1
        if toks[j].text == "(":
            j += 1
            while toks[j].kind == "NAME" and toks[j + 1].text in (",", ")"):
                j += 2 if toks[j + 1].text == "," else 1
            if toks[j].text != ")":
                return False
            j += 1
        return toks[j].text == "=" and toks[j].kind == "OP"

    def definition(self) -> None:
        from symparams.core.graph import Block

        stream = self.stream
        head = stream.next()
        params: list[str] = []
        if stream.accept("("):
            while not stream.accept(")"):
                params.append(stream.next().text)
                stream.accept(",")
        stream.expect("=")
        if head.text in LETTERS or head.text.lower().replace("_", "") in _kinds():
            raise SpecError(f"{quote(head.text)} is a layer kind; name the block otherwise",
                            self.text, head.pos)
        if head.text in self.blocks:
            raise SpecError(f"block {quote(head.text)} is defined twice", self.text, head.pos)
        chain = self.chain(top=False)
        stream.expect(";", "';' after a block's definition")
        self.all_raws = list(self.walk_raws(chain))
        try:
            self.blocks[head.text] = Block(head.text, tuple(params), tuple(self.compile(chain)))
        except SpecError as err:
            raise SpecError(err.message, self.text, head.pos) from None

    def chain(self, top: bool) -> list:
        items = [self.item()]
        while self.stream.peek.kind == "SEP":
            self.stream.next()
            items.append(self.item())
        return items

    def item(self):
        stream = self.stream
        self.count += 1
        if self.count > MAX_LAYERS:
            raise SpecError(f"more than {MAX_LAYERS} layers", self.text, stream.peek.pos)
        start = stream.peek
        if stream.accept("["):
            main = self.chain(top=False)
            shortcut = self.chain(top=False) if stream.accept("|") and \
                stream.peek.text != "]" else []
            stream.expect("]", "']' closing the group")
            op = stream.peek.text if stream.peek.kind == "OP" else ""
            if op not in ("+", "*"):
                stream.fail("expected '+' (add: a residual connection) or '*' (multiply) "
                            "after ']'")
            stream.next()
            return _Group("add" if op == "+" else "multiply", [main, shortcut], start,
                          text=self._since(start))
        if stream.accept("{"):
            branches = [self._branch()]
            while stream.accept("|"):
                branches.append(self._branch())
            stream.expect("}", "'}' closing the branches")
            if len(branches) < 2:
                raise SpecError("branches { a | b } need at least two, separated by '|'",
                                self.text, start.pos)
            return _Group("concat", branches, start, text=self._since(start))
        if stream.peek.text == "(" and stream.peek.kind == "OP":
            stream.next()
            body = self.chain(top=False)
            stream.expect(")", "')' closing the group")
            return _Group("repeat", [body], start, times=self._times(), text=self._since(start))
        return _layer(stream)

    def _branch(self) -> list:
        if self.stream.peek.text in ("|", "}"):
            return []  # the input itself
        return self.chain(top=False)

    def _times(self) -> tuple[Token, Any]:
        """The count after a repeated group: ``x3``, ``xL``, ``x(L-1)``, ``×L``."""
        stream = self.stream
        tok = stream.peek
        if tok.kind == "NAME" and tok.text[:1] == "x" and len(tok.text) > 1 \
                and tok.pos == stream.tokens[stream.i - 1].pos + 1:
            stream.next()
            word = tok.text[1:]
            if word.isdigit():
                return tok, int(word)
            return tok, word
        if tok.kind == "TIMES":
            stream.next()
            value_tok = stream.peek
            return value_tok, ExpressionParser(stream, nonnegative=True).value()
        stream.fail("expected a repeat count after ')': x3, xL or x(L-1) (a group in "
                    "parentheses is repeated)")
        raise AssertionError  # unreachable

    def _since(self, start: Token) -> str:
        end = self.stream.tokens[self.stream.i - 1]
        return self.text[start.pos:end.pos + len(end.text)]

    def walk_raws(self, chain: list):
        for item in chain:
            if isinstance(item, _RawLayer):
                yield item
            else:
                for c in item.chains:
                    yield from self.walk_raws(c)

    # -- building -----------------------------------------------------------------------
    def build(self, raw: "_RawLayer", position: int) -> Layer:
        if raw.head.text in self.blocks:
            return self._call(raw)
        return _build(raw, self.text, self.counters, self.all_raws, position)

    def compile(self, chain: list) -> list[Layer]:
        """The layers of a chain read from the body's input, with every group's wiring
        given as inputs (negative offsets; ``"input"`` for the body's input)."""
        out: list[Layer] = []
        self._emit(chain, -1, out)
        return out

    def _emit(self, chain: list, before: int, out: list[Layer]) -> int:
        """Append ``chain`` reading node ``before`` (an index into ``out``; -1 is the
        input); return the index of its last node (``before`` for an empty chain)."""
        from symparams.core.graph import Repeat
        from symparams.layers import Add, Concat, Multiply

        last = before
        for item in chain:
            if isinstance(item, _RawLayer):
                if item.head.text in ("I", "input") or item.head.text.lower() == "input":
                    raise SpecError("the input layer I must come first", self.text, item.head.pos)
                layer = self.build(item, len(out) + 1)
            elif item.kind == "repeat":
                body = self.compile(item.chains[0])
                tok, count = item.times
                try:
                    layer = Repeat(body=tuple(body), times=count, spec=shorten(item.text, 200))
                except SymparamsError as err:
                    raise SpecError(f"repeat count: {err}", self.text, tok.pos) from None
            else:
                ends = [self._emit(c, last, out) for c in item.chains]
                if item.kind in ("add", "multiply") and not item.chains[1]:
                    ends[1] = last
                merge = {"add": Add, "multiply": Multiply, "concat": Concat}[item.kind]
                layer = merge(spec=shorten(item.text, 200))
                last = self._append(layer, ends, out)
                continue
            last = self._append(layer, [last], out)
        return last

    def _append(self, layer: Layer, reads: list[int], out: list[Layer]) -> int:
        from dataclasses import replace

        position = len(out)
        if reads != [position - 1]:
            refs = tuple("input" if r == -1 else r - position for r in reads)
            layer = replace(layer, inputs=refs)
        out.append(layer)
        return position

    def _call(self, raw: "_RawLayer") -> Layer:
        """A defined block with its arguments: ``bottleneck(64, s=2)``."""
        block = self.blocks[raw.head.text]
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for key, tok, value_tok, (tag, content) in raw.args:
            if tag == "decimal":
                raise SpecError(not_whole_message(content), self.text, value_tok.pos)
            if tag == "word":
                value: Any = content
            elif len(content) != 1:
                raise SpecError("a block's argument takes one value, not sizes joined by 'x'",
                                self.text, value_tok.pos)
            else:
                value = content[0]
            if key is None:
                if kwargs:
                    raise SpecError("positional argument after a keyword", self.text, tok.pos)
                args.append(value)
            else:
                kwargs[key] = value
        name = kwargs.pop("name", None) if "name" not in block.params else None
        try:
            return block(*args, name=name, spec=raw.text, **kwargs)
        except SymparamsError as err:
            raise SpecError(str(err), self.text, raw.head.pos) from None


def _layer(stream: TokenStream) -> _RawLayer:
    head = stream.peek
    if head.kind != "NAME":
        stream.fail("expected a layer letter (I C P H O F D B A G Z), a block or a group")
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
_KIND_LETTER = (("conv", "C"), ("maxpool", "P"), ("avgpool", "P"), ("pool", "P"),
                ("adaptiveavgpool", "P"), ("adaptivemaxpool", "P"), ("adaptivepool", "P"),
                ("dense", "H"),
                ("linear", "H"), ("globalpool", "G"), ("dropout", "D"), ("activation", "A"),
                ("zeropadding", "Z"), ("reflectionpad", "Z"), ("replicationpad", "Z"),
                ("circularpad", "Z"), ("input", "I"))


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


__all__ = ["parse", "parse_body", "LETTERS"]
