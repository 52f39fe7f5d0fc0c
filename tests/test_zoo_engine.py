"""What the CNN zoo needed from the engine (each was an xfail until the engine did it).

Each test is the smallest network that showed the gap.
"""

from __future__ import annotations

from symparams.notation.compact import parse

DENSE = "d(k) = { | B-A(relu)-C(4*k,1,bias=false)-B-A(relu)-C(k,3,p=1,bias=false)};"


def test_a_numeric_repeat_of_a_growing_dense_layer_unrolls():
    """With a number of copies and a numeric growth rate the repeat is unrolled."""
    d = parse(DENSE + "I(n x n x 64)-(d(32))x2").derive()
    assert str(d.row("repeat1").output_shape) == "n × n × 128"


def test_a_numeric_repeat_of_a_symbolically_growing_dense_layer_unrolls():
    d = parse(DENSE + "I(n x n x 2*k)-(d(k))x2").derive()
    assert str(d.row("repeat1").output_shape) == "n × n × (4*k)"
    assert d.total == parse(DENSE + "I(n x n x 2*k)-d(k)-d(k)").derive().total
