"""The standalone Python function and its latexify-py renderings."""

from __future__ import annotations

import ast

import pytest
from hypothesis import assume, given, settings, strategies as st

import symparams
from symparams.export.pyfunc import latexify_renderings, load_function, to_function
from tests import reference as ref

GENERAL = "I-C-P-C-P-H-O"


def test_source_is_standalone_integer_code() -> None:
    src = symparams.parse(GENERAL).derive().to_function(name="lenet_like")
    tree = ast.parse(src)
    assert [type(n).__name__ for n in tree.body] == ["FunctionDef"]
    fn = tree.body[0]
    assert fn.name == "lenet_like"
    assert [a.arg for a in fn.args.args] == ["n", "l", "c1", "k1", "q1", "c2", "k2", "q2", "h1", "o"]
    assert not any(isinstance(n, (ast.Import, ast.ImportFrom)) for n in ast.walk(tree))
    assert not any(isinstance(n, ast.BinOp) and isinstance(n.op, ast.Div) for n in ast.walk(tree))
    assert "//" in src


def test_general_formula_with_lasagne_values() -> None:
    fn = load_function(symparams.parse(GENERAL).derive().to_function(), "total_params")
    # the Lasagne MNIST network: 217,706 parameters (published)
    assert fn(n=28, l=1, c1=32, k1=5, q1=2, c2=32, k2=3, q2=2, h1=256, o=10) == 217706


@settings(max_examples=80, deadline=None)
@given(n=st.integers(10, 80), l=st.integers(1, 4), c1=st.integers(1, 16), k1=st.integers(1, 5),
       q1=st.integers(1, 3), c2=st.integers(1, 16), k2=st.integers(1, 4), q2=st.integers(1, 3),
       h1=st.integers(1, 64), o=st.integers(1, 10))
def test_function_equals_evaluate(n, l, c1, k1, q1, c2, k2, q2, h1, o) -> None:
    a = (n - k1 + 1) // q1
    assume(n >= k1 and a >= k2 and (a - k2 + 1) >= q2)
    values = dict(n=n, l=l, c1=c1, k1=k1, q1=q1, c2=c2, k2=k2, q2=q2, h1=h1, o=o)
    fn = _general_fn()
    got = fn(**values)
    assert type(got) is int
    assert got == symparams.parse(GENERAL).derive().evaluate(values)
    b = (a - k2 + 1) // q2
    expected = (ref.conv_params(l, c1, (k1, k1)) + ref.conv_params(c1, c2, (k2, k2))
                + ref.dense_params(b * b * c2, h1) + ref.dense_params(h1, o))
    assert got == expected


_CACHE: dict = {}


def _general_fn():
    if "fn" not in _CACHE:
        _CACHE["fn"] = load_function(symparams.parse(GENERAL).derive().to_function(), "total_params")
    return _CACHE["fn"]


@settings(max_examples=60, deadline=None)
@given(n=st.integers(4, 60), s=st.integers(1, 3), p=st.integers(0, 1), q=st.integers(2, 4),
       g=st.sampled_from([1, 2, 4]), c=st.integers(1, 4))
def test_strides_ceil_mode_groups_same(n, s, p, q, g, c) -> None:
    assume(2 * p <= q and n + 2 * p >= q)
    spec = f"I(n x n x 8)-C(f, 3, s=s, p=same)-P(q, s=2, p={p}, ceil=true)-C(8, 1, g={g})-H(c)"
    d = symparams.parse(spec).derive()
    fn = load_function(d.to_function(), "total_params")
    values = dict(n=n, f=4 * c, s=s, q=q, c=c)
    after_same = ref.same_size(n, s)
    assume(after_same + 2 * p >= q)
    pooled = ref.pool_size(after_same, q, 2, p, ceil_mode=True)
    expected = (ref.conv_params(8, 4 * c, (3, 3)) + ref.conv_params(4 * c, 8, (1, 1), groups=g)
                + ref.dense_params(pooled * pooled * 8, c))
    assert fn(**values) == expected == d.evaluate(values)


def test_keyword_symbol_names_are_renamed() -> None:
    src = symparams.parse("I(n x n x 3)-C(c, k)-O(o)").derive().to_function("f")
    assert src.startswith("def f(n, c, k, o):")


def test_bad_function_name() -> None:
    with pytest.raises(symparams.SpecError, match="identifier"):
        symparams.parse("I-C-O").derive().to_function("not a name")


def test_latexify_renderings() -> None:
    formula, algorithm = latexify_renderings(symparams.parse(GENERAL).derive())
    assert formula.startswith(r"\mathrm{total\_params}(n, l,")
    assert r"\left\lfloor" in formula
    assert algorithm.startswith(r"\begin{algorithmic}")
    # sizes of conv2d1, maxpool1, conv2d2, maxpool2, flatten1; parameters of conv2d1,
    # conv2d2, dense1, dense2; then the return: 10 lines, and no docstring line
    assert algorithm.count(r"\State") == 10
    assert "Number of parameters" not in algorithm
    assert r"\Return" in algorithm


def test_cli_formats(capsys) -> None:
    from symparams.cli import main

    assert main(["derive", "I(28x28x1)-C(4,5)-O(10)", "--format", "python"]) == 0
    src = capsys.readouterr().out
    assert load_function(src, "total_params")() == 104 + ref.dense_params(24 * 24 * 4, 10)
    assert main(["derive", "I-C-O", "--format", "latexify"]) == 0
    assert r"\begin{algorithmic}" in capsys.readouterr().out
