"""Regressions from an adversarial review of issue 9: costs hidden in composed powers,
expanded forms and grids; names that shadow builtins in generated code; Unicode symbols
in LaTeX; unbounded text in argparse's messages; non-finite sympy values."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

import symparams
from symparams.algebra.sweep import parse_grid
from symparams.cli import main
from symparams.export.pyfunc import load_function
from symparams.layers import Conv, Dense, Input
from tests.reference import conv_params, dense_params, pool_size, same_size

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("notation", [
    "I(n)-H((((((n**64)**64)**64)**64)**64)**64)-O(3)",   # each exponent alone is allowed
    "I(n)-H((n*n)**33)-O(3)",
])
def test_composed_powers_beyond_degree_64_are_refused_before_any_arithmetic(notation):
    with pytest.raises(symparams.SpecError, match="degree above 64"):
        symparams.parse(notation)


def test_substituting_powers_into_powers_is_refused_too():
    d = symparams.parse("I(n)-H(a**64)-O(3)").derive()
    with pytest.raises(symparams.SpecError, match="degree above 64"):
        d.subs(a="b**64")


def test_an_expanded_form_with_too_many_terms_is_refused(capsys):
    assert main(["derive", "I(n)-H((a+b+c+d)**64)-O(3)", "--form", "expanded"]) == 2
    assert "more than 20,000 terms" in capsys.readouterr().err


@pytest.mark.parametrize("value", [sp.nan, sp.zoo, sp.oo, sp.I, sp.Float(2)])
def test_non_finite_or_float_sympy_values_are_refused_at_construction(value):
    with pytest.raises(symparams.SpecError):
        Conv(value, 3)


@pytest.mark.parametrize("text", ["1:1000000000000000000000000", "9" * 61, "٣", "1:" + "9" * 70])
def test_grids_beyond_60_digits_or_not_ascii_are_clean_errors(text):
    d = symparams.parse("I(n x 3)-O(n)").derive()
    with pytest.raises(symparams.SymparamsError):
        grid = parse_grid(text)
        d.sweep(n=grid)


def test_a_huge_range_is_counted_not_measured():
    d = symparams.parse("I(n x 3)-O(c)").derive()
    with pytest.raises(symparams.SpecError, match="points"):
        d.sweep(n=range(1, 10 ** 30), c=[1, 2])
    with pytest.raises(symparams.SpecError, match="max_points"):
        d.sweep(n=[1, 2], c=[1], max_points=-5)


def test_a_symbol_named_like_a_builtin_does_not_shadow_it_in_generated_code():
    # 'same' padding at stride 2, then a ceil_mode pool whose stride is the symbol max
    d = symparams.parse("I(max x max x 3)-C(4,3,s=2,p=same)-P(2,s=max,ceil=true)-O(3)").derive()
    fn = load_function(d.to_function(), "total_params")
    for m in (2, 5, 9):
        size = same_size(m, 2)
        size = pool_size(size, 2, m, 0, True)
        expected = conv_params(3, 4, (3, 3)) + dense_params(size * size * 4, 3)
        assert fn(m) == d.evaluate(max=m) == expected


def test_a_deep_symbolic_mlp_totals_every_layer():
    n = 300
    d = symparams.Network((Input(("x",)), *(Dense(f"h{i}") for i in range(n)))).derive()
    values = {"x": 3} | {f"h{i}": 2 for i in range(n)}
    assert d.evaluate(values) == dense_params(3, 2) + (n - 1) * dense_params(2, 2)


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
@pytest.mark.parametrize("notation, tex", [("I(ñ x ñ x 3)-C(4,3)-O(10)", r"\text{ñ}"),
                                           ("I(α x 8 x 3)-C(Γ1,3)-O(10)", r"\Gamma_{1}")])
def test_unicode_symbols_compile_with_pdflatex(tmp_path, notation, tex):
    from tests.test_pdflatex import compile_ok

    document = symparams.parse(notation).derive().latex(standalone=True)
    assert tex in document
    compile_ok(document, tmp_path)


def test_argparse_errors_are_printable_and_short():
    proc = subprocess.run([sys.executable, "-m", "symparams.cli", "derive", "I-C-O",
                           "--format", "A" * 50_000, "--\x1b[31mX\x07"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 2
    last = proc.stderr.strip().splitlines()[-1]
    assert len(last) < 400 and "\x1b" not in proc.stderr and "\x07" not in proc.stderr


def test_one_symbol_given_two_values_is_an_error(capsys):
    d = symparams.parse("I(n x n x 1)-C(4,3)").derive()
    with pytest.raises(symparams.SpecError, match="two values"):
        d.evaluate({"n": 28, sp.Symbol("n"): 29})
    assert d.evaluate({"n": 28, sp.Symbol("n"): 28}) == conv_params(1, 4, (3, 3))
    assert main(["derive", "I(n x n x 1)-C(4,3)-H(2)", "--set", "n=3", "n=4"]) == 2
    assert "two values" in capsys.readouterr().err


def test_a_spec_file_with_a_byte_order_mark_loads(tmp_path):
    path = tmp_path / "net.toml"
    path.write_bytes(b"\xef\xbb\xbf" + b'notation = "I(8x8x1)-C(4,3)"\n')
    assert symparams.load(path).derive().evaluate() == conv_params(1, 4, (3, 3))
