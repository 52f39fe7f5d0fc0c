"""Exact sweeps (against evaluate and hand arithmetic) and the solve/sweep commands."""

import json

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

import symparams
from symparams import ShapeError
from symparams.algebra.sweep import parse_grid
from symparams.cli import main

GENERAL = symparams.parse("I-C-P-C-P-H-O").derive().subs(l=1, q2=2, o=10)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(8, 40), min_size=1, max_size=4), st.sampled_from([1, 3, 5]),
       st.sampled_from([1, 2, 3]), st.integers(1, 4), st.integers(1, 3), st.integers(1, 50))
def test_sweep_agrees_with_evaluate(ns, k1, q1, c1, k2, h1):
    d = GENERAL.subs(c1=c1, c2=3, h1=h1)
    r = d.sweep(invalid="skip", n=ns, k1=[k1], q1=[q1], k2=[k2])
    expected = []
    for n in ns:
        try:
            expected.append((n, d.evaluate(n=n, k1=k1, q1=q1, k2=k2)))
        except ShapeError:
            pass
    assert [(row["n"], row["total"]) for row in r.rows()] == expected
    assert all(type(row["total"]) is int for row in r.rows())


def dense_total(n, h):
    return n * h + h + h * 10 + 10


def test_overflow_falls_back_to_python_ints():
    d = symparams.parse("I(n)-H(h)-O(10)").derive()
    big = 10 ** 15
    r = d.sweep(n=[3, big], h=[big])
    assert [row["total"] for row in r.rows()] == [dense_total(3, big), dense_total(big, big)]
    assert dense_total(big, big) > 2 ** 63


def test_sweep_int64_path_and_order():
    d = symparams.parse("I(n)-H(h)-O(10)").derive()
    r = d.sweep(n=range(1, 4), h=[5, 7])
    assert r.columns["total"].dtype == np.int64
    assert [(x["n"], x["h"], x["total"]) for x in r.rows()] == \
        [(n, h, dense_total(n, h)) for n in (1, 2, 3) for h in (5, 7)]


def test_invalid_points_error_names_the_layer_or_are_skipped():
    d = symparams.parse("I(n x n x 1)-C(2,5)-H(3)").derive()
    with pytest.raises(ShapeError, match=r"grid point n=1: layer 1 \(conv2d1\)"):
        d.sweep(n=range(1, 10))
    assert [x["n"] for x in d.sweep(invalid="skip", n=range(1, 10)).rows()] == [5, 6, 7, 8, 9]
    with pytest.raises(symparams.MissingValueError, match="k1"):
        symparams.parse("I-C-H-O").derive().sweep(n=[5])


def test_grid_ranges_include_their_stop():
    assert len(parse_grid("1:64")) == 64
    assert parse_grid("16:64:16") == [16, 32, 48, 64]
    assert parse_grid("8,16,32") == [8, 16, 32]
    with pytest.raises(symparams.SpecError):
        parse_grid("3:1")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


MNIST = "I(28x28x1)-C(32,5)-P(2)-C(32,3)-P(2)-H(h)-O(10)"


def test_cli_solve(capsys):
    code, out, _ = run(capsys, "solve", MNIST, "--for", "h", "--max-params", "1000000")
    assert code == 0 and out.startswith("h = 1220")
    code, out, _ = run(capsys, "solve", MNIST, "--for", "h", "--max-params", "10**6", "--format", "json")
    assert json.loads(out) == {"symbol": "h", "value": 1220, "total": 10090 + 811 * 1220}
    code, out, err = run(capsys, "solve", MNIST, "--for", "h", "--max-params", "5")
    assert code == 1 and err.startswith("symparams: error:") and "Traceback" not in err


def test_cli_sweep_csv_json_and_errors(capsys, tmp_path):
    code, out, _ = run(capsys, "sweep", "I(n)-H(h)-O(10)", "--grid", "n=1:3", "--grid", "h=5,7")
    lines = out.splitlines()
    assert code == 0 and lines[0] == "n,h,total" and len(lines) == 7
    assert lines[1] == f"1,5,{dense_total(1, 5)}"
    code, out, _ = run(capsys, "sweep", "I(n)-H(h)-O(10)", "--grid", "n=2", "--set", "h=3",
                       "--format", "json")
    assert json.loads(out) == [{"n": 2, "total": dense_total(2, 3)}]
    target = tmp_path / "out.csv"
    code, _, err = run(capsys, "sweep", "I(n x n x 1)-C(2,5)-H(3)", "--grid", "n=1:9", "-o", str(target))
    assert code == 1 and "conv2d1" in err and not target.exists()
    code, _, _ = run(capsys, "sweep", "I(n x n x 1)-C(2,5)-H(3)", "--grid", "n=1:9", "--skip-invalid",
                     "-o", str(target))
    assert code == 0 and len(target.read_text().splitlines()) == 6


def test_cli_derive_form(capsys):
    code, out, _ = run(capsys, "derive", MNIST, "--form", "collected", "--by", "h", "--format", "json")
    assert code == 0 and json.loads(out)["total"] == "811*h + 10090"
