"""Every network in derivations/ agrees with the figures its source publishes.

:func:`check_published` checks every figure of a spec file's ``[published]`` table: the
total, trainable and non-trainable counts and per-layer shapes and counts, at
``values``; each ``[[published.variants]]`` (the same formula at other values) and the
``[published.keras]`` figures (the Keras convention) likewise.  An unknown key is an
error, so a misspelt figure is never silently left unchecked.  tests/test_docs_examples.py
applies it to the spec files shown in the documentation too.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import symparams

FILES = sorted((Path(__file__).parent.parent / "derivations").glob("*.toml"))
FIGURES = {"total", "trainable", "non_trainable", "layers"}
KEYS = FIGURES | {"name", "values", "shape_order", "variants", "keras"}


def check_figures(derivation, figures: dict[str, Any], values: dict[str, Any],
                  order: str, where: str) -> int:
    """Check one set of figures against ``derivation`` at ``values``; how many were checked."""
    numeric = derivation.subs(values)
    assert numeric.is_numeric(), f"{where}: symbols left unset: {sorted(numeric.symbols)}"
    checked = 0
    if "total" in figures:
        total = derivation.evaluate(values)
        assert type(total) is int
        assert total == figures["total"], f"{where}: total"
        checked += 1
    for key in ("trainable", "non_trainable"):
        if key in figures:
            assert int(getattr(numeric, key)) == figures[key], f"{where}: {key}"
            checked += 1
    for expected in figures.get("layers", []):
        assert set(expected) <= {"name", "output_shape", "params"}, f"{where}: {expected}"
        row = numeric.row(expected["name"])
        if "output_shape" in expected:
            shape = row.output_shape.channels_first() if order == "CHW" else row.output_shape.dims()
            assert [int(d) for d in shape] == expected["output_shape"], f"{where}: {expected['name']}"
            checked += 1
        if "params" in expected:
            assert int(row.params) == expected["params"], f"{where}: {expected['name']}"
            checked += 1
    return checked


def check_published(spec) -> int:
    """Check every figure of ``spec.published``; how many figures were checked."""
    published = spec.published
    unknown = set(published) - KEYS
    assert not unknown, f"unknown keys in [published]: {sorted(unknown)}"
    order = published.get("shape_order", "HWC")
    assert order in ("HWC", "CHW")
    values = published.get("values", {})
    derivation = spec.derive()
    checked = check_figures(derivation, published, values, order, "published")
    for variant in published.get("variants", []):
        unknown = set(variant) - FIGURES - {"name", "values"}
        assert not unknown, f"unknown keys in a variant: {sorted(unknown)}"
        assert variant.keys() & FIGURES, f"variant {variant.get('name')} has no figure"
        checked += check_figures(derivation, variant, variant.get("values", values), order,
                                 f"variant {variant.get('name')}")
    if "keras" in published:
        keras = published["keras"]
        assert not set(keras) - FIGURES - {"values"}, f"unknown keys in [published.keras]: {keras}"
        checked += check_figures(spec.derive(convention="keras"), keras,
                                 keras.get("values", values), order, "published.keras")
    return checked


def test_there_are_derivations():
    assert len(FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_published_figures(path):
    spec = symparams.load(path)
    assert spec.source and spec.published, f"{path.name} must give its source and published figures"
    assert "total" in spec.published
    assert check_published(spec) >= 1


def test_a_wrong_figure_is_caught(tmp_path):
    """The checker fails on a wrong total, layer, variant or Keras figure, and on a typo."""
    base = ('name = "t"\nsource = "s"\nnotation = "I(n x n x 1)-C(c,5)"\n'
            '[published]\nvalues = { n = 28, c = 4 }\n')
    good = base + 'total = 104\nlayers = [ { name = "conv2d1", output_shape = [24, 24, 4], params = 104 } ]\n'
    path = tmp_path / "t.toml"
    path.write_text(good)
    assert check_published(symparams.load(path)) == 3
    for bad in (base + "total = 105\n",
                base + 'total = 104\nlayers = [ { name = "conv2d1", output_shape = [24, 24, 5] } ]\n',
                base + "totl = 104\n",
                good + '[[published.variants]]\nname = "v"\nvalues = { n = 28, c = 8 }\ntotal = 104\n',
                good + "[published.keras]\ntotal = 1\n"):
        path.write_text(bad)
        with pytest.raises(AssertionError):
            check_published(symparams.load(path))


def test_general_formula_is_symbolic_and_substitutes_to_lasagne():
    spec = symparams.load(Path(__file__).parent.parent / "derivations" / "general_icpcpho.toml")
    d = spec.derive()
    assert set(d.symbols) == {"n", "l", "c1", "k1", "q1", "c2", "k2", "q2", "h1", "o"}
    lasagne = symparams.load(Path(__file__).parent.parent / "derivations" / "mnist_lasagne.toml")
    assert d.evaluate(spec.published["values"]) == lasagne.derive().evaluate()
