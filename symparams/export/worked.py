"""Worked solutions in textbook order: each step names its layer and its formula, puts
the numbers into the formula as written, and only then gives the value::

    conv2d1, parameters (n × m × l + 1) × k:  (5 × 5 × 1 + 1) × 4 = 104

A step's arithmetic is a small tree of :class:`Term` nodes that prints as LaTeX and
evaluates with exact fractions; its value must equal the engine's (else the step falls
back to the layer's weight shapes, which are the engine's own numbers).  Worked
solutions need numbers: symbols left unset raise :class:`MissingValueError`.
"""

from __future__ import annotations

from symparams.core.provided import provide

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Mapping

import sympy as sp

from symparams.core.errors import MissingValueError
from symparams.core.shape import AXIS_NAMES
from symparams.export import register_format

# -- a tiny arithmetic tree that prints the way it was built -------------------------
_PREC = {"+": 1, "-": 1, "*": 2, "/": 2}


@dataclass(frozen=True)
class Term:
    """An integer, an operation on terms, or a floor / ceiling of a term."""

    op: str  # "num", "+", "-", "*", "/", "floor", "ceil"
    args: tuple = ()

    @property
    def prec(self) -> int:
        return _PREC.get(self.op, 3)

    def value(self) -> Fraction:
        if self.op == "num":
            return Fraction(self.args[0])
        vals = [a.value() for a in self.args]
        if self.op == "floor":
            return Fraction(vals[0].numerator // vals[0].denominator)
        if self.op == "ceil":
            return Fraction(-(-vals[0].numerator // vals[0].denominator))
        out = vals[0]
        for v in vals[1:]:
            out = {"+": out + v, "-": out - v, "*": out * v, "/": out / v}[self.op]
        return out

    def tex(self, times: str = r"\times") -> str:
        if self.op == "num":
            return str(self.args[0])
        if self.op in ("floor", "ceil"):
            left, right = (r"\lfloor", r"\rfloor") if self.op == "floor" else (r"\lceil", r"\rceil")
            return f"{left} {self.args[0].tex(times)} {right}"
        symbol = {"+": "+", "-": "-", "*": times, "/": "/"}[self.op]
        parts = []
        for i, a in enumerate(self.args):
            text = a.tex(times)
            # left-associative: a right operand of equal precedence needs brackets for - and /
            if a.prec < self.prec or (i and a.prec == self.prec and self.op in "-/"):
                text = f"({text})"
            parts.append(text)
        return f" {symbol} ".join(parts)


def num(v: Any) -> Term:
    return Term("num", (int(v),))


def _op(op: str, *args: Any) -> Term:
    terms = tuple(a if isinstance(a, Term) else num(a) for a in args)
    return terms[0] if len(terms) == 1 else Term(op, terms)


def add(*a: Any) -> Term:
    return _op("+", *a)


def sub(*a: Any) -> Term:
    return _op("-", *a)


def mul(*a: Any) -> Term:
    return _op("*", *a)


def div(*a: Any) -> Term:
    return _op("/", *a)


def floor(a: Term) -> Term:
    return Term("floor", (a,))


def ceil(a: Term) -> Term:
    return Term("ceil", (a,))


# -- steps -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    """One line of a worked solution.

    ``what`` says what is computed ("output height and width", "parameters" …),
    ``formula`` is the textbook formula in LaTeX with ``letters`` saying what its
    letters are, ``working`` the numbers put into it, ``value`` the exact result.
    """

    layer: str
    what: str
    formula: str
    letters: str
    working: Term
    value: int

    def math(self, times: str = r"\times") -> str:
        work = self.working.tex(times)
        return work if work == str(self.value) else f"{work} = {self.value}"


def _int(e: sp.Expr) -> int:
    if not e.is_Integer:
        raise MissingValueError(f"a worked solution needs numbers, got {e}")
    return int(e)


def size_steps(row) -> list[Step]:
    """Output-size steps of a conv, pooling, zero-padding or flatten row."""
    from symparams.layers import Conv, Flatten, Pool, ZeroPadding

    layer, shape_in, shape_out = row.layer, row.input_shape, row.output_shape
    if isinstance(layer, Flatten):
        if shape_in.is_vector:
            return []
        letters = {1: ("n \\times c", "length $n$, $c$ channels"),
                   2: ("h \\times w \\times c", "height $h$, width $w$, $c$ channels"),
                   3: ("d \\times h \\times w \\times c",
                       "depth $d$, height $h$, width $w$, $c$ channels")}[shape_in.rank]
        return [Step(row.name, "output size", letters[0], letters[1],
                     mul(*(_int(x) for x in shape_in.dims())), _int(shape_out.channels))]
    if not isinstance(layer, (Conv, Pool, ZeroPadding)):
        return []
    rank = shape_in.rank
    per_axis: list[tuple] = []
    for axis in range(rank):
        n = _int(shape_in.spatial[axis])
        out = _int(shape_out.spatial[axis])
        per_axis.append((n, out, *_size_term(layer, rank, axis, n, out)))
    steps: list[Step] = []
    names = AXIS_NAMES[rank]
    done: set[int] = set()
    for i, item in enumerate(per_axis):
        if i in done:
            continue
        same = [j for j in range(i, rank) if per_axis[j] == item]
        done.update(same)
        what = "output " + _join([names[j] for j in same])
        n, out, formula, letters, working = item
        steps.append(Step(row.name, what, formula, letters, working, out))
    return steps


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _axis_value(layer, values, rank: int, axis: int):
    if isinstance(values, tuple):
        return values[axis] if len(values) == rank else values[0]
    return values


def _size_term(layer, rank: int, axis: int, n: int, out: int) -> tuple[str, str, Term]:
    from symparams.layers import Pool, ZeroPadding

    if isinstance(layer, ZeroPadding):
        p = _int(_axis_value(layer, layer.padding, rank, axis))
        return "n + 2p", "input size $n$, padding $p$", add(n, mul(2, p))
    pool = isinstance(layer, Pool)
    k = _int(_axis_value(layer, layer.size if pool else layer.kernel, rank, axis))
    stride = layer.stride if layer.stride is not None else (layer.size if pool else 1)
    s = _int(_axis_value(layer, stride, rank, axis))
    kname = "q" if pool else "k"
    kword = "pool size" if pool else "kernel"
    if layer.padding == "same":
        if s == 1:
            return "n", "'same' padding at stride 1 keeps the input size $n$", num(n)
        return (r"\lceil n / s \rceil", "'same' padding: input size $n$, stride $s$",
                ceil(div(n, s)))
    p = 0 if layer.padding == "valid" else _int(_axis_value(layer, layer.padding, rank, axis))
    d = 1 if pool else _int(_axis_value(layer, layer.dilation, rank, axis))
    ceil_mode = pool and layer.ceil_mode
    letters = [f"input size $n$, {kword} ${kname}$"]
    if pool and s == k and p == 0 and not ceil_mode:
        return rf"\lfloor n / {kname} \rfloor", letters[0], floor(div(n, k))
    # numerator n + 2p - d(k - 1) - 1, written as a textbook writes it
    num_f, num_t = "n", [num(n)]
    if p:
        num_f += " + 2p"
        num_t.append(mul(2, p))
        letters.append("padding $p$")
    if d == 1:
        num_f += f" - {kname}"
        span = sub(add(*num_t), k) if len(num_t) > 1 else sub(n, k)
    else:
        num_f += f" - d({kname} - 1) - 1"
        span = sub(add(*num_t), mul(d, sub(k, 1)), 1) if len(num_t) > 1 else \
            sub(n, mul(d, sub(k, 1)), 1)
        letters.append("dilation $d$")
    if s == 1 and not ceil_mode:
        return f"{num_f} + 1", ", ".join(letters), add(span, 1)
    letters.append("stride $s$")
    rounding = ceil if ceil_mode else floor
    delims = (r"\lceil", r"\rceil") if ceil_mode else (r"\lfloor", r"\rfloor")
    formula = rf"{delims[0]} ({num_f}) / s {delims[1]} + 1"
    term = add(rounding(div(span, s)), 1)
    if ceil_mode and term.value() == out + 1:
        # PyTorch drops a last window that would start in the right padding
        formula += " - 1"
        letters.append("minus 1 as the last window would start past the input")
        term = sub(term, 1)
    return formula, ", ".join(letters), term


def param_steps(row, convention: str) -> list[Step]:
    """Parameter steps: textbook formulas for conv, dense and batch norm layers, the
    weight shapes for any other layer with weights."""
    from symparams.layers import BatchNorm, Conv, Dense

    if not row.weights:
        return []
    layer = row.layer
    if not layer.trainable:  # frozen: its weights, all non-trainable
        return _generic(row, convention)
    trainable = _int(row.trainable)
    if isinstance(layer, Conv):
        kernel = [_int(w) for w in row.weights[0].shape[:-2]]
        c_in, groups = _int(row.input_shape.channels), _int(layer.groups)
        k_letters = {1: ["m"], 2: ["n", "m"], 3: ["o", "n", "m"]}[len(kernel)]
        f_in = " \\times ".join([*k_letters, "l"]) + (" / g" if groups != 1 else "")
        inner: list[Any] = [*kernel, c_in]
        work = mul(*inner) if groups == 1 else div(mul(*inner), groups)
        kdesc = " \\times ".join(k_letters)
        letters = (f"kernel ${kdesc}$, $l$ input channels"
                   + (", $g$ groups" if groups != 1 else "") + ", $k$ filters")
        filters = _int(layer.filters)
        if layer.bias:
            formula, term = f"({f_in} + 1) \\times k", mul(add(work, 1), filters)
        else:
            formula, term = f"{f_in} \\times k", mul(work, filters)
        return [_checked(row, "parameters", formula, letters, term, trainable)]
    if isinstance(layer, Dense):
        n_in, units = _int(row.input_shape.channels), _int(layer.units)
        if layer.bias:
            term, formula = mul(add(n_in, 1), units), r"(n + 1) \times m"
        else:
            term, formula = mul(n_in, units), r"n \times m"
        return [_checked(row, "parameters", formula, "$n$ inputs, $m$ units", term, trainable)]
    if isinstance(layer, BatchNorm):
        c = _int(row.input_shape.channels)
        steps = [_checked(row, "trainable parameters (scale and shift)", r"2 \times c",
                          "$c$ channels", mul(2, c), trainable)]
        if convention == "keras":
            steps.append(_checked(row, "non-trainable parameters (running mean and variance)",
                                  r"2 \times c", "$c$ channels", mul(2, c), _int(row.non_trainable)))
        return steps
    return _generic(row, convention)


def _generic(row, convention: str) -> list[Step]:
    """Any layer with weights: the sum of its weight tensors' sizes."""
    steps = []
    for flag, what, value in ((True, "parameters", row.trainable),
                              (False, "non-trainable parameters", row.non_trainable)):
        weights = [w for w in row.weights if w.trainable is flag]
        if not weights:  # row.weights holds only what the convention counts
            continue
        formula = " + ".join(f"|{_tex_name(w.name)}|" for w in weights)
        letters = "weight shapes " + ", ".join(
            f"${_tex_name(w.name)}: " + " \\times ".join(str(_int(x)) for x in w.shape) + "$"
            for w in weights)
        term = add(*(mul(*(_int(x) for x in w.shape)) for w in weights))
        steps.append(Step(row.name, what, formula, letters, term, _int(value)))
    return steps


def _tex_name(name: str) -> str:
    """A weight's name as a LaTeX symbol: ``W``, ``b``, ``\\gamma``, ``\\text{running\\_mean}``."""
    if name in ("gamma", "beta", "alpha"):
        return "\\" + name
    if len(name) == 1:
        return name
    from symparams.export.latex import tex_escape

    return r"\text{" + tex_escape(name) + "}"


def _checked(row, what: str, formula: str, letters: str, term: Term, value: int) -> Step:
    if term.value() != value:  # cannot happen unless a layer's maths changed: say it plainly
        return _generic(row, "keras")[0]
    return Step(row.name, what, formula, letters, term, value)


def parameter_working(row) -> str:
    """The numbers of a numeric row put into its parameter formula: ``(5 \\times 5 \\times
    1 + 1) \\times 4`` (trainable and non-trainable added when both count)."""
    steps = param_steps(row, "keras" if row.non_trainable != 0 else "pytorch")
    if len(steps) == 1:
        return steps[0].working.tex()
    return " + ".join(f"({s.working.tex()})" if s.working.prec < 2 else s.working.tex()
                      for s in steps)


@dataclass(frozen=True)
class LayerSolution:
    """The steps of one row and its one-line description."""

    row: Any
    steps: list[Step]


def solve(derivation, values: Mapping[str, Any] | None = None) -> tuple[list[LayerSolution], list[Step]]:
    """The worked steps of every row, then the closing sums (total, and trainable and
    non-trainable when they differ)."""
    d = derivation.subs(values) if values else derivation
    if not d.is_numeric():
        try:
            d.evaluate()
        except MissingValueError as err:
            raise MissingValueError(f"a worked solution needs numbers: {err} "
                                    "(give them with --set NAME=VALUE)") from None
    layers = [LayerSolution(r, composite_steps(r) if r.layer.composite else
                            size_steps(r) + param_steps(r, d.convention)) for r in d.all_rows()]
    closing = [_sum_step("total parameters", [r.params for r in d.rows], d.total)]
    if d.non_trainable != 0:
        closing.append(_sum_step("trainable", [r.trainable for r in d.rows], d.trainable))
        closing.append(_sum_step("non-trainable", [r.non_trainable for r in d.rows],
                                 d.non_trainable))
    return layers, closing


def composite_steps(row) -> list[Step]:
    """A block's count is the sum of its layers' (listed after it); a repeat's is its
    copies': ``t × P`` or, when the first copy differs, ``P₁ + (t − 1) × P₂``."""
    if row.params == 0:
        return []
    copies = {copy: sum(_int(c.params) for c in rows) for copy, rows in row.copies().items()}
    times = getattr(row.layer, "times", None)
    if times is None:
        return [Step(row.name, "parameters", r"\sum_i P_i", "the sum of its layers",
                     add(*[_int(c.params) for c in row.children if c.params != 0]), _int(row.params))]
    t = _int(times)
    if len(copies) == 1 or t == 1:
        return [Step(row.name, "parameters", r"t \times P", "t copies of P parameters",
                     mul(t, copies["1"]), _int(row.params))]
    if len(copies) == 2:
        return [Step(row.name, "parameters", r"P_1 + (t - 1) \times P_2",
                     "t copies: the first has P₁ parameters, each other P₂",
                     add(copies["1"], mul(sub(t, 1), copies["2"])), _int(row.params))]
    return [Step(row.name, "parameters", r"\sum_i P_i", "the sum of its copies",
                 add(*copies.values()), _int(row.params))]


def _no_weights(row, escape) -> str:
    """What a row without parameter steps says instead."""
    if row.layer.shares is not None:
        return f"its weights are those of {escape(row.layer.shares)}, counted there"
    return "no weights; " + ("shape unchanged" if row.output_shape == row.input_shape
                             else "one value per channel")


def _sum_step(what: str, parts: list[sp.Expr], total: sp.Expr) -> Step:
    values = [_int(p) for p in parts if p != 0] or [0]
    return Step("", what, "", "", add(*values), _int(total))


def _shape_text(shape, times: str) -> str:
    return f" {times} ".join(str(_int(x)) for x in shape.dims())


def _layer_line(row, times: str) -> str:
    from symparams.export.markdown import md_escape

    return (f"{md_escape(row.kind)}, ${_shape_text(row.input_shape, times)}$ to "
            f"${_shape_text(row.output_shape, times)}$")


@register_format("worked")
def worked_markdown(derivation, values: Mapping[str, Any] | None = None, *,
                    mul_symbol: str | None = None, **_options: Any) -> str:
    """The worked solution in Markdown with ``$…$`` maths, one numbered item per layer."""
    times = r"\cdot" if mul_symbol in ("dot", "cdot") else r"\times"
    layers, closing = solve(derivation, values)
    from symparams.export.markdown import md_escape

    name = md_escape(derivation.network.name or "")
    out = [f"## Worked solution{': ' + name if name else ''}", ""]
    for i, sol in enumerate(layers, 1):
        out.append(f"{i}. **{md_escape(sol.row.name)}** ({_layer_line(sol.row, times)})")
        for s in sol.steps:
            out.append(f"   - {s.what}, ${s.formula}$ ({s.letters}): ${s.math(times)}$")
        if not sol.steps:
            out.append("   - " + _no_weights(sol.row, md_escape))
    out.append("")
    for s in closing:
        out.append(f"**{s.what.capitalize()}:** ${s.math(times)}$" + "  ")
    return "\n".join(out).rstrip() + "\n"


def worked_latex(derivation, values: Mapping[str, Any] | None = None, *,
                 mul_symbol: str | None = None, heading: bool = True) -> str:
    """The worked solution in LaTeX: an ``enumerate`` of layers, then the sums."""
    from symparams.export.latex import tex_escape

    times = r"\cdot" if mul_symbol in ("dot", "cdot") else r"\times"
    layers, closing = solve(derivation, values)
    out = [r"\subsection*{Worked solution}"] if heading else []
    out.append(r"\begin{enumerate}")
    for sol in layers:
        out.append(rf"  \item \textbf{{{tex_escape(sol.row.name)}}} "
                   rf"({tex_escape(sol.row.kind)}, ${_shape_text(sol.row.input_shape, times)}$ "
                   rf"to ${_shape_text(sol.row.output_shape, times)}$)")
        if not sol.steps and sol.row.layer.shares is not None:
            out.append(r"  \begin{itemize}")
            out.append(rf"    \item {_no_weights(sol.row, tex_escape)}")
            out.append(r"  \end{itemize}")
        if sol.steps:
            out.append(r"  \begin{itemize}")
            for s in sol.steps:
                out.append(rf"    \item {s.what}, ${s.formula}$ ({s.letters}): "
                           rf"${s.math(times)}$")
            out.append(r"  \end{itemize}")
    out.append(r"\end{enumerate}")
    for s in closing:
        out.append(rf"\noindent {s.what.capitalize()}: ${s.math(times)}$\par")
    return "\n".join(out) + "\n"


provide("worked_markdown")(worked_markdown)
provide("worked_latex")(worked_latex)
