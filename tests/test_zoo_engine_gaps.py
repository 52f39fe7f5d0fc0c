"""What the CNN zoo needs from the engine and does not get yet (xfail, strict).

Each test is the smallest network that shows the gap; the zoo file works around it
without changing a number, and says how.
"""

from __future__ import annotations

import pytest

from symparams.notation.compact import parse

DENSE = "d(k) = { | B-A(relu)-C(4*k,1,bias=false)-B-A(relu)-C(k,3,p=1,bias=false)};"


def test_a_numeric_repeat_of_a_growing_dense_layer_unrolls():
    """With a number of copies and a numeric growth rate the repeat is unrolled."""
    d = parse(DENSE + "I(n x n x 64)-(d(32))x2").derive()
    assert str(d.row("repeat1").output_shape) == "n × n × 128"


@pytest.mark.xfail(strict=True, reason=(
    "Repeat.derive_in asks same_shape(copy 1's output, its input); with a symbolic growth "
    "rate the channels 3k and 2k are neither equal nor different by numbers, so the repeat "
    "assumes its copies keep the shape under the condition 3k = 2k, which is false for a "
    "positive k: ShapeError 'the body of repeat1 keeps its input shape', even though the "
    "count is a number and the copies could be unrolled. densenet121.toml writes its 58 "
    "dense layers out one by one instead of (denselayer(k))x6 etc."))
def test_a_numeric_repeat_of_a_symbolically_growing_dense_layer_unrolls():
    d = parse(DENSE + "I(n x n x 2*k)-(d(k))x2").derive()
    assert str(d.row("repeat1").output_shape) == "n × n × (4*k)"
    assert d.total == parse(DENSE + "I(n x n x 2*k)-d(k)-d(k)").derive().total
