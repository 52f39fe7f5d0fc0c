"""Plain text (a summary like Keras' ``model.summary()`` and torchinfo) and JSON.

Names are user text: every line of the text output is made printable (control
characters such as ANSI escapes, ``\\r`` and ``\\n`` shown as escapes), and JSON escapes
every non-printable character, so neither can drive a terminal."""

from __future__ import annotations

import json
from typing import Any

import sympy as sp

from symparams.core.derivation import jsonable
from symparams.core.printing import text
from symparams.core.errors import printable
from symparams.core.provided import provide
from symparams.export import register_format
from symparams.export.costs import (convention, cost_names, headings, input_values, row_values,
                                     total_values)

CONVENTION_NOTES = {
    "pytorch": "PyTorch convention: BatchNorm running statistics are buffers, not parameters",
    "keras": "Keras convention: BatchNorm running statistics are non-trainable parameters",
}
MAX_TABLE_WIDTH = 100


def shape_text(shape, times: str = " × ") -> str:
    """``24 × 24 × 4``; a compound size in parentheses, in the text order."""
    dims = shape.dims()
    if len(dims) == 1:
        return text(dims[0])
    return times.join(text(d) if d.is_Atom or isinstance(d, (sp.floor, sp.ceiling))
                      else f"({text(d)})" for d in dims)


def _peak_is_cheap(derivation) -> bool:
    """The symbolic peak is a Max over every row, which sympy prunes pair by pair: shown
    for a numeric network, or one of at most 40 rows."""
    return derivation.is_numeric() or len(derivation.rows) <= 40


def number(value: sp.Expr, *, factor: bool = False) -> str:
    """``217,706`` for a number, as Keras and torchinfo print it; a formula as sympy text,
    with ``factor``, its common factor taken out where that is shorter (a repeat's
    ``295424*(L2 - 1)``, not ``295424*L2 - 295424``)."""
    if value.is_Integer:
        return f"{int(value):,}"
    written = text(value)
    if factor and value.is_Add and len(value.args) <= 8:
        factored = text(sp.factor_terms(value))
        if len(factored) < len(written):
            return factored
    return written


