"""Newcomer polish (issue 15): the layers cheat sheet, CSV tables, a short repr and an
iterable Derivation."""

from __future__ import annotations

import csv
import io

import pytest

import symparams
from symparams.cli import main
from symparams.core.layer import REGISTRY


def test_layers_cheat_sheet_lists_every_kind_its_letter_and_defaults(capsys):
    assert main(["layers"]) == 0
    out = capsys.readouterr().out
    for cls, _ in REGISTRY.values():
        if not cls.composite:
            assert f"\n{cls.kind}" in out, cls.kind
    assert "conv  [C]" in out and "s/stride=1 (stride)" in out and "p/padding=0" in out
    assert "attention  [MHA]" in out and "kv/kv_heads=unset" in out
    assert "``" not in out  # docstrings without their markup


def test_csv_table(capsys):
    assert main(["derive", "I(28x28x1)-C(4,5)-P(2)-H(10)", "--format", "csv", "--costs",
                 "macs"]) == 0
    rows = list(csv.reader(io.StringIO(capsys.readouterr().out)))
    assert rows[0] == ["layer", "kind", "output_shape", "params", "macs"]
    assert rows[1] == ["input", "input", "28 x 28 x 1", "0", "0"]
    assert rows[2] == ["conv2d1", "conv2d", "24 x 24 x 4", str((5 * 5 + 1) * 4),
                       str(24 * 24 * 4 * 25)]
    assert rows[-2] == ["dense1", "dense", "10", str(577 * 10), str(5760)]
    assert rows[-1] == ["total", "", "", str(104 + 5770), str(57600 + 5760)]
    symbolic = main(["derive", "I-C-P-H-O", "--format", "csv"])
    out = capsys.readouterr().out
    assert symbolic == 0 and "(n - k1 + 1) x (n - k1 + 1) x c1" in out  # sizes unambiguous


def test_a_derivation_is_a_sequence_of_rows_with_a_short_repr():
    d = symparams.parse("I(28x28x1)-C(4,5)-P(2)-H(10)").derive()
    assert [r.name for r in d] == ["conv2d1", "maxpool1", "flatten1", "dense1"]
    assert len(d) == 4 and d[0] is d.row(1) is d.row("conv2d1") and d[-1].name == "dense1"
    assert repr(d) == "<Derivation 4 layers, total params 5874>"
    big = symparams.parse("I-C-P-C-P-H-O").derive()
    assert len(repr(big)) < 150


