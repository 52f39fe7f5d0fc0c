"""Worked solutions in textbook order: each step names its layer and its formula, puts
the numbers into the formula as written, and only then gives the value::

    conv2d1, parameters (n × m × l + 1) × k:  (5 × 5 × 1 + 1) × 4 = 104

A step's arithmetic is a small tree of :class:`Term` nodes that prints as LaTeX and
evaluates with exact fractions; its value must equal the engine's (else the step falls
back to the layer's weight shapes, which are the engine's own numbers).  Worked
solutions need numbers: symbols left unset raise :class:`MissingValueError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

import sympy as sp

from symparams.core.errors import MissingValueError
from symparams.core.working import Step, add, integer, mul, num, sub
from symparams.core.provided import provide
from symparams.export import register_format

def size_steps(row) -> list[Step]:
    """Output-size steps of a row, as its layer kind writes them."""
    return row.layer.worked_sizes(row)


def param_steps(row, convention: str) -> list[Step]:
    """Parameter steps: the layer kind's textbook formula, or the weight shapes of any
    other layer with weights (and of a frozen layer).  A textbook step whose working
    does not give the engine's value (which cannot happen unless a layer's maths
    changed) is replaced by the weight shapes, which are the engine's own numbers."""
    if not row.weights:
        return []
    if not row.layer.trainable:  # frozen: its weights, all non-trainable
        return _generic(row, convention)
    steps = row.layer.worked_params(row, convention)
    if steps is None or any(step.working.value() != step.value for step in steps):
        return _generic(row, convention)
    return steps


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
            f"${_tex_name(w.name)}: " + " \\times ".join(str(integer(x)) for x in w.shape) + "$"
            for w in weights)
        term = add(*(mul(*(integer(x) for x in w.shape)) for w in weights))
        steps.append(Step(row.name, what, formula, letters, term, integer(value)))
    return steps


def _tex_name(name: str) -> str:
    """A weight's name as a LaTeX symbol: ``W``, ``b``, ``\\gamma``, ``\\text{running\\_mean}``."""
    if name in ("gamma", "beta", "alpha"):
        return "\\" + name
    if len(name) == 1:
        return name
    from symparams.export.latex import tex_escape

    return r"\text{" + tex_escape(name) + "}"


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


def mac_steps(row) -> list[Step]:
    """The multiply–accumulates of a row with any: its layer kind's textbook form
    (``24 × 24 × 4 × (5 × 5 × 1)``), else the value as derived."""
    if row.macs == 0:
        return []
    if row.layer.composite:
        return composite_steps(row, "macs")
    steps = row.layer.worked_macs(row)
    if steps is None or any(step.working.value() != step.value for step in steps):
        value = integer(row.macs)
        return [Step(row.name, "MACs", r"\text{MACs}", "multiply–accumulates, as derived",
                     num(value), value)]
    return steps


def solve(derivation, values: Mapping[str, Any] | None = None, *, macs: bool = False
          ) -> tuple[list[LayerSolution], list[Step]]:
    """The worked steps of every row, then the closing sums (total, and trainable and
    non-trainable when they differ); ``macs`` adds each row's multiply–accumulates and
    their sum."""
    d = derivation.subs(values) if values else derivation
    if not d.is_numeric():
        try:
            d.evaluate()
        except MissingValueError as err:
            raise MissingValueError(f"a worked solution needs numbers: {err} "
                                    "(give them with --set NAME=VALUE)") from None
    layers = [LayerSolution(r, (composite_steps(r) if r.layer.composite else
                                size_steps(r) + param_steps(r, d.convention))
                            + (mac_steps(r) if macs else []))
              for top in d.rows for r in _children_first(top)]
    closing = [_sum_step("total parameters", [r.params for r in d.rows], d.total)]
    if macs:
        closing.append(_sum_step("total MACs", [r.macs for r in d.rows], d.macs))
    if d.non_trainable != 0:
        closing.append(_sum_step("trainable", [r.trainable for r in d.rows], d.trainable))
        closing.append(_sum_step("non-trainable", [r.non_trainable for r in d.rows],
                                 d.non_trainable))
    return layers, closing


def _children_first(row) -> list:
    """The row's layers (depth first), then the row: a block or repeat is summed up
    after the layers it sums, as a textbook would."""
    return [r for c in row.children for r in _children_first(c)] + [row]


