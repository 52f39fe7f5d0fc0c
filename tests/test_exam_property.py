"""For many seeds, every answer in every format equals the engine's value for the
variant's spec (parsed again from its text): JSON, Moodle XML, Markdown and LaTeX."""

from __future__ import annotations

import json
import re
from math import prod
import xml.etree.ElementTree as ET

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symparams
from symparams.export.exam import builtin, generate
from symparams.export.exam import jsonout, latex, markdown, moodle
from symparams.export.exam.template import BUILTIN, fill
from tests.torch_required import examples


def engine(entry: dict, template) -> object:
    """The answer the engine gives for a JSON entry, from its spec text alone."""
    d = symparams.parse(entry["spec"]).derive()
    kind = entry["type"]
    layer = re.search(r"layer (\d+)", entry["question"])
    if kind == "total":
        return d.evaluate()
    if kind == "params":
        return int(d.row(int(layer.group(1))).params)
    if kind == "shape":
        return [int(x) for x in d.row(int(layer.group(1))).output_shape.dims()]
    if kind == "flatten":
        return next(int(r.output_shape.channels) for r in d.rows if r.kind == "flatten")
    if kind == "largest":
        params = [int(r.params) for r in d.rows]
        return params.index(max(params)) + 1
    if kind == "table":
        return [int(x) for r in d.rows for x in (*r.output_shape.dims(), r.params)]
    if kind == "compare":
        a, b = d.evaluate(), symparams.parse(entry["other_spec"]).derive().evaluate()
        assert a != b
        return 1 if a < b else 2
    if kind == "input_size":
        n = entry["answer"]
        sym = "n"
        target = d.row(int(layer.group(1))).output_shape.dims()
        values = {**entry["values"], sym: n}
        at = symparams.parse(fill(template.network, values)).derive()
        assert at.row(int(layer.group(1))).output_shape.dims() == target
        if n > 1:  # the smallest: n - 1 gives another shape or no valid network
            try:
                below = symparams.parse(fill(template.network, {**values, sym: n - 1})).derive()
                assert not below.valid({}) or \
                    below.row(int(layer.group(1))).output_shape.dims() != target
            except symparams.ShapeError:
                pass
        return n
    if kind == "macs":  # one multiply-accumulate per weight and output position
        row = d.row(int(layer.group(1)))
        (weight,) = [w for w in row.weights if w.name == "W"]
        per_position = prod(int(x) for x in weight.shape)
        dims = [int(x) for x in row.output_shape.dims()]
        return per_position * (prod(dims[:-1]) if row.kind.startswith("conv") else 1)
    raise AssertionError(kind)


@settings(max_examples=examples(15), deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(name=st.sampled_from(sorted(BUILTIN)), seed=st.integers(0, 2 ** 32 - 1))
def test_every_answer_in_every_format_equals_the_engine(name, seed):
    template = builtin(name)
    exam = generate(template, count=3, seed=seed)
    data = json.loads(jsonout.write(exam))
    for entry in data["variants"]:
        assert entry["answer"] == engine(entry, template), entry["spec"]
        assert all(x["answer"] != entry["answer"] for x in entry["distractors"])
    by_key = {(e["seed"], e["number"]): e["answer"] for e in data["variants"]}
    # Moodle: parsed back, each answer equal to JSON's (= the engine's)
    for q in moodle.validate(moodle.write(exam)):
        seed_, number = re.search(r"Q(\d+) .*\(seed (\d+)\)", q["name"]).group(2, 1)
        got = q["answer"]
        assert (list(got) if isinstance(got, (tuple, list)) else got) == by_key[(int(seed_), int(number))]
    # Markdown and LaTeX: the answer line holds the same number
    md, tex = markdown.write(exam), latex.write(exam, answers=True)
    for (vseed, number), answer in by_key.items():
        if isinstance(answer, list):
            text = r" \times ".join(map(str, answer)) if len(answer) <= 3 else None
        else:
            text = str(answer)
        if text is not None:
            assert f"**Answer:** ${text}$" in md
            assert rf"\textbf{{Answer:}} ${text}$" in tex
