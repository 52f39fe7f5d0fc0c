"""A layer declared by its weight shapes and its output shape, for anything the other
kinds do not cover (as einops' ``EinMix`` declares ``weight_shape`` and
``bias_shape``): the parameters are the sum of the weights' element counts.

``weight_shapes`` names each weight tensor and gives its sizes, ``output`` the output's sizes
(channels last, batch left out, as ``input``) or ``same`` (the default) to keep the
input's shape.  Sizes are numbers, names or expressions (``2*d``, ``d//h``), read by
symparams' strict parser; they do not refer to the input's sizes by themselves: use the
same names as the input (``I(T x d)-custom(T x h, W=d x h, b=h)``).

Python::

    Custom(output=("T", "h"), weight_shapes={"W": ("d", "h"), "b": "h"})

Notation (a keyword that is not an option names a weight)::

    I(T x d)-custom(T x h, W=d x h, b=h)
    I(n x n x c)-custom(gamma=c)                 # a learned scale: same shape, c parameters

Spec file::

    [[layers]]
    kind = "custom"
    output = "T x h"                             # or ["T", "h"], or "same"
    weight_shapes = { W = "d x h", b = "h" }     # or W = ["d", "h"], b = 8

Weight names are ASCII names (letters, digits and ``_``, a letter first, at most 64
characters, not a Python keyword; they are printed as text in LaTeX), distinct; in the
notation they cannot be an option's name (``output``, ``out``, ``name``, ``inputs``,
``shares``, ``trainable``, ``weight_shapes``).  At most 64 weights of at most 8 axes each.
The sizes must be at least 1: conditions, or an error when numbers prove them smaller.

>>> import symparams
>>> d = symparams.parse("I(T x d)-custom(T x h, W=d x h, b=h)").derive()
>>> d.rows[0].output_shape.dims(), d.total
((T, h), d*h + h)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import sympy as sp

from symparams.core.errors import ShapeError, SpecError, quote, shorten
from symparams.core.expr import ExpressionParser
from symparams.core.layer import Layer, Weight, hyper, register, to_expr, word_problem
from symparams.core.lexer import TokenStream, tokenize
from symparams.core.shape import Shape
from symparams.core.symbols import name_problem, normalize_name

MAX_WEIGHTS = 64
"""The most weight tensors one custom layer declares."""
MAX_AXES = 8
"""The most axes of one weight tensor."""
MAX_TEXT = 2000
"""The longest size text (``"d x h"``) read."""
OUTPUT_AXES = 4


def parse_sizes(text: str, role: str) -> tuple[sp.Expr, ...]:
    """``"d x 4*h"`` as ``(d, 4*h)``: expressions joined by ``x`` or ``×``, read by the
    strict expression parser (never ``sympify``)."""
    if len(text) > MAX_TEXT:
        raise SpecError(f"{role}: text longer than {MAX_TEXT} characters")
    stream = TokenStream(text, tokenize(text))
    parser = ExpressionParser(stream)
    sizes = [parser.value()]
    while stream.peek.kind == "TIMES":
        stream.next()
        sizes.append(parser.value())
    if stream.peek.kind != "END":
        stream.fail("expected 'x' between sizes or the end")
    return tuple(sizes)


def _sizes(value: Any, role: str, most: int) -> tuple[sp.Expr, ...]:
    """One size, a text of sizes, or a list of sizes, as sympy integers."""
    if isinstance(value, str):
        try:
            sizes = parse_sizes(value, role)
        except SpecError as err:
            raise SpecError(f"{role}: {err}") from None
    elif isinstance(value, (tuple, list)):
        sizes = tuple(value)
    else:
        sizes = (value,)
    if not 1 <= len(sizes) <= most:
        raise SpecError(f"{role}: 1 to {most} sizes, got {len(sizes)}")
    out = []
    for v in sizes:
        if isinstance(v, str):
            try:
                inner = parse_sizes(v, role)
            except SpecError as err:
                raise SpecError(f"{role}: {err}") from None
            if len(inner) != 1:
                raise SpecError(f"{role}: one size per item, got {quote(v)}")
            v = inner[0]
        out.append(to_expr(v, role=role))
    return tuple(out)


def _pairs(value: Any) -> list[tuple[Any, Any]]:
    if isinstance(value, Mapping):
        return list(value.items())
    if isinstance(value, (tuple, list)) and all(
            isinstance(p, (tuple, list)) and len(p) == 2 for p in value):
        return [tuple(p) for p in value]
    raise SpecError("custom: weight_shapes is a table of names and sizes, such as "
                    "{W = \"d x h\", b = \"h\"}, got " + quote(shorten(repr(value))))


@register("custom")
@dataclass(frozen=True)
class Custom(Layer):
    """A layer given by its weights' shapes and its output shape (see the module)."""

    kind = "custom"
    prefix = "custom"
    positional = ("output",)
    aliases = {"out": "output"}
    keyword_field = "weight_shapes"

    output: Any = hyper("output size", default="same", per_axis=True, words=("same",))
    weight_shapes: Any = hyper("weight size", default=(), per_axis=True)
    """The weights: a table from name to sizes (``{"W": ("d", "h"), "b": "h"}``), or
    ``(name, sizes)`` pairs; kept as pairs of a name and a tuple of sympy sizes."""

    def __post_init__(self) -> None:
        self._check_options()
        try:
            self._convert_all()
        except SpecError as err:
            message = str(err)
            raise SpecError(message if message.startswith("custom") else f"custom: {message}") \
                from None

    def _convert_all(self) -> None:
        output = self.output
        if isinstance(output, str) and output.strip().lower() == "same":
            output = "same"
        else:
            word = normalize_name(output.strip()) if isinstance(output, str) else ""
            problem = word.isidentifier() and word_problem(word, "output size", ("same",))
            if problem:  # "sam": a typo of 'same' rather than a symbol's name
                raise SpecError(problem)
            output = _sizes(output, "output size", OUTPUT_AXES)
        object.__setattr__(self, "output", output)
        pairs = _pairs(self.weight_shapes)
        if len(pairs) > MAX_WEIGHTS:
            raise SpecError(f"more than {MAX_WEIGHTS} weights")
        seen: set[str] = set()
        out = []
        for name, shape in pairs:
            if not isinstance(name, str):
                raise SpecError(f"a weight's name is a text, got {quote(shorten(repr(name)))}")
            key = normalize_name(name)
            problem = name_problem(key)
            if problem:
                raise SpecError(f"weight name: {problem}")
            if not key.isascii():  # the name is printed as text in LaTeX and HTML
                raise SpecError(f"weight name {quote(key)}: ASCII letters, digits and _ only")
            if key in seen:
                raise SpecError(f"weight {quote(key)} is declared twice")
            seen.add(key)
            out.append((key, _sizes(shape, f"size of weight {key}", MAX_AXES)))
        object.__setattr__(self, "weight_shapes", tuple(out))

    def hyperparameters(self):
        if self.output != "same":
            for v in self.output:
                yield "output", "output size", False, v
        for name, shape in self.weight_shapes:
            for v in shape:
                yield "weight_shapes", f"size of weight {name}", False, v

    def output_shape(self, in_shape: Shape) -> Shape:
        if self.output == "same":
            return in_shape
        *spatial, channels = self.output
        if len(self.output) > OUTPUT_AXES:  # unreachable: checked when made
            raise ShapeError("custom: too many output sizes")
        return Shape(tuple(spatial), channels, in_shape.sequence and len(self.output) == 2)

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        return tuple(Weight(name, shape) for name, shape in self.weight_shapes)
