"""Markdown export and the Jupyter display methods."""

from __future__ import annotations

import re
from pathlib import Path

import symparams
from symparams.export.markdown import to_markdown

ROOT = Path(__file__).resolve().parent.parent


def test_table_and_math() -> None:
    d = symparams.load(ROOT / "derivations" / "mnist_lasagne.toml").derive()
    text = to_markdown(d)
    lines = text.splitlines()
    header = lines.index("| Layer | Kind | Output shape | Parameters |")
    assert lines[header + 1] == "|---|---|---|---:|"
    # published Lasagne figures: conv1 832, hidden 205056, total 217706
    assert r"| conv1 | conv2d | $24 \times 24 \times 32$ | 832 |" in lines
    assert r"| hidden | dense | $256$ | 205,056 |" in lines
    assert "| **Total** | | | **217,706** |" in lines
    assert "$$" in lines and r"P = 832 + 9248 + 205\,056 + 2570 = 217\,706" in text


def test_symbolic_legend_and_conditions() -> None:
    text = to_markdown(symparams.parse("I-C-P-H-O").derive())
    assert "- $k_{1}$: kernel size of conv2d1" in text
    assert "The formulas hold when" in text
    assert re.search(r"^- \$.+ \\geq .+\$ \((conv2d1|maxpool1)\)$", text, re.M)
    # pipes inside a cell would break the table
    assert all(line.count("|") == 5 for line in text.splitlines() if line.startswith("| "))


def test_keras_trainable_rows() -> None:
    d = symparams.parse("I(8x8x3)-C(16,3)-B-O(10)").derive(convention="keras")
    text = to_markdown(d)
    assert "| **Non-trainable** | | | **32** |" in text


def test_worked_option() -> None:
    d = symparams.parse("I(28x28x1)-C(4,5)").derive()
    assert r"$(5 \times 5 \times 1 + 1) \times 4 = 104$" in to_markdown(d, worked=True)


def test_jupyter_reprs() -> None:
    d = symparams.parse("I(n x n x 1)-C(4,5)").derive()
    assert d._repr_latex_() == "$$P = 104$$"  # (5 * 5 * 1 + 1) * 4
    d = symparams.parse("I(n x n x 1)-C(c,5)").derive()
    assert d._repr_latex_() == "$$P = 26 c$$"
    assert d._repr_markdown_() == d.markdown()
    assert "| conv2d1 | conv2d |" in d._repr_markdown_()
