"""The LaTeX printer and the LaTeX export; golden files of every format.

Golden files pin formatting only; the numbers in them are checked independently in
test_export_worked.py (published figures, tests/reference.py).  Regenerate them with
``SYMPARAMS_REGEN_GOLDEN=1 python -m pytest tests/test_export_latex.py``.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sympy as sp

import symparams
from symparams.cli import main
from symparams.core.shape import CeilDiv, FloorDiv
from symparams.core.symbols import make_symbol
from symparams.export import render
from symparams.export.latex import printer, to_latex

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
SPECS = sorted((ROOT / "derivations").glob("*.toml"))
FORMATS = ("latex", "markdown", "worked", "python", "latexify")

n, k, s, k1, c2 = (make_symbol(x) for x in ("n", "k", "s", "k1", "c2"))
p = make_symbol("p", nonnegative=True)


def spec_values(path: Path) -> dict:
    """The symbol values a spec file's published figures hold for ({} if numeric)."""
    return symparams.load(path).published.get("values", {})


def render_golden(path: Path, fmt: str) -> str:
    d = symparams.load(path).derive()
    values = spec_values(path)
    if fmt == "worked" or (fmt == "latex" and values):
        # worked solutions need numbers; the symbolic formula stays in the latex part
        if fmt == "worked":
            return render(d.subs(values) if values else d, fmt)
        return render(d, fmt, standalone=True, worked=True, values=values)
    return render(d, fmt, standalone=True) if fmt == "latex" else render(d, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", SPECS, ids=lambda p: p.stem)
def test_golden(path: Path, fmt: str) -> None:
    suffix = {"latex": "tex", "markdown": "md", "worked": "worked.md", "python": "py.txt",
              "latexify": "latexify.tex"}[fmt]
    golden = GOLDEN / f"{path.stem}.{suffix}"
    text = render_golden(path, fmt)
    if os.environ.get("SYMPARAMS_REGEN_GOLDEN") == "1":
        golden.write_text(text, encoding="utf-8")
    assert golden.exists(), f"no golden file {golden.name}; run with SYMPARAMS_REGEN_GOLDEN=1"
    assert text == golden.read_text(encoding="utf-8")


# -- the printer ---------------------------------------------------------------------
def test_floor_prints_as_one_fraction_person_order() -> None:
    expr = FloorDiv(n + 2 * p - k, s) + 1
    assert printer().doprint(expr) == r"\left\lfloor \frac{n + 2 p - k}{s} \right\rfloor + 1"


def test_floor_is_never_split_into_halves() -> None:
    tex = printer().doprint(FloorDiv(n - k, 2))
    assert tex == r"\left\lfloor \frac{n - k}{2} \right\rfloor"
    assert r"\frac{n}{2}" not in tex


def test_ceiling_and_power_of_floor() -> None:
    assert printer().doprint(CeilDiv(n, s)) == r"\left\lceil \frac{n}{s} \right\rceil"
    assert printer().doprint(c2 * FloorDiv(n, 2) ** 2) == \
        r"c_{2} \left\lfloor \frac{n}{2} \right\rfloor^{2}"


def test_subscripts_mul_symbol_and_user_names() -> None:
    expr = c2 * k1 ** 2
    assert printer().doprint(expr) == "c_{2} k_{1}^{2}"
    assert printer(mul_symbol="times").doprint(expr) == r"c_{2} \times k_{1}^{2}"
    assert printer(mul_symbol="cdot").doprint(expr) == r"c_{2} \cdot k_{1}^{2}"
    named = printer(symbol_names={"n": r"H_{\text{in}}"}).doprint(n - k1 + 1)
    assert named == r"H_{\text{in}} - k_{1} + 1"


def test_bad_mul_symbol_is_a_clear_error() -> None:
    with pytest.raises(symparams.SpecError, match="mul_symbol"):
        printer(mul_symbol="star")


def test_digits_grouped_from_five_digits() -> None:
    assert printer().doprint(sp.Integer(4058)) == "4058"
    assert printer().doprint(sp.Integer(138357544)) == r"138\,357\,544"


# -- the export ------------------------------------------------------------------------
def example() -> symparams.Derivation:
    return symparams.load(ROOT / "derivations" / "example_4058.toml").derive()


def test_numeric_total_is_a_sum_by_layer() -> None:
    # the figures of the textbook example quoted in the issue
    tex = to_latex(example())
    assert "\\begin{equation}\nP = 104 + 296 + 1168 + 2320 + 170 = 4058\n\\end{equation}" in tex


def test_symbolic_total_terms_in_layer_order() -> None:
    d = symparams.parse("I-C-P-C-P-H-O").derive()
    eq = to_latex(d).split("\\end{equation}")[0]
    first = [eq.index(t) for t in (r"c_{1} \left(k_{1}^{2} l + 1\right)",
                                   r"c_{2} \left(c_{1} k_{2}^{2} + 1\right)", r"h_{1} \left(",
                                   r"o \left(h_{1} + 1\right)")]
    assert first == sorted(first)


def test_align_gives_formula_working_and_value() -> None:
    d = symparams.parse("I(n x n x 1)-C(4,5)-O(10)").derive()
    tex = to_latex(d, values={"n": 28})
    assert r"P_{\text{conv2d1}} &= 104" not in tex
    # 4 filters of 5x5 on 1 channel: (25 + 1) * 4 = 104, written as a textbook does
    assert r"P_{\text{conv2d1}} &= (5 \times 5 \times 1 + 1) \times 4 = 104" in tex


def test_table_is_booktabs_with_total() -> None:
    tex = to_latex(example())
    for rule in (r"\toprule", r"\midrule", r"\bottomrule"):
        assert rule in tex
    assert r"conv2d1 & conv2d & $24 \times 24 \times 4$ & $104$ \\" in tex
    assert r"{Total} & $4058$" in tex
    assert "Trainable" not in tex


def test_trainable_rows_when_they_differ() -> None:
    d = symparams.parse("I(8x8x3)-C(16,3)-B-O(10)").derive(convention="keras")
    tex = to_latex(d)
    # batch norm on 16 channels: 32 trainable, 32 non-trainable under Keras
    assert r"{Non-trainable} & $32$" in tex
    assert r"{Trainable} &" in tex


def test_legend_and_conditions() -> None:
    tex = to_latex(symparams.parse("I-C-P-H-O").derive())
    assert "where $P$ is the number of parameters, $n$ the input height and width" in tex
    assert "$k_{1}$ the kernel size of conv2d1" in tex
    assert "The formulas hold when" in tex and r"\item" in tex


def test_symbolic_ceil_mode_prints_one_ceiling_with_max() -> None:
    # issue 9: PyTorch's last-window rule is ceil((n + p - max(0, k - p - s + 1))/s)
    d = symparams.parse("I(n x n x 3)-P(q, s=2, p=1, ceil=true)-O(2)").derive()
    tex = to_latex(d)
    assert r"\max\left(0, q - 3\right)" in tex and r"\begin{cases}" not in tex


def test_standalone_is_a_document() -> None:
    tex = to_latex(example(), standalone=True, worked=True)
    assert tex.startswith(r"\documentclass")
    assert tex.rstrip().endswith(r"\end{document}")
    assert r"\usepackage{booktabs}" in tex and "Worked solution" in tex


def test_names_are_escaped() -> None:
    d = symparams.load(ROOT / "derivations" / "keras_cnn_same.toml").derive()
    assert r"conv2d\_1 & conv2d" in to_latex(d)


# -- command line ----------------------------------------------------------------------
def test_cli_latex_standalone_to_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "net.tex"
    assert main(["derive", "I(28x28x1)-C(4,5)-O(10)", "--format", "latex", "--standalone",
                 "--worked", "-o", str(out)]) == 0
    text = out.read_text()
    assert text.startswith(r"\documentclass") and r"(5 \times 5 \times 1 + 1) \times 4 = 104" in text


def test_cli_worked_without_numbers_fails_cleanly(tmp_path: Path, capsys) -> None:
    out = tmp_path / "net.tex"
    assert main(["derive", "I-C-O", "--format", "latex", "--worked", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symparams: error: a worked solution needs numbers")
    assert "Traceback" not in err and not out.exists()