def test_json_has_the_name_the_input_row_and_the_reasons(capsys):
    import json

    assert main(["derive", "vgg16", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["name"].startswith("VGG-16")
    assert data["input"] == {"name": "input", "kind": "input", "output_shape": [224, 224, 3],
                             "params": 0}
    d = symparams.parse("I(n x n x 1)-C(4,3,s=2)").derive()
    detail = d.to_dict()["condition_details"]
    assert detail and all(c["reason"] and c["layer"] == "conv2d1" for c in detail)


def test_options_a_format_does_not_use_are_errors(capsys):
    assert main(["derive", "I(8)-H(2)", "--worked"]) == 2
    assert "--worked is for --format latex or markdown" in capsys.readouterr().err
    assert main(["derive", "I(8)-H(2)", "--standalone", "--format", "markdown"]) == 2
    assert "--standalone is for --format latex" in capsys.readouterr().err
    assert main(["derive", "I(8)-H(2)", "--dtype", "fp16"]) == 2
    assert "only matter with --costs" in capsys.readouterr().err
    assert main(["derive", "I(8)-H(2)", "--worked", "--format", "markdown"]) == 0


def test_latex_fragment_says_its_packages_and_takes_a_caption(capsys, tmp_path):
    assert main(["derive", "I(28x28x1)-C(4,5)-P(2)-H(10)", "--format", "latex", "--caption",
                 "A CNN & its 5,874 parameters", "--label", "tab:cnn"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("% symparams: this fragment needs \\usepackage{amsmath}")
    assert "\\caption{A CNN \\& its 5,874 parameters}" in out and "\\label{tab:cnn}" in out
    assert "\\begin{tabular}{@{}lllr@{}}" in out  # the numbers right-aligned
    assert "batch-norm" not in out  # the BatchNorm note only where it applies
    assert main(["derive", "I(8)-H(2)", "--format", "latex", "--label", "a b"]) == 2
    assert main(["derive", "I(8)-H(2)", "--caption", "x"]) == 2
    with_bn = symparams.parse("I(8x8x1)-C(2,3)-B").derive().latex()
    assert "batch-norm running statistics are buffers" in with_bn


def test_json_and_reasons_write_terms_in_human_order(capsys):
    """Issue 15: ``n - k1 + 1``, not sympy's ``-k1 + n + 1``, in JSON and in the reasons;
    JSON stays text sympy reads back (divisibility as ``Eq(Mod(...), 0)``)."""
    import json

    import sympy as sp

    assert main(["derive", "I-C-P", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["layers"][0]["output_shape"] == ["n - k1 + 1", "n - k1 + 1", "c1"]
    assert data["layers"][1]["output_shape"][0] == "floor((n - k1 + 1)/q1)"
    (detail,) = data["condition_details"]
    assert detail["reason"].endswith("(n - k1 + 1)")
    assert main(["derive", "I-C(4,3,s=2)-H(3)", "--assume-divisible", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    n = sp.Symbol("n")
    assert sp.sympify(data["conditions"][1]) == sp.Eq(sp.Mod(n + 1, 2), 0)
    assert main(["derive", "I-C(4,3,s=2)-H(3)", "--assume-divisible"]) == 0
    assert "2 ∣ n + 1" in capsys.readouterr().out


def test_the_text_printer_orders_terms_as_people_write_them():
    import sympy as sp

    from symparams.core.printing import text

    n, k, s, a = sp.symbols("n k s a", positive=True)
    assert text(-k + n + 1) == "n - k + 1"
    assert text(29 - k) == "29 - k"  # only the number is positive: it leads
    assert text(-k - s) == "-k - s"
    assert text(a * n - a * k * s + 3) == "a*n - a*k*s + 3"
    assert text(n**2 - k + n) == "n**2 + n - k"  # falling degree among the positive terms
    assert text(sp.Eq(sp.Mod(n + 3, 4), 0)) == "4 ∣ n + 3"
    assert text(sp.Eq(sp.Mod(n + 3, 4), 0), divides=False) == "Eq(Mod(n + 3, 4), 0)"


def test_an_unknown_option_is_reported_by_its_subcommand_with_a_suggestion(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["derive", "vgg16", "--formt", "latex"])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: symparams derive ")  # the subcommand's usage, not the top's
    assert err.rstrip().endswith("symparams derive: error: unrecognized arguments: '--formt' "
                                 "'latex' (did you mean '--format'?)")
    with pytest.raises(SystemExit):
        main(["zoo", "--verbose"])
    err = capsys.readouterr().err
    assert "usage: symparams zoo" in err and "unrecognized arguments: '--verbose'" in err
    assert "did you mean" not in err


def test_a_square_two_size_input_says_it_is_a_signal(capsys):
    """I(28x28) is a 28-long signal of 28 channels (1-D layers follow): the text says so
    and how to write the image; a deliberate signal gets no hint."""
    assert main(["derive", "I(28x28)-C(4,3)-H(2)"]) == 0
    out = capsys.readouterr().out
    assert "conv1d" in out and "an image is I(28x28x1)" in out
    assert main(["derive", "I(n x n)-C(8,3)"]) == 0
    assert "an image is I(n x n x 1)" in capsys.readouterr().out
    for spec in ("I(100x3)-C(4,3)", "I(n x l)-C", "I(28x28x1)-C(4,3)", "I(28x28)-H(3)"):
        assert main(["derive", spec]) == 0
        assert "signal" not in capsys.readouterr().out, spec


def test_markdown_table_groups_digits_like_the_text_summary():
    md = symparams.parse("I(28x28x1)-C(32,5)-P(2)-C(32,3)-P(2)-H(256)-O(10)").derive().markdown()
    rows = [line for line in md.splitlines() if line.startswith("| ")]
    # (3*3*32 + 1)*32 = 9248, (800 + 1)*256 = 205056, total 217706 (the Lasagne tutorial)
    assert rows[4].endswith("| 9,248 |") and rows[7].endswith("| 205,056 |")
    assert rows[-1] == "| **Total** | | | **217,706** |"


def test_an_error_inside_blocks_is_located_once(capsys):
    """The innermost layer's dotted name says where it is; no 'layer 1 (…): layer 1 (…):'
    chain of every enclosing block."""
    assert main(["derive", "b(c) = C(c,3)-C(c,9); I(8x8x3)-(b(4))x2"]) == 1
    err = capsys.readouterr().err.strip()
    # the block call's arguments say what c is
    assert err == ("symparams: error: layer 1 (repeat1.1.b1.conv2d2, C(c,9) of b(4)) on input "
                   "6 × 6 × 4: the kernel (9) must fit in the padded input height (6)")


def test_symbolic_reads_a_config_json_as_its_closed_form(capsys, tmp_path, monkeypatch):
    import json

    monkeypatch.chdir(tmp_path)
    config = {"model_type": "gpt2", "vocab_size": 50257, "n_positions": 1024, "n_embd": 768,
              "n_layer": 12, "n_head": 12}
    (tmp_path / "config.json").write_text(json.dumps(config))
    assert main(["derive", "config.json", "--symbolic", "--format", "json"]) == 0
    total = json.loads(capsys.readouterr().out)["total"]
    assert "L" in total and "V" in total
    V, T, d, L = 50257, 1024, 768, 12  # GPT-2 small: V d + T d + L (12 d² + 13 d) + 2 d
    assert main(["derive", "config.json", "--symbolic", "--set", f"V={V}", f"T={T}", f"d={d}",
                 f"L={L}", "h=12", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["total"] == V * d + T * d + L * (12 * d * d + 13 * d) + 2 * d == 124439808
    assert main(["derive", "vgg16", "--symbolic"]) == 2
    assert "--symbolic is for a Hugging Face config.json" in capsys.readouterr().err


def test_an_unknown_option_before_the_subcommand_is_the_top_levels(capsys):
    with pytest.raises(SystemExit):
        main(["--formt", "derive", "vgg16"])
    err = capsys.readouterr().err
    assert err.startswith("usage: symparams [-h]")
    assert "symparams: error: unrecognized arguments: '--formt'" in err
