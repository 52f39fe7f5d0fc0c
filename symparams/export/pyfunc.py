"""A standalone Python function for a derivation, and its latexify-py renderings.

The function takes the free symbols (in legend order), computes one line per layer —
the layer's output size from the previous layer's, then its parameters — with exact
integer arithmetic (``//`` for floors, ``-(-a // b)`` for ceilings), and returns the
total.  It imports nothing.  ``latexify`` renders it as one formula and as an
algorithm; latexify reads a function's source, so the function is imported from a
temporary module file (our own generated code, never user text).
"""

from __future__ import annotations

import importlib.util
import keyword
import re
import tempfile
from pathlib import Path
from typing import Any, Callable

import sympy as sp
from sympy.printing.pycode import PythonCodePrinter

from symparams.core.errors import NotSupportedError
from symparams.core.shape import AXIS_NAMES, Shape
from symparams.export import register_format


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


def _identifier(text: str, taken: set[str]) -> str:
    name = re.sub(r"\W", "_", text)
    if not name or name[0].isdigit():
        name = "_" + name
    while keyword.iskeyword(name) or name in taken:
        name += "_"
    taken.add(name)
    return name


def to_function(derivation, name: str = "total_params", *, docstring: bool = True) -> str:
    """The source of ``def name(<free symbols>) -> int`` computing the total.

    Symbols named like a Python keyword get a trailing ``_``.
    """
    d = derivation
    symbols = list(d.symbols.values())
    taken: set[str] = set()
    names = {s.name: _identifier(s.name, taken) for s in symbols}
    if not name.isidentifier() or keyword.iskeyword(name):
        from symparams.core.errors import SpecError

        raise SpecError(f"function name must be a Python identifier, got {name!r}")
    taken.add(name)
    code = IntegerCodePrinter(names)
    lines: list[str] = []
    shape = d.input_shape
    totals: list[str] = []
    for row in d.rows:
        out = row.layer.output_shape(shape)
        weights = row.layer.weights(shape)
        params = sum((w.size for w in weights if w.trainable or d.convention == "keras"),
                     sp.Integer(0))
        out, new = _name_sizes(out, row.name, taken)
        for var, expr in new:
            lines.append(f"    {var} = {code.doprint(expr)}  # {row.name}")
        if params != 0:
            var = _identifier(f"{row.name}_params", taken)
            lines.append(f"    {var} = {code.doprint(sp.factor_terms(params))}")
            totals.append(var)
        shape = out
    args = ", ".join(names[s.name] for s in symbols)
    what = f" of {d.network.name}" if d.network.name else ""
    doc = (f'    """Number of parameters{what} ({d.convention} convention), '
           'exact integers."""')
    body = lines + [f"    return {' + '.join(totals) or '0'}"]
    head = [f"def {name}({args}):"] + ([doc] if docstring else [])
    return "\n".join(head + body) + "\n"


def _name_sizes(shape: Shape, layer: str, taken: set[str]) -> tuple[Shape, list[tuple[str, sp.Expr]]]:
    """Give each computed size of ``shape`` a variable; return the shape over them."""
    new: list[tuple[str, sp.Expr]] = []

    def var(expr: sp.Expr, suffix: str) -> sp.Expr:
        if expr.is_Atom:
            return expr
        name = _identifier(f"{layer}_{suffix}", taken)
        new.append((name, expr))
        return sp.Symbol(name, integer=True, positive=True)

    spatial = shape.spatial
    if spatial and all(s == spatial[0] for s in spatial):
        size = var(spatial[0], "size")
        spatial = (size,) * len(spatial)
    else:
        spatial = tuple(var(s, a) for s, a in zip(spatial, AXIS_NAMES.get(len(spatial), ())))
    channels = var(shape.channels, "channels" if spatial else "size")
    return Shape(spatial, channels), new


def load_function(source: str, name: str) -> Callable[..., int]:
    """Import generated source as a module from a temporary file and return ``name``.

    The file stays until the interpreter exits, as ``inspect.getsource`` (which
    latexify uses) reads it again later.
    """
    folder = Path(tempfile.mkdtemp(prefix="symparams_fn_"))
    path = folder / f"{name}.py"
    path.write_text(source, encoding="utf-8")
    spec = importlib.util.spec_from_file_location(f"symparams_generated_{id(path)}", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)  # our generated code, not user text
    return getattr(module, name)


@register_format("python")
def to_python(derivation, *, name: str = "total_params", **_options: Any) -> str:
    """The standalone function's source."""
    return to_function(derivation, name)


def latexify_renderings(derivation, name: str = "total_params") -> tuple[str, str]:
    """latexify-py's LaTeX of the function as one formula, and as an algorithm (one
    line per layer; the ``algorithmic`` form needs LaTeX's ``algpseudocode``)."""
    import latexify

    fn = load_function(to_function(derivation, name, docstring=False), name)
    formula = latexify.get_latex(fn, reduce_assignments=True)
    algorithm = str(latexify.algorithmic(fn))
    return formula, algorithm


@register_format("latexify")
def to_latexify(derivation, *, name: str = "total_params", **_options: Any) -> str:
    """Both latexify-py renderings, as LaTeX (a display formula, then the algorithm)."""
    formula, algorithm = latexify_renderings(derivation, name)
    return ("% latexify-py: the function as one formula\n\\[\n" + formula + "\n\\]\n\n"
            "% latexify-py: one line per layer (needs \\usepackage{algpseudocode})\n"
            + algorithm.strip() + "\n")
