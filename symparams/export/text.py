"""Plain text (a summary like Keras' ``model.summary()`` and torchinfo) and JSON."""

from __future__ import annotations

import json

import sympy as sp

from symparams.export import register_format

CONVENTION_NOTES = {
    "pytorch": "PyTorch convention: BatchNorm running statistics are buffers, not parameters",
    "keras": "Keras convention: BatchNorm running statistics are non-trainable parameters",
}
MAX_TABLE_WIDTH = 100


def number(value: sp.Expr) -> str:
    """``217,706`` for a number, as Keras and torchinfo print it; a formula as sympy text."""
    return f"{int(value):,}" if value.is_Integer else str(value)


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    rule = "-" * max(len(l) for l in lines)
    return [lines[0], rule, *lines[1:], rule]


def _blocks(rows: list[list[str]]) -> list[str]:
    """One block per layer, for formulas too wide for a table."""
    out = []
    for name, kind, shape, params in rows[1:]:
        out += [f"{name} ({kind})", f"  output: {shape}", f"  params: {params}"]
    return out


@register_format("text")
def to_text(derivation, **_options) -> str:
    """The per-layer table, the totals, the symbol legend and the conditions."""
    d = derivation
    rows = [["Layer", "Kind", "Output shape", "Params"],
            ["input", "input", str(d.input_shape), "0"]]
    rows += [[r.name, r.kind, str(r.output_shape), number(r.params)] for r in d.rows]
    out = [d.network.name] if d.network.name else []
    table = _table(rows)
    out += table if max(len(l) for l in table) <= MAX_TABLE_WIDTH else _blocks(rows) + [""]
    out.append(f"Total params: {number(d.total)}")
    out.append(f"Trainable params: {number(d.trainable)}")
    out.append(f"Non-trainable params: {number(d.non_trainable)}")
    out.append(f"({CONVENTION_NOTES[d.convention]}; shapes are channels-last)")
    legend = [(s, t) for s, t in d.legend if s in d.free_symbols]
    if legend:
        width = max(len(s.name) for s, _ in legend)
        out += ["", "Symbols:"] + [f"  {s.name.ljust(width)}  {t}" for s, t in legend]
    if d.conditions:
        out += ["", "Valid when:"]
        out += [f"  {c.relation}    ({c.layer}: {c.reason})" for c in d.conditions]
    return "\n".join(out) + "\n"


@register_format("json")
def to_json(derivation, **_options) -> str:
    """One JSON object: ``layers``, ``total``, ``trainable``, ``non_trainable``,
    ``symbols``, ``conditions`` (numbers as integers, formulas as sympy text)."""
    return json.dumps(derivation.to_dict(), indent=2, ensure_ascii=False) + "\n"
