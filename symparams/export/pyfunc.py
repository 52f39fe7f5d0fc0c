"""A standalone Python function for a derivation, and its latexify-py renderings.

The function takes the free symbols (in legend order), computes one line per layer —
the layer's output size from the previous layer's, then its parameters — with exact
integer arithmetic (``//`` for floors, ``-(-a // b)`` for ceilings), and returns the
total.  It imports nothing.  ``latexify`` renders it as one formula and as an
algorithm; latexify reads a function's source, so the source is compiled in memory
under a pseudo-filename registered with :mod:`linecache` (no file is written).

Names are user text (a spec file is data): they reach the source only as identifiers
derived from them (valid, not keywords, NFKC-normalised as Python's parser does) and
as escaped string literals, never raw, so no name can add a line of code.
"""

from __future__ import annotations

from symparams.core.provided import provide

import hashlib
import builtins
import keyword
import linecache
import re
import unicodedata
from typing import Any, Callable

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from symparams.core.errors import NotSupportedError, SpecError, quote, shorten
from symparams.core.shape import AXIS_NAMES, Shape, exact_division
from symparams.export import register_format

MAX_IDENTIFIER = 64
"""Longest identifier derived from a name (a longer name is cut; locals keep a suffix)."""


class IntegerCodePrinter(PythonCodePrinter):
    """Python code with exact integer arithmetic: a product with a denominator
    (``c*k**2*l/g`` for grouped convolutions, where ``g`` divides ``l``) becomes
    ``(c*k**2*l)//g``; a fractional constant is refused rather than turned into a float."""

    def __init__(self, names: dict[str, str]) -> None:
        super().__init__({"standard": "python3"})
        self._names = names

    def _print_Symbol(self, expr: sp.Symbol) -> str:
        return self._names.get(expr.name, expr.name)

    def _as_ordered_terms(self, expr: sp.Expr, order: str | None = None) -> list:
        from symparams.export.latex import human_order

        return human_order(super()._as_ordered_terms(expr, order=order))

    def _print_Mul(self, expr: sp.Mul) -> str:
        num, den = sp.fraction(expr)
        if den == 1:
            return super()._print_Mul(expr)
        return f"(({self._print(num)})//({self._print(den)}))"

    def _print_Rational(self, expr: sp.Rational) -> str:
        if expr.is_Integer:
            return str(int(expr))
        raise NotSupportedError(f"cannot write the fraction {expr} with integer arithmetic")

    def _print_Pow(self, expr: sp.Pow, rational: bool = False) -> str:
        if expr.exp.is_Integer and expr.exp < 0:
            return self._print_Mul(sp.Mul(expr, 1, evaluate=False))
        return super()._print_Pow(expr, rational=rational)


_BUILTINS = frozenset(dir(builtins))


def python_name(text: str, limit: int = MAX_IDENTIFIER) -> str:
    """A Python identifier for ``text``: NFKC-normalised (Python's parser does the
    same, so ``ﬁ`` and ``fi`` are one name), other characters as ``_``, a leading ``_``
    before a digit, a trailing ``_`` after a keyword or a builtin, at most about ``limit``
    long."""
    text = unicodedata.normalize("NFKC", text)[:limit]
    name = "".join(ch if ("_" + ch).isidentifier() else "_" for ch in text)
    if not name[:1].isidentifier():  # empty, or a digit first
        name = "_" + name
    name = unicodedata.normalize("NFKC", name)
    if not name.isidentifier():  # a normalisation joined characters oddly: stay ASCII
        name = "_" + re.sub(r"[^A-Za-z0-9_]", "_", name)
    if keyword.iskeyword(name) or name == "__debug__" or name in _BUILTINS:
        name += "_"  # a builtin such as max would be shadowed where the code calls it
    return name


def _local(text: str, suffix: str, taken: set[str]) -> str:
    """A fresh local variable named after a layer: ``conv2d1_size``, ``conv2d1_size_2``."""
    stem = unicodedata.normalize("NFKC", text)[:MAX_IDENTIFIER - len(suffix) - 1]
    base = python_name(f"{stem}_{suffix}", MAX_IDENTIFIER)
    name, i = base, 1
    while name in taken:
        i += 1
        name = f"{base}_{i}"
    taken.add(name)
    return name


def _parameter_names(symbols: list[sp.Symbol]) -> dict[str, str]:
    """Each symbol's parameter name; two symbols with one identifier are a SpecError."""
    names: dict[str, str] = {}
    owner: dict[str, str] = {}
    for s in symbols:
        ident = python_name(s.name)
        if ident in owner:
            raise SpecError(
                f"symbols {quote(owner[ident])} and {quote(s.name)} are the same Python "
                f"identifier {quote(ident)} (Python normalises names with NFKC); rename one")
        owner[ident] = s.name
        names[s.name] = ident
    return names


def _comment(name: str) -> str:
    """A layer name for a comment: as is when it is a plain ASCII identifier, else as an
    escaped string literal (``repr`` escapes every line break and control character)."""
    if name.isascii() and name.isidentifier():
        return name
    return repr(name if len(name) <= MAX_IDENTIFIER else name[:MAX_IDENTIFIER - 1] + "…")


def _docstring(text: str) -> str:
    """``text`` as a triple-quoted string literal: quotes and backslashes escaped, and
    control characters as escapes, so that the literal ends where it should."""
    body = "".join("\\" + ch if ch in '\\"' else ch if ch.isprintable() else repr(ch)[1:-1]
                   for ch in text)
    return f'"""{body}"""'