def text_table(rows: list[list[str]], numbers_from: int | None = None) -> list[str]:
    """A header row, a rule, the rows and a rule, columns aligned: left, and right from
    column ``numbers_from`` on (counts, as torchinfo aligns them)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    right = len(widths) if numbers_from is None else numbers_from
    lines = ["  ".join(c.rjust(w) if i >= right else c.ljust(w)
                       for i, (c, w) in enumerate(zip(r, widths))).rstrip() for r in rows]
    rule = "-" * max(len(l) for l in lines)
    return [lines[0], rule, *lines[1:], rule]


def _blocks(rows: list[list[str]]) -> list[str]:
    """One block per layer, for formulas too wide for a table."""
    out = []
    headings = rows[0][4:]
    for name, kind, shape, params, *costs in rows[1:]:
        out += [f"{name} ({kind})", f"  output: {shape}", f"  params: {params}"]
        out += [f"  {h}: {c}" for h, c in zip(headings, costs)]
    return out


@register_format("text")
def to_text(derivation, *, costs: Any = None, cost_options: dict | None = None,
            **_options) -> str:
    """The per-layer table, the totals, the symbol legend and the conditions;
    ``costs`` (``"macs,flops,activations"``) adds their columns and totals."""
    d = derivation
    names = cost_names(costs)
    rows = [["Layer", "Kind", "Output shape", "Params", *headings(names)],
            ["input", "input", shape_text(d.input_shape), "0",
             *(number(v) for v in input_values(d, names, cost_options))]]
    rows += [[r.name, r.kind, shape_text(r.output_shape), number(r.params, factor=True),
              *(number(v, factor=True) for v in row_values(r, names, cost_options))]
             for r in d.rows]
    rows = [[printable(cell) for cell in r] for r in rows]  # widths of what is shown
    out = [d.network.name] if d.network.name else []
    table = text_table(rows, numbers_from=3)
    out += table if max(len(l) for l in table) <= MAX_TABLE_WIDTH else _blocks(rows) + [""]
    out.append(f"Total params: {number(d.total)}")
    out.append(f"Trainable params: {number(d.trainable)}")
    out.append(f"Non-trainable params: {number(d.non_trainable)}")
    for label, value in total_values(d, names, cost_options):
        out.append(f"Total {label}: {number(value)}")
    if "activations" in names and _peak_is_cheap(d):
        out.append(f"Peak activations (inference): {number(d.activation_peak())}")
    if any(r.kind == "batchnorm" for r in d.all_rows()):
        out.append(f"({CONVENTION_NOTES[d.convention]}; shapes are channels-last)")
    else:
        out.append("(shapes are channels-last)")
    hint = _one_dimensional_hint(d)
    if hint:
        out.append(hint)
    if names:
        out.append(f"({convention(names, cost_options or {})})")
    legend = [(s, t) for s, t in d.legend if s in d.free_symbols]
    if legend:
        width = max(len(printable(s.name)) for s, _ in legend)
        out += ["", "Symbols:"] + [f"  {printable(s.name).ljust(width)}  {t}" for s, t in legend]
    if d.conditions:
        out += ["", "Valid when:"]
        out += [f"  {text(c.relation)}    ({c.layer}: {c.reason})" for c in d.conditions]
    # user text is in many lines (names, legend, reasons): escape line by line
    return "\n".join(printable(line) for line in out) + "\n"


def _one_dimensional_hint(d) -> str:
    """A newcomer's ``I(28x28)`` is a 28-long signal of 28 channels, so its convolutions
    are 1-D: say so when a 1-D layer follows a square two-size input, with the image
    spelling."""
    shape = d.input_shape
    if shape.sequence or len(shape.spatial) != 1 or shape.spatial[0] != shape.channels \
            or not any(r.kind.endswith("1d") for r in d.all_rows()):
        return ""  # I(100x3) or I(T x d) mean a signal; I(28x28) or I(n x n) an image
    size, channels = (text(x) for x in shape.dims())
    image = f"I({size}x{channels}x1)" if shape.channels.is_Integer else \
        f"I({size} x {channels} x 1)"
    return (f"(the input {size} × {channels} is a length-{size} signal with {channels} "
            f"channels, so 1-D layers follow; an image is {image})")


@register_format("json")
def to_json(derivation, *, costs: Any = None, cost_options: dict | None = None,
            **_options) -> str:
    """One JSON object: ``layers``, ``total``, ``trainable``, ``non_trainable``,
    ``symbols``, ``conditions`` (numbers as integers, formulas as sympy text); with
    ``costs``, each layer and the whole get ``macs``, ``flops``, ``activations``."""
    data = derivation.to_dict()
    names = cost_names(costs)
    if names:
        for layer, row in zip(data["layers"], derivation.rows):
            layer.update(zip(names, (jsonable(v) for v in row_values(row, names, cost_options))))
        data["costs"] = {n: jsonable(v) for n, (_, v) in
                         zip(names, total_values(derivation, names, cost_options))}
        if "activations" in names and _peak_is_cheap(derivation):
            data["costs"]["activation_peak"] = jsonable(derivation.activation_peak())
        data["cost_convention"] = convention(names, cost_options or {})
    text = json.dumps(data, indent=2, ensure_ascii=False)
    # json.dumps escapes only U+0000-U+001F; escape DEL, C1 controls (U+009B starts an
    # ANSI sequence), line separators and the like too; they only occur inside strings
    return "".join(ch if ch.isprintable() or ch == "\n" else json.dumps(ch)[1:-1]
                   for ch in text) + "\n"


@register_format("csv")
def to_csv(derivation, *, costs: Any = None, cost_options: dict | None = None,
           **_options) -> str:
    """The per-layer table as CSV: name, kind, output shape (sizes joined by ``x``,
    channels last), parameters (and the costs asked for); formulas as sympy text."""
    import csv
    import io

    d = derivation
    names = cost_names(costs)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["layer", "kind", "output_shape", "params", *names])
    writer.writerow(["input", "input", shape_text(d.input_shape, " x "), 0,
                     *(text(v) for v in input_values(d, names, cost_options))])
    for r in d.rows:
        writer.writerow([printable(r.name), r.kind, shape_text(r.output_shape, " x "),
                         text(r.params), *(text(v) for v in row_values(r, names, cost_options))])
    writer.writerow(["total", "", "", text(d.total),
                     *(text(v) for _, v in total_values(d, names, cost_options))])
    return buffer.getvalue()


provide("text")(to_text)