def composite_steps(row, count: str = "params") -> list[Step]:
    """A block's count is the sum of its layers' (listed before it); a repeat's is its
    copies': ``t × P`` or, when the first copy differs, ``P₁ + (t − 1) × P₂``, P the sum
    of a copy's layers.  ``count``: ``"params"`` (P, parameters) or ``"macs"`` (M)."""
    value = integer(getattr(row, count))
    if value == 0:
        return []
    what, letter, noun = ("parameters", "P", "parameters") if count == "params" else \
        ("MACs", "M", "multiply–accumulates")
    copies = {copy: sum(integer(getattr(c, count)) for c in rows)
              for copy, rows in row.copies().items()}
    times = getattr(row.layer, "times", None)
    if times is None:
        return [Step(row.name, what, rf"\sum_i {letter}_i", "the sum of its layers",
                     add(*[integer(getattr(c, count)) for c in row.children
                           if getattr(c, count) != 0]), value)]
    t = integer(times)
    if len(copies) == 1 or t == 1:
        return [Step(row.name, what, rf"t \times {letter}",
                     f"t copies of {letter} {noun}, the sum of a copy's layers above",
                     mul(t, copies["1"]), value)]
    if len(copies) == 2:
        return [Step(row.name, what, rf"{letter}_1 + (t - 1) \times {letter}_2",
                     f"t copies: the first has {letter}₁ {noun}, each other {letter}₂",
                     add(copies["1"], mul(sub(t, 1), copies["2"])), value)]
    return [Step(row.name, what, rf"\sum_i {letter}_i", "the sum of its copies",
                 add(*copies.values()), value)]


def _no_weights(row, escape) -> str:
    """What a row without parameter steps says instead."""
    if row.layer.shares is not None:
        return f"its weights are those of {escape(row.layer.shares)}, counted there"
    if row.layer.ties is not None:
        return (f"its matrix is that of {escape(row.layer.ties)} (tied), counted there; "
                "no other weights")
    if row.output_shape == row.input_shape:
        return "no weights; shape unchanged"
    if row.output_shape.is_vector and not row.input_shape.is_vector and \
            row.output_shape.channels == row.input_shape.channels:
        return "no weights; one value per channel"
    return "no weights"


def _sum_step(what: str, parts: list[sp.Expr], total: sp.Expr) -> Step:
    values = [integer(p) for p in parts if p != 0] or [0]
    return Step("", what, "", "", add(*values), integer(total))


def _shape_text(shape, times: str) -> str:
    return f" {times} ".join(str(integer(x)) for x in shape.dims())


def _layer_line(row, times: str) -> str:
    from symparams.export.markdown import md_escape

    return (f"{md_escape(row.kind)}, ${_shape_text(row.input_shape, times)}$ to "
            f"${_shape_text(row.output_shape, times)}$")


def _macs_asked(costs: Any) -> bool:
    """Whether a worked solution writes the MACs: ``macs`` asked; other costs have no
    worked steps yet, and asking for them is an error rather than silence."""
    from symparams.export.costs import cost_names

    names = cost_names(costs)
    other = [n for n in names if n != "macs"]
    if other:
        from symparams.core.errors import SpecError

        raise SpecError(f"worked solutions write the MACs only (--costs macs), not "
                        f"{', '.join(other)}")
    return "macs" in names


@register_format("worked")
def worked_markdown(derivation, values: Mapping[str, Any] | None = None, *,
                    mul_symbol: str | None = None, costs: Any = None, **_options: Any) -> str:
    """The worked solution in Markdown with ``$…$`` maths, one numbered item per layer;
    ``costs=("macs",)`` adds the multiply–accumulates."""
    times = r"\cdot" if mul_symbol in ("dot", "cdot") else r"\times"
    layers, closing = solve(derivation, values, macs=_macs_asked(costs))
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
        out.append(f"**{s.what[:1].upper() + s.what[1:]}:** ${s.math(times)}$" + "  ")
    return "\n".join(out).rstrip() + "\n"


def worked_latex(derivation, values: Mapping[str, Any] | None = None, *,
                 mul_symbol: str | None = None, heading: bool = True,
                 costs: Any = None) -> str:
    """The worked solution in LaTeX: an ``enumerate`` of layers, then the sums
    (``costs=("macs",)`` adds the multiply–accumulates)."""
    from symparams.export.latex import tex_escape

    times = r"\cdot" if mul_symbol in ("dot", "cdot") else r"\times"
    layers, closing = solve(derivation, values, macs=_macs_asked(costs))
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
        out.append(rf"\noindent {s.what[:1].upper() + s.what[1:]}: ${s.math(times)}$\par")
    return "\n".join(out) + "\n"


provide("worked_markdown")(worked_markdown)
provide("worked_latex")(worked_latex)