def to_function(derivation, name: str = "total_params", *, docstring: bool = True,
                checks: bool = True) -> str:
    """The source of ``def name(<free symbols>) -> int`` computing the total.

    Symbols named like a Python keyword get a trailing ``_``; two symbols whose names
    are one Python identifier (after NFKC) raise :class:`SpecError`.  Layers derived
    assuming exact division (``assume_divisible``) use exact quotients; with ``checks``
    the function raises ``ValueError`` when such an assumption fails (as ``evaluate``
    raises ShapeError).
    """
    d = derivation
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name) \
            or name == "__debug__":
        raise SpecError(f"function name must be a Python identifier, got {quote(name)}")
    name = unicodedata.normalize("NFKC", name)
    symbols = list(d.symbols.values())
    names = _parameter_names(symbols)
    taken = set(names.values()) | {name}
    code = IntegerCodePrinter(names)
    lines: list[str] = []
    shape = d.input_shape
    totals: list[str] = []
    graph = any(r.layer.composite or r.layer.inputs is not None for r in d.rows)
    for row in d.rows:
        if graph:  # each row's own count, its sizes written out (no size variables)
            if row.params != 0:
                var = _local(row.name, "params", taken)
                lines.append(f"    {var} = {code.doprint(sp.factor_terms(row.params))}")
                totals.append(var)
            continue
        exact = d.assume_divisible is True or row.name in d.assume_divisible
        with exact_division(exact) as assumed:
            out = row.layer.output_shape(shape)
        weights = row.layer.counted_weights(shape, d.convention)
        params = sum((w.size for w in weights), sp.Integer(0))
        if checks:  # each axis makes the same assumption: state it once
            for relation, reason in dict.fromkeys(assumed):
                message = repr(f"layer {shorten(row.name)}: {reason}, but it does not")
                lines.append(f"    if not {code.doprint(relation)}:")
                lines.append(f"        raise ValueError({message})")
        out, new = _name_sizes(out, row.name, taken)
        for var, expr in new:
            lines.append(f"    {var} = {code.doprint(expr)}  # {_comment(row.name)}")
        if params != 0:
            var = _local(row.name, "params", taken)
            lines.append(f"    {var} = {code.doprint(sp.factor_terms(params))}")
            totals.append(var)
        shape = out
    args = ", ".join(names[s.name] for s in symbols)
    what = f" of {d.network.name}" if d.network.name else ""
    doc = "    " + _docstring(f"Number of parameters{what} ({d.convention} convention), "
                              "exact integers.")
    body = lines + [f"    return {' + '.join(totals) or '0'}"]
    head = [f"def {name}({args}):"] + ([doc] if docstring else [])
    return "\n".join(head + body) + "\n"


def _name_sizes(shape: Shape, layer: str, taken: set[str]) -> tuple[Shape, list[tuple[str, sp.Expr]]]:
    """Give each computed size of ``shape`` a variable; return the shape over them."""
    new: list[tuple[str, sp.Expr]] = []

    def var(expr: sp.Expr, suffix: str) -> sp.Expr:
        if expr.is_Atom:
            return expr
        name = _local(layer, suffix, taken)
        new.append((name, expr))
        return sp.Symbol(name, integer=True, positive=True)

    spatial = shape.spatial
    if spatial and all(s == spatial[0] for s in spatial):
        size = var(spatial[0], "size")
        spatial = (size,) * len(spatial)
    else:
        spatial = tuple(var(s, a) for s, a in zip(spatial, AXIS_NAMES.get(len(spatial), ())))
    channels = var(shape.channels, "channels" if spatial else "size")
    return Shape(spatial, channels, shape.sequence), new


def load_function(source: str, name: str) -> Callable[..., int]:
    """Compile generated source in memory and return its function ``name``.

    The source is registered with :mod:`linecache` under a pseudo-filename made from its
    hash, so ``inspect.getsource`` (which latexify uses) finds it; nothing is written to
    disk, and loading the same source again reuses the entry.
    """
    digest = hashlib.sha256(source.encode("utf-8", "surrogatepass")).hexdigest()[:20]
    filename = f"<symparams-generated-{digest}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, Any] = {"__name__": f"symparams_generated_{digest}"}
    exec(compile(source, filename, "exec"), namespace)  # our generated code, not user text
    return namespace[unicodedata.normalize("NFKC", name)]


@register_format("python")
def to_python(derivation, *, name: str = "total_params", **_options: Any) -> str:
    """The standalone function's source."""
    return to_function(derivation, name)


def latexify_renderings(derivation, name: str = "total_params") -> tuple[str, str]:
    """latexify-py's LaTeX of the function as one formula, and as an algorithm (one
    line per layer; the ``algorithmic`` form needs LaTeX's ``algpseudocode``)."""
    import latexify

    fn = load_function(to_function(derivation, name, docstring=False, checks=False), name)
    try:
        formula = latexify.get_latex(fn, reduce_assignments=True)
        algorithm = str(latexify.algorithmic(fn))
    except RecursionError:  # latexify inlines every layer into one formula, recursively
        raise NotSupportedError("the network is too deep for latexify's one-formula "
                                "rendering; use --format latex or python") from None
    return formula, algorithm


@register_format("latexify")
def to_latexify(derivation, *, name: str = "total_params", **_options: Any) -> str:
    """Both latexify-py renderings, as LaTeX (a display formula, then the algorithm)."""
    formula, algorithm = latexify_renderings(derivation, name)
    return ("% latexify-py: the function as one formula\n\\[\n" + formula + "\n\\]\n\n"
            "% latexify-py: one line per layer (needs \\usepackage{algpseudocode})\n"
            + algorithm.strip() + "\n")


provide("to_function")(to_function)
