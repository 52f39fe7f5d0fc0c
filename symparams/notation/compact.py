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
from symparams.core.layer import REGISTRY, Layer, make_layer, option_types, suggest, word_problem
from symparams.core.network import Network
from symparams.core.symbols import make_symbol
from symparams.core.expr import ExpressionParser
from symparams.core.lexer import (Token, TokenStream, not_whole_message, number_value,
                                      tokenize)

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
    if not isinstance(first, _RawLayer) or not _is_source(first):
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
        if _kind_of(head.text) is not None:
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

        last = before
        for item in chain:
            if isinstance(item, _RawLayer):
                if _is_source(item):
                    raise SpecError(f"the input layer {item.head.text} must come first",
                                    self.text, item.head.pos)
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
                merge, fixed = REGISTRY[item.kind]
                layer = merge(**fixed, spec=shorten(item.text, 200))
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
        stream.fail(f"expected a layer letter ({' '.join(letters())}), a block or a group")
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


def letters() -> dict[str, type[Layer]]:
    """Every notation letter and its layer class, from the classes' ``letters``."""
    out: dict[str, type[Layer]] = {}
    for cls, _ in REGISTRY.values():
        for letter in cls.letters:
            out.setdefault(letter, cls)
    return dict(sorted(out.items()))


def _kind_of(head: str) -> tuple[str, type[Layer]] | None:
    """(kind, class) of a layer letter or kind name, None if it is neither."""
    table = letters()
    if head in table:
        return table[head].kind, table[head]
    key = head.lower().replace("_", "")
    if key in REGISTRY:
        return key, REGISTRY[key][0]
    return None


def _resolve(raw: _RawLayer, text: str) -> tuple[str, type[Layer]]:
    """(kind, class) of a layer letter or kind name; a lone word argument may name
    another kind (``A(prelu)``)."""
    head = raw.head.text
    found = _kind_of(head)
    if found is None:
        table = letters()
        names = list(table) + sorted(REGISTRY)
        key = head.lower().replace("_", "")
        hint = (f" (did you mean '{head.upper()}'?)" if head.upper() in table
                else suggest(key, names))
        raise SpecError(f"unknown layer {quote(head)}{hint}; letters are {' '.join(table)}, or a "
                        f"kind name such as conv2d", text, raw.head.pos)
    kind, cls = found
    if len(raw.args) == 1 and raw.args[0][0] is None and raw.args[0][3][0] == "word":
        other = cls.word_kinds.get(raw.args[0][3][1].lower())
        if other is not None:
            return other, REGISTRY[other][0]
    return kind, cls


def _build(raw: _RawLayer, text: str, counters: dict[str, int], raws: list, position: int) -> Layer:
    head = raw.head.text
    kind, cls = _resolve(raw, text)
    if kind != _kind_of(head)[0]:  # a word naming another kind: A(prelu)
        raw = _RawLayer(raw.head, [], raw.text)
    if cls.source and position != 0:
        raise SpecError(f"the input layer {head} must come first", text, raw.head.pos)
    fixed = REGISTRY[kind][1]
    positional = cls.positional
    aliases = cls.aliases
    allowed = {f.name for f in fields(cls) if f.init} - set(fixed) - {"spec"}
    kwargs: dict[str, Any] = {}
    extra: dict[str, Any] = {}  # keywords that name no option, for cls.keyword_field
    for i, (key, tok, value_tok, value) in enumerate(raw.args):
        if key is None:
            if kwargs and any(k not in positional for k in kwargs):
                raise SpecError("positional argument after a keyword", text, tok.pos)
            if i >= len(positional):
                raise SpecError(f"{head} takes {len(positional)} positional "
                                f"argument{'s' if len(positional) != 1 else ''}", text, tok.pos)
            field = positional[i]
        elif key in RESERVED:
            raise SpecError(f"{key}= is not allowed here: {RESERVED[key]}", text, tok.pos)
        else:
            field = aliases.get(key, key)
            if field not in allowed and cls.keyword_field in allowed:
                if key in extra:
                    raise SpecError(f"{key} given twice", text, tok.pos)
                extra[key] = _value(cls.keyword_field, value, text, value_tok, cls)
                continue
            if field not in allowed:
                choices = sorted(allowed | {a for a, f in aliases.items() if f in allowed})
                raise SpecError(f"{head}: unknown option {quote(key)}{suggest(key, choices)}; "
                                f"options are: {', '.join(choices)}", text, tok.pos)
        if field in kwargs:
            raise SpecError(f"{key or field} given twice", text, tok.pos)
        kwargs[field] = _value(field, value, text, value_tok, cls)
    if extra:
        if cls.keyword_field in kwargs:
            raise SpecError(f"{cls.keyword_field} given twice", text, raw.head.pos)
        kwargs[cls.keyword_field] = tuple(extra.items())
    if not raw.args and head in cls.letters:
        counters[head] = counters.get(head, 0) + 1
        kwargs.update(cls.letters[head](counters[head], _spatial(raws)))
    try:
        layer = make_layer(kind, **kwargs)
    except SymparamsError as err:
        raise SpecError(f"{shorten(raw.text, 40)}: {err}", text, raw.head.pos) from None
    return _with_spec(layer, raw.text)


