"""Exam templates: a network in the compact notation with symbols, the values each
symbol is drawn from, and the questions to ask.

A template is TOML (user text: read with the spec files' safe reader, never evaluated)::

    name = "mnist_cnn"
    title = "A small CNN for MNIST"
    network = "I(28x28x1)-C(c1,k1)-P(2)-C(c2,3)-P(2)-F-H(h)-O(10)"
    exact = false            # true: every window must divide exactly (no floors)

    [draw]
    c1 = [4, 6, 8]                          # a list
    k1 = { from = 3, to = 7, step = 2 }     # a range, both ends included
    p1 = ["same", "valid", 0, 1]            # padding words: Keras 'same' (ceil(n/s)), 'valid' (0)

    [[question]]
    type = "shape"     # shape | flatten | params | total | largest | compare | input_size | table | macs
    layer = 2          # 1-based layer index or a layer name (shape, params)
    points = 2
    choice = false     # true: multiple choice from the classic mistakes (Moodle, LaTeX, Markdown)

Values are filled into the notation token by token (a NAME token equal to a drawn
symbol, not a keyword or a layer letter, becomes the value's text) and the filled text
is parsed again by the strict parser: the variant's ``spec`` is that text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from symparams.core.errors import SpecError, quote, shorten
from symparams.core.lexer import tokenize
from symparams.core.symbols import is_valid_name

QUESTION_TYPES = ("shape", "flatten", "params", "total", "largest", "compare", "input_size",
                  "table", "macs")
PADDING_WORDS = ("same", "valid")
MAX_CHOICES = 1000
"""The most values one symbol may be drawn from."""
MAX_QUESTIONS = 50
MAX_SYMBOLS = 100


@dataclass(frozen=True)
class Question:
    type: str
    layer: Any = None  # an int (1-based) or a layer name
    points: int = 1
    choice: bool = False
    symbol: str | None = None  # input_size: the symbol varied (default: the input's first)


@dataclass(frozen=True)
class Template:
    name: str
    title: str
    network: str
    draw: dict[str, tuple] = field(default_factory=dict)
    questions: tuple[Question, ...] = ()
    exact: bool = False
    description: str = ""

    def fill(self, values: dict[str, Any]) -> str:
        """The notation with the drawn values put in (a text the strict parser reads)."""
        return fill(self.network, values)


def fill(text: str, values: dict[str, Any]) -> str:
    tokens = tokenize(text, layers=True)
    out, last = [], 0
    for i, tok in enumerate(tokens):
        if tok.kind != "NAME" or tok.text not in values:
            continue
        nxt = tokens[i + 1] if i + 1 < len(tokens) else None
        if nxt is not None and nxt.kind == "OP" and nxt.text in ("=", "("):
            continue  # a keyword or a layer letter / kind, not a value
        end = tok.pos + 1
        while end < len(text) and ("a" + text[end]).isidentifier():
            end += 1
        out.append(text[last:tok.pos])
        out.append(str(values[tok.text]))
        last = end
    out.append(text[last:])
    return "".join(out)


def _values(name: str, spec: Any, where: str) -> tuple:
    if isinstance(spec, list):
        values = spec
    elif isinstance(spec, dict):
        unknown = set(spec) - {"from", "to", "step"}
        if unknown or "from" not in spec or "to" not in spec:
            raise SpecError(f"{where}: draw.{name}: a range is {{ from = A, to = B, step = S }}")
        lo, hi, step = spec["from"], spec["to"], spec.get("step", 1)
        if not all(type(v) is int for v in (lo, hi, step)) or step < 1 or hi < lo:
            raise SpecError(f"{where}: draw.{name}: from <= to and step >= 1, all integers")
        if (hi - lo) // step + 1 > MAX_CHOICES:
            raise SpecError(f"{where}: draw.{name}: more than {MAX_CHOICES} values")
        values = list(range(lo, hi + 1, step))
    else:
        raise SpecError(f"{where}: draw.{name} must be a list or a range table")
    if not values or len(values) > MAX_CHOICES:
        raise SpecError(f"{where}: draw.{name} needs 1 to {MAX_CHOICES} values")
    for v in values:
        if type(v) is int:
            if v < 0 or v.bit_length() > 64:
                raise SpecError(f"{where}: draw.{name}: {shorten(str(v))} is not a size")
        elif not (isinstance(v, str) and v in PADDING_WORDS):
            raise SpecError(f"{where}: draw.{name}: values are integers or the padding "
                            f"words 'same' and 'valid', got {shorten(repr(v))}")
    if len(set(values)) != len(values):
        raise SpecError(f"{where}: draw.{name} lists a value twice")
    return tuple(values)


def from_dict(data: dict[str, Any], where: str = "template") -> Template:
    known = {"name", "title", "network", "draw", "question", "exact", "description"}
    extra = sorted(set(data) - known)
    if extra:
        raise SpecError(f"{where}: unknown key {quote(extra[0])}; keys: {', '.join(sorted(known))}")
    network = data.get("network")
    if not isinstance(network, str) or not network.strip():
        raise SpecError(f"{where}: 'network' (the notation with symbols) is required")
    tokenize(network, layers=True)  # a positioned SpecError for a malformed text
    name = data.get("name", "exam")
    title = data.get("title", name)
    description = data.get("description", "")
    for key, value in (("name", name), ("title", title), ("description", description)):
        if not isinstance(value, str) or len(value) > 500:
            raise SpecError(f"{where}: {key} must be a text of at most 500 characters")
    draw_table = data.get("draw", {})
    if not isinstance(draw_table, dict) or len(draw_table) > MAX_SYMBOLS:
        raise SpecError(f"{where}: [draw] must be a table of at most {MAX_SYMBOLS} symbols")
    draw = {}
    for sym, spec in draw_table.items():
        if not (is_valid_name(sym) and sym.isascii()):
            raise SpecError(f"{where}: draw: {quote(sym)} is not a symbol name")
        draw[sym] = _values(sym, spec, where)
    questions_raw = data.get("question", [{"type": "total"}])
    if not isinstance(questions_raw, list) or not 1 <= len(questions_raw) <= MAX_QUESTIONS:
        raise SpecError(f"{where}: [[question]] needs 1 to {MAX_QUESTIONS} questions")
    questions = []
    for i, q in enumerate(questions_raw, 1):
        if not isinstance(q, dict):
            raise SpecError(f"{where}: question {i} must be a table")
        extra = sorted(set(q) - {"type", "layer", "points", "choice", "symbol"})
        if extra:
            raise SpecError(f"{where}: question {i}: unknown key {quote(extra[0])}")
        qtype = q.get("type")
        if qtype not in QUESTION_TYPES:
            raise SpecError(f"{where}: question {i}: type must be one of "
                            f"{', '.join(QUESTION_TYPES)}, got {shorten(repr(qtype))}")
        layer = q.get("layer")
        if qtype in ("shape", "params", "input_size", "macs") and layer is None:
            raise SpecError(f"{where}: question {i} ({qtype}) needs a layer")
        if layer is not None and not ((type(layer) is int and 1 <= layer <= 1000)
                                      or (isinstance(layer, str) and len(layer) <= 200)):
            raise SpecError(f"{where}: question {i}: layer is a 1-based index or a layer name")
        points = q.get("points", 1)
        if type(points) is not int or not 0 <= points <= 1000:
            raise SpecError(f"{where}: question {i}: points is an integer from 0 to 1000")
        choice = q.get("choice", False)
        if not isinstance(choice, bool):
            raise SpecError(f"{where}: question {i}: choice is true or false")
        symbol = q.get("symbol")
        if symbol is not None and symbol not in draw:
            raise SpecError(f"{where}: question {i}: symbol {shorten(repr(symbol))} is not drawn")
        questions.append(Question(qtype, layer, points, choice, symbol))
    exact = data.get("exact", False)
    if not isinstance(exact, bool):
        raise SpecError(f"{where}: exact is true or false")
    unused = [s for s in draw if fill(network, {s: 1}) == network]
    if unused:
        raise SpecError(f"{where}: draw.{unused[0]}: the network has no symbol {quote(unused[0])}")
    return Template(name, title, network, draw, tuple(questions), exact, description)


def load(path: str | Path) -> Template:
    """Read a template file with the spec files' safe reader (a regular file, bounded size)."""
    where = shorten(str(path))
    return from_dict(toml_loads(read_text(path), where), where)


