"""Markdown: a GitHub table (layer, kind, output shape, parameters) and ``$$`` maths for
the total, the legend and the conditions.  Formulas come from the LaTeX printer.

Names are user text: :func:`md_escape` makes them literal text (no HTML, link, emphasis,
code span or table cell break), whatever they contain."""

from __future__ import annotations

from symparams.core.provided import provide

import html
import re
from typing import Any, Mapping

from symparams.core.errors import printable
from symparams.export import register_format
from symparams.export.costs import (convention, cost_names, headings, input_values, row_values,
                                     total_values)
from symparams.export.latex import CONVENTION_TEXT, layer_params_expr, printer, \
    shape_tex, total_tex


# ``_`` between two letters or digits cannot start emphasis (``dense_1`` stays as is)
_MD_SPECIAL = re.compile(r"([\\`*\[\]#|~$]|(?<![^\W_])_|_(?![^\W_]))")


def md_escape(text: str) -> str:
    """Text (a layer or network name) as literal Markdown (GitHub flavour): control
    characters as escapes (``\\n``), Markdown's specials backslash-escaped, and
    ``& < >`` as HTML entities.  Safe in headings, list items and table cells."""
    return html.escape(_MD_SPECIAL.sub(r"\\\1", printable(text)), quote=False)


def _cell(text: str) -> str:
    return text.replace("|", r"\|")


@register_format("markdown")
def to_markdown(derivation, *, worked: bool = False, values: Mapping[str, Any] | None = None,
                symbol: str = "P", mul_symbol: str | None = None,
                symbol_names: Mapping[str, str] | None = None, costs: Any = None,
                cost_options: dict | None = None, **_options: Any) -> str:
    """The table, the total as ``$$ … $$``, the legend and the conditions; ``worked=True``
    appends the worked solution (it needs numbers)."""
    p = printer(mul_symbol=mul_symbol, symbol_names=symbol_names)
    d = derivation
    out = [f"## {md_escape(d.network.name)}", ""] if d.network.name else []
    names = cost_names(costs)
    extra = "".join(f" {h} |" for h in headings(names))

    def cell(value) -> str:
        return f"{int(value):,}" if value.is_Integer else f"${_cell(p.doprint(value))}$"

    out += ["| Layer | Kind | Output shape | Parameters |" + extra,
            "|---|---|---|---:|" + "---:|" * len(names),
            f"| input | input | ${_cell(shape_tex(d.input_shape, p))}$ | 0 |"
            + "".join(f" {cell(v)} |" for v in input_values(d, names, cost_options))]
    for r in d.rows:
        params = f"{int(r.params):,}" if r.params.is_Integer else \
            f"${_cell(p.doprint(layer_params_expr(r)))}$"
        out.append(f"| {md_escape(r.name)} | {md_escape(r.kind)} | ${_cell(shape_tex(r.output_shape, p))}$ "
                   f"| {params} |" + "".join(f" {cell(v)} |" for v in row_values(r, names, cost_options)))
    cost_totals = "".join(f" **{cell(v)}** |" for _, v in total_values(d, names, cost_options))
    for i, (label, value) in enumerate(_totals(d)):
        # a symbolic total is the equation's P below; written out here it repeats it
        # numbers grouped like the text summary (9,248); the maths groups as LaTeX does
        text = f"{int(value):,}" if value.is_Integer else f"${symbol}$" if i == 0 else \
            f"${_cell(p.doprint(value))}$"
        out.append(f"| **{label}** | | | **{text}** |" + (cost_totals if i == 0
                                                          else " |" * len(names)))
    out += ["", "$$", total_tex(d, p, symbol, values=values), "$$", ""]
    legend = [(s, t) for s, t in d.legend if s in d.free_symbols]
    if legend:
        out.append(f"where ${symbol}$ is the number of parameters and")
        out.append("")
        out += [f"- ${p.doprint(s)}$: {md_escape(t)}" for s, t in legend]
        out.append("")
    if any(r.kind == "batchnorm" for r in d.all_rows()):
        out.append(CONVENTION_TEXT[d.convention])
    if names:
        out += ["", f"Costs: {convention(names, cost_options or {})}."]
    if d.conditions:
        out += ["", "The formulas hold when", ""]
        out += [f"- ${p.doprint(c.relation)}$ ({md_escape(c.tag)})" for c in d.conditions]
    text = "\n".join(out) + "\n"
    if worked:
        from symparams.export.worked import worked_markdown

        text += "\n" + worked_markdown(d, values, mul_symbol=mul_symbol,
                                       costs=("macs",) if "macs" in names else None)
    return text


def _totals(d) -> list[tuple[str, Any]]:
    out = [("Total", d.total)]
    if d.non_trainable != 0:
        out += [("Trainable", d.trainable), ("Non-trainable", d.non_trainable)]
    return out


provide("markdown")(to_markdown)
