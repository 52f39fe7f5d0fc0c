"""Golden exam files for a fixed seed (formatting), their numbers checked independently
by plain arithmetic written here.  Regenerate with
``SYMPARAMS_REGEN_GOLDEN=1 python -m pytest tests/test_exam_golden.py``."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from symparams.export.exam import builtin, generate
from symparams.export.exam import jsonout, latex, markdown, moodle
from tests.test_exam import mnist_total

GOLDEN = Path(__file__).parent / "golden"
CASES = [("mnist_cnn", "md"), ("mnist_cnn", "tex"), ("mnist_cnn", "xml"), ("mnist_cnn", "json"),
         ("dense", "xml"), ("dense", "json"), ("cnn_same", "json"), ("cnn_same", "md")]


def render(name: str, suffix: str) -> str:
    exam = generate(builtin(name), count=2, seed=7)
    return {"md": markdown.write, "xml": moodle.write, "json": jsonout.write,
            "tex": lambda e: latex.write(e, answers=True)}[suffix](exam)


@pytest.mark.parametrize("name, suffix", CASES, ids=lambda x: str(x))
def test_golden(name, suffix):
    golden = GOLDEN / f"exam_{name}_seed7.{suffix}"
    text = render(name, suffix)
    if os.environ.get("SYMPARAMS_REGEN_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}; run with SYMPARAMS_REGEN_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


def test_golden_mnist_numbers_by_plain_arithmetic():
    data = json.loads((GOLDEN / "exam_mnist_cnn_seed7.json").read_text(encoding="utf-8"))
    for e in data["variants"]:
        c1, k1, c2, c3, h = (e["values"][k] for k in ("c1", "k1", "c2", "c3", "h"))
        first = 28 - k1 + 1
        pooled = first // 2
        flat = ((pooled - 2) // 2 - 2) ** 2 * c3
        expected = {"shape": [pooled, pooled, c1], "flatten": flat,
                    "params": (k1 * k1 * 1 + 1) * c1, "total": mnist_total(c1, k1, c2, c3, h),
                    "largest": 7,  # dense1 ((flat + 1) * h) outweighs every other layer here
                    # conv2d2: (pooled - 2)² outputs of c2 filters, each 3 × 3 × c1 MACs
                    "macs": (pooled - 2) ** 2 * c2 * 3 * 3 * c1}
        assert e["answer"] == expected[e["type"]], (e["type"], e["values"])


def test_golden_dense_numbers_by_plain_arithmetic():
    data = json.loads((GOLDEN / "exam_dense_seed7.json").read_text(encoding="utf-8"))
    for e in data["variants"]:
        n, h1, h2, o = (e["values"][k] for k in ("n", "h1", "h2", "o"))
        layers = [(n + 1) * h1, (h1 + 1) * h2, (h2 + 1) * o]
        if e["type"] == "params":
            assert e["answer"] == layers[0]
        elif e["type"] == "total":
            assert e["answer"] == sum(layers)
            assert {x["mistake"]: x["answer"] for x in e["distractors"]} == {
                "forgetting the bias": n * h1 + h1 * h2 + h2 * o}
        elif e["type"] == "table":
            assert e["answer"] == [h1, layers[0], h2, layers[1], o, layers[2]]