def read_text(path: str | Path) -> str:
    """A template file's text, read as spec files are: only a regular file (no FIFO or
    device, checked again after opening) of at most ``MAX_SPEC_BYTES``, UTF-8."""
    from symparams.core.files import read_text as read
    from symparams.notation.specfile import MAX_SPEC_BYTES

    return read(path, limit=MAX_SPEC_BYTES, noun="an exam template",
                give="a .toml exam template")


def toml_loads(text: str, where: str) -> dict[str, Any]:
    from symparams.notation.specfile import toml_data

    return toml_data(text, where)


BUILTIN: dict[str, str] = {
    "mnist_cnn": '''
name = "mnist_cnn"
title = "A small CNN for MNIST"
description = "I(28x28x1)-C(4,5)-P(2)-C(8,3)-P(2)-C(16,3)-F-H(16)-O(10) with drawn filters, kernels and units"
network = "I(28x28x1)-C(c1,k1)-P(2)-C(c2,3)-P(2)-C(c3,3)-F-H(h)-O(10)"
[draw]
c1 = [4, 6, 8]
k1 = [3, 5]
c2 = [8, 12, 16]
c3 = [16, 24, 32]
h = { from = 16, to = 64, step = 16 }
[[question]]
type = "shape"
layer = 2
points = 2
[[question]]
type = "flatten"
points = 2
[[question]]
type = "params"
layer = 1
points = 2
choice = true
[[question]]
type = "total"
points = 4
choice = true
[[question]]
type = "largest"
points = 1
[[question]]
type = "macs"
layer = 3
points = 2
choice = true
''',
    "dense": '''
name = "dense"
title = "A fully connected network"
description = "I(n)-H(h1)-H(h2)-O(o): a multilayer perceptron with drawn widths"
network = "I(n)-H(h1)-H(h2)-O(o)"
[draw]
n = [64, 100, 784]
h1 = { from = 32, to = 256, step = 32 }
h2 = [16, 32, 64]
o = [2, 5, 10]
[[question]]
type = "params"
layer = 1
points = 2
choice = true
[[question]]
type = "total"
points = 3
choice = true
[[question]]
type = "compare"
points = 1
[[question]]
type = "table"
points = 4
''',
    "cnn_same": '''
name = "cnn_same"
title = "A CNN with 'same' padding and strides"
description = "I(n x n x 3)-C(c1,k1,s=s1,p=p1)-P(2)-C(c2,3,s=2,p=p2)-F-O(10)"
network = "I(n x n x 3)-C(c1,k1,s=s1,p=p1)-P(2)-C(c2,3,s=2,p=p2)-F-O(10)"
[draw]
n = [28, 32, 48, 64]
c1 = [8, 16]
k1 = [3, 5]
s1 = [1, 2]
p1 = ["same", "valid", 1, 2]
c2 = [16, 32]
p2 = ["same", "valid", 1]
[[question]]
type = "shape"
layer = 1
points = 2
choice = true
[[question]]
type = "shape"
layer = 3
points = 2
[[question]]
type = "params"
layer = 3
points = 2
choice = true
[[question]]
type = "total"
points = 3
[[question]]
type = "input_size"
layer = 3
symbol = "n"
points = 3
''',
}


def builtin(name: str) -> Template:
    if name not in BUILTIN:
        raise SpecError(f"no built-in exam template {quote(name)}; built-in: "
                        f"{', '.join(BUILTIN)} (or give a .toml file)")
    return from_dict(toml_loads(BUILTIN[name], name), name)


def resolve(spec: str) -> Template:
    """A built-in template by name, or a TOML file."""
    if spec in BUILTIN:
        return builtin(spec)
    if spec.endswith(".toml") or spec.startswith(("/", "./", "../", "~/")):
        return load(Path(spec).expanduser())
    return builtin(spec)
