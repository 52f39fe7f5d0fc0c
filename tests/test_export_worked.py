"""Worked solutions: textbook order, numbers put into the formula before evaluation.

Expected numbers come from the issue's textbook example, the published figures in
derivations/, or tests/reference.py (plain integer arithmetic, no symparams code).
"""

from __future__ import annotations

import ast
import operator
import re
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import assume, given, settings, strategies as st

import symparams
from symparams.export.worked import solve, worked_latex, worked_markdown
from tests import reference as ref

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "derivations").glob("*.toml"))


def tex_value(tex: str) -> Fraction:
    """Evaluate a step's printed working (``(5 \\times 5 \\times 1 + 1) \\times 4``) with an
    independent little evaluator: LaTeX to Python syntax, then a whitelisted AST walk."""
    text = tex.replace(r"\times", "*").replace(r"\cdot", "*")
    text = text.replace(r"\lfloor", "floor(").replace(r"\rfloor", ")")
    text = text.replace(r"\lceil", "ceil(").replace(r"\rceil", ")")
    ops = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
           ast.Div: operator.truediv}

    def walk(node: ast.AST) -> Fraction:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return Fraction(node.value)
        if isinstance(node, ast.BinOp) and type(node.op) in ops:
            return ops[type(node.op)](walk(node.left), walk(node.right))
        if isinstance(node, ast.Call) and node.func.id in ("floor", "ceil"):
            v = walk(node.args[0])
            return Fraction(v.numerator // v.denominator) if node.func.id == "floor" \
                else Fraction(-(-v.numerator // v.denominator))
        raise AssertionError(f"unexpected {ast.dump(node)} in {tex!r}")

    return walk(ast.parse(text, mode="eval"))


def check_steps(text: str) -> int:
    """Every ``$working = value$`` in a worked solution evaluates to its value."""
    found = 0
    for working, value in re.findall(r"\$([^$=]+?) = (\d+)\$", text):
        assert tex_value(working) == int(value), working
        found += 1
    return found


def example() -> symparams.Derivation:
    return symparams.load(ROOT / "derivations" / "example_4058.toml").derive()


def test_textbook_example_steps() -> None:
    text = worked_markdown(example())
    for line in [r"$(5 \times 5 \times 1 + 1) \times 4 = 104$", "$28 - 5 + 1 = 24$",
                 r"$\lfloor 24 / 2 \rfloor = 12$", r"$3 \times 3 \times 16 = 144$",
                 r"$(144 + 1) \times 16 = 2320$",
                 "$104 + 296 + 1168 + 2320 + 170 = 4058$"]:
        assert line in text
    # each step names its layer and its formula
    assert r"**conv2d1**" in text and r"$(k \times k \times l + 1) \times f$" in text
    assert r"$(n_{\text{in}} + 1) \times n_{\text{out}}$" in text
    # a letter means one thing in a layer's solution: k the kernel in both steps, n the
    # input size only in the size step
    conv = text.split("**conv2d1**")[1].split("2. **")[0]
    assert "kernel $k$" in conv and "kernel size $k$" in conv and "$f$ filters" in conv


def test_latex_version() -> None:
    tex = worked_latex(example())
    assert r"\begin{enumerate}" in tex and r"\textbf{conv2d1}" in tex
    assert r"$104 + 296 + 1168 + 2320 + 170 = 4058$" in tex
    assert check_steps(tex) > 10


@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_published_figures(path: Path) -> None:
    spec = symparams.load(path)
    d = spec.derive().subs(spec.published.get("values", {}))
    layers, closing = solve(d)
    assert closing[0].value == spec.published["total"]
    params = {sol.row.name: sum(s.value for s in sol.steps if "parameters" in s.what)
              for sol in layers}
    for layer in spec.published.get("layers", []):
        assert params[layer["name"]] == layer["params"], layer["name"]
    assert check_steps(worked_markdown(d)) > 0


def test_stride_and_padding() -> None:
    d = symparams.parse("I(28x28x1)-C(4,3,s=2,p=1)").derive()
    assert ref.conv_size(28, 3, s=2, p=1) == 14
    assert r"$\lfloor (28 + 2 \times 1 - 3) / 2 \rfloor + 1 = 14$" in worked_markdown(d)


def test_dilation_groups_no_bias() -> None:
    d = symparams.parse("I(20x20x16)-C(8,3,d=2,g=4,bias=false)").derive()
    text = worked_markdown(d)
    size = ref.conv_size(20, 3, d=2)
    params = ref.conv_params(16, 8, (3, 3), groups=4, bias=False)
    assert f"= {size}$" in text and f"= {params}$" in text
    assert r"$3 \times 3 \times 16 / 4 \times 8 = 288$" in text
    check_steps(text)


def test_batchnorm_keras_counts_both() -> None:
    d = symparams.parse("I(8x8x3)-C(16,3)-B-O(10)").derive(convention="keras")
    text = worked_markdown(d)
    assert text.count(r"$2 \times 16 = 32$") == 2
    assert "**Non-trainable:** $32 = 32$" not in text
    total = ref.conv_params(3, 16, (3, 3)) + 64 + ref.dense_params(6 * 6 * 16, 10)
    assert f"= {total}$" in text


def test_ceil_mode_drops_last_window() -> None:
    # n=5, k=2, s=2, p=1 under ceil_mode: PyTorch gives 3, not 4
    d = symparams.parse("I(5x5x1)-P(2,s=2,p=1,ceil=true)").derive()
    assert ref.pool_size(5, 2, 2, 1, ceil_mode=True) == 3
    text = worked_markdown(d)
    assert r"\lceil (5 + 2 \times 1 - 2) / 2 \rceil + 1 - 1 = 3" in text


def test_same_padding() -> None:
    d = symparams.parse("I(28x28x3)-C(8,3,s=2,p=same)").derive()
    assert r"$\lceil 28 / 2 \rceil = 14$" in worked_markdown(d)


def test_values_substitute_first() -> None:
    d = symparams.parse("I-C-O").derive()
    text = d.worked({"n": 28, "l": 1, "c1": 4, "k1": 5, "o": 10})
    assert r"$(5 \times 5 \times 1 + 1) \times 4 = 104$" in text


def test_missing_values_are_named() -> None:
    with pytest.raises(symparams.MissingValueError, match=r"needs numbers.*k1"):
        symparams.parse("I(28x28x1)-C(4,k1)").derive().worked()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(8, 64), k=st.integers(1, 5), s=st.integers(1, 3), p=st.integers(0, 2),
       c=st.integers(1, 8), q=st.integers(1, 3), h=st.integers(1, 20))
def test_random_networks_match_reference(n, k, s, p, c, q, h) -> None:
    a = ref.conv_size(n, k, s, p)
    assume(a >= q)  # the pool window must fit
    b = ref.pool_size(a, q)
    d = symparams.parse(f"I({n}x{n}x3)-C({c},{k},s={s},p={p})-P({q})-H({h})").derive()
    total = ref.conv_params(3, c, (k, k)) + ref.dense_params(b * b * c, h)
    text = worked_markdown(d)
    assert text.rstrip().endswith(f"= {total}$")
    assert f"= {a}$" in text and f"= {b}$" in text
    check_steps(text)


def test_transformer_macs_are_worked_and_a_repeat_follows_its_layers() -> None:
    """Attention: four d × d projections per position, then T × T × d for the scores and
    again for the weighted sum; feed-forward: two d × f matrices per position (Kaplan's
    per-token count); the repeat's t × P comes after the layers P sums."""
    T, d, V, L = 8, 4, 10, 2
    gpt2 = symparams.load(ROOT / "derivations" / "gpt2.toml").derive()
    text = worked_markdown(gpt2, {"T": T, "d": d, "V": V, "L": L, "h": 2}, costs=("macs",))
    assert check_steps(text) > 10
    attention = 4 * T * d * d + 2 * T * T * d
    assert rf"$4 \times 8 \times 4 \times 4 + 2 \times 8 \times 8 \times 4 = {attention}$" in text
    ff = 2 * T * d * (4 * d)
    assert rf"$2 \times 8 \times 4 \times 16 = {ff}$" in text
    per_block = 2 * (2 * d) + (4 * d * d + 4 * d) + (2 * d * 4 * d + 4 * d + d)
    assert rf"$2 \times {per_block} = {L * per_block}$" in text
    order = [m.group(1) for m in re.finditer(r"\*\*([\w.]+)\*\*", text)]
    assert order.index("repeat1") == order.index("repeat1.1.add2") + 1


def test_a_repeat_sums_its_macs_and_latex_says_macs() -> None:
    d = symparams.parse("I(8x8x3)-(C(4,3,p=1))xL-F-O(10)").derive()
    text = worked_markdown(d, {"L": 3}, costs=("macs",))
    assert check_steps(text) > 5
    first, other = 8 * 8 * 4 * (3 * 3 * 3), 8 * 8 * 4 * (3 * 3 * 4)  # the first copy reads 3 channels
    assert rf"${first} + (3 - 1) \times {other} = {first + 2 * other}$" in text
    assert rf"**Total MACs:** ${first + 2 * other} + 2560 = {first + 2 * other + 2560}$" in text
    tex = worked_latex(d.subs(L=3), costs=("macs",))
    assert r"\noindent Total MACs:" in tex
    # a feed-forward block on a 2-D input: no T × d × f form with five numbers under it
    ff = worked_markdown(symparams.parse("I(4x4x16)-FF(32)-F-O(10)").derive(), costs=("macs",))
    assert r"2 \times 4 \times 4 \times 16 \times 32" not in ff
    assert f"(multiply–accumulates, as derived): ${2 * 16 * 16 * 32}$" in ff
