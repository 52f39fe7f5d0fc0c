"""Plain text (a summary table like Keras' ``model.summary()``) and JSON."""

from __future__ import annotations

import json

from symparams.export import register_format

CONVENTION_NOTES = {
    "pytorch": "PyTorch convention: BatchNorm running statistics are buffers, not parameters",
    "keras": "Keras convention: BatchNorm running statistics are non-trainable parameters",
}


def _table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    rule = "-" * max(len(l) for l in lines)
    return [lines[0], rule, *lines[1:], rule]


@register_format("text")
def to_text(derivation, **_options) -> str:
    """The per-layer table, the totals, the symbol legend and the conditions."""
    d = derivation
    rows = [["Layer", "Kind", "Output shape", "Params"],
            ["input", "input", str(d.input_shape), "0"]]
    rows += [[r.name, r.kind, str(r.output_shape), str(r.params)] for r in d.rows]
    out = []
    if d.network.name:
        out.append(d.network.name)
    out += _table(rows)
    out.append(f"Total params: {d.total}")
    out.append(f"Trainable params: {d.trainable}")
    out.append(f"Non-trainable params: {d.non_trainable}")
    out.append(f"({CONVENTION_NOTES[d.convention]}; shapes are channels-last)")
    legend = [(s, t) for s, t in d.legend if s in d.free_symbols]
    if legend:
        width = max(len(s.name) for s, _ in legend)
        out.append("")
        out.append("Symbols:")
        out += [f"  {s.name.ljust(width)}  {t}" for s, t in legend]
    if d.conditions:
        out.append("")
        out.append("Valid when:")
        out += [f"  {c.relation}    ({c.layer}: {c.reason})" for c in d.conditions]
    return "\n".join(out) + "\n"


@register_format("json")
def to_json(derivation, **_options) -> str:
    """One JSON object: ``layers``, ``total``, ``trainable``, ``non_trainable``,
    ``symbols``, ``conditions`` (numbers as integers, formulas as sympy text)."""
    return json.dumps(derivation.to_dict(), indent=2, ensure_ascii=False) + "\n"