def _is_source(raw: _RawLayer) -> bool:
    found = _kind_of(raw.head.text)
    return found is not None and found[1].source


def _spatial(raws: list) -> bool:
    """Whether a layer reading a spatial input comes before the first reading a vector:
    then a bare input letter is ``n x n x l``, otherwise ``n``."""
    for r in raws[1:]:
        found = _kind_of(r.head.text)
        if found is None:
            continue
        if found[1].vector:
            return False
        if found[1].spatial:
            return True
    return False


def _value(field: str, value: tuple[str, Any], text: str, tok: Token, cls: type[Layer]) -> Any:
    """Turn one parsed argument into what the layer's constructor takes, by the field's
    declaration: a hyperparameter (sizes, per axis or not, padding-like nonnegative), a
    boolean, a text (a mode, a function's name) or a decimal (dropout's rate)."""
    tag, content = value
    f = _field(cls, field)
    meta = f.metadata if f is not None else {}
    role = meta.get("role") or meta.get("label", field)
    words = meta.get("words", ())
    kind = _option_kind(cls, field)
    if tag == "word":
        low = content.lower()
        if kind == "bool":
            if low in ("true", "yes"):
                return True
            if low in ("false", "no"):
                return False
            raise SpecError(f"{field} is true or false{suggest(low, ('true', 'false'))}",
                            text, tok.pos)
        if kind == "text":
            return content
        if kind == "decimal":
            raise SpecError(f"{role} must be a number such as 0.5", text, tok.pos)
        if low in words:
            return low
        problem = word_problem(content, role, words, field)
        if problem:
            raise SpecError(problem, text, tok.pos)
        tag, content = "sizes", [make_symbol(content, nonnegative=bool(meta.get("nonnegative")))]
    elif tag == "decimal":
        if kind == "decimal":
            return content
        raise SpecError(not_whole_message(content), text, tok.pos)
    if kind == "bool":
        raise SpecError(f"{field} is true or false", text, tok.pos)
    if kind == "text":
        if field == "name":
            raise SpecError("a layer name is a name such as conv1", text, tok.pos)
        example = f.default if f is not None and isinstance(f.default, str) else "relu"
        raise SpecError(f"{field} must be a name such as {example}", text, tok.pos)
    if kind == "decimal":
        if len(content) == 1 and content[0].is_Integer:
            return int(content[0])
        raise SpecError(f"{role} must be a number such as 0.5", text, tok.pos)
    if meta.get("nonnegative"):
        content = [_nonnegative(v) for v in content]
    if meta.get("per_axis"):
        return tuple(content) if len(content) > 1 else content[0]
    if len(content) != 1:
        raise SpecError(f"{field} takes one value, not sizes joined by 'x'", text, tok.pos)
    return content[0]


def _field(cls: type[Layer], name: str):
    return next((f for f in fields(cls) if f.name == name), None)


def _option_kind(cls: type[Layer], name: str) -> str:
    """``"hyper"``, ``"bool"``, ``"text"`` or ``"decimal"``: how a field is written."""
    f = _field(cls, name)
    if f is None or "role" in f.metadata:
        return "hyper"
    if f.metadata.get("decimal"):
        return "decimal"
    types = option_types(cls).get(name, ())
    if bool in types and str not in types:  # bias, ceil_mode; out_bias may be unset
        return "bool"
    if str in types:
        return "text"
    return "hyper"


def _nonnegative(expr: sp.Expr) -> sp.Expr:
    """Padding names may be 0: remake their symbols as nonnegative."""
    from symparams.core.symbols import make_symbol

    return expr.xreplace({s: make_symbol(s.name, nonnegative=True) for s in expr.free_symbols})


def _with_spec(layer: Layer, spec: str) -> Layer:
    from dataclasses import replace

    return replace(layer, spec=spec)


__all__ = ["parse", "parse_body", "letters"]
