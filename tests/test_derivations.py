"""Every network in derivations/ agrees with the figures its source publishes."""

from __future__ import annotations

from pathlib import Path

import pytest

import symparams

FILES = sorted((Path(__file__).parent.parent / "derivations").glob("*.toml"))


def test_there_are_derivations():
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_published_figures(path):
    spec = symparams.load(path)
    published = spec.published
    assert spec.source and published, f"{path.name} must give its source and published figures"
    derivation = spec.derive()
    values = published.get("values", {})
    numeric = derivation.subs(values)
    assert numeric.is_numeric()
    total = derivation.evaluate(values)
    assert type(total) is int
    assert total == published["total"]
    for key in ("trainable", "non_trainable"):
        if key in published:
            assert int(getattr(numeric, key)) == published[key]
    for variant in published.get("variants", []):  # the same formula at other values
        assert derivation.evaluate(variant["values"]) == variant["total"], variant["name"]
    order = published.get("shape_order", "HWC")
    for expected in published.get("layers", []):
        row = numeric.row(expected["name"])
        shape = row.output_shape.channels_first() if order == "CHW" else row.output_shape.dims()
        assert [int(d) for d in shape] == expected["output_shape"], expected["name"]
        assert int(row.params) == expected["params"], expected["name"]


def test_general_formula_is_symbolic_and_substitutes_to_lasagne():
    spec = symparams.load(Path(__file__).parent.parent / "derivations" / "general_icpcpho.toml")
    d = spec.derive()
    assert set(d.symbols) == {"n", "l", "c1", "k1", "q1", "c2", "k2", "q2", "h1", "o"}
    lasagne = symparams.load(Path(__file__).parent.parent / "derivations" / "mnist_lasagne.toml")
    assert d.evaluate(spec.published["values"]) == lasagne.derive().evaluate()
