"""Exact sweeps (against evaluate and hand arithmetic) and the solve/sweep commands."""

import json

import numpy as np
import sympy as sp
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
    assert list(parse_grid("16:64:16")) == [16, 32, 48, 64]
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


# -- issue 9: Piecewise totals, the int64 bound and the modulus path -------------------
CEIL_POOLS = symparams.parse("I(n x n x 1)-C(4,3)-P(q,s=a,ceil=true)-P(r,s=b,ceil=true)-H(5)").derive()


def test_two_symbolic_ceil_mode_pools_sweep_like_evaluate():
    import itertools

    assert CEIL_POOLS.total.has(sp.Max)  # PyTorch's last-window rule, as one ceiling
    grid = dict(n=range(3, 15, 2), q=[1, 3], r=[2, 3], a=[1, 2, 3], b=[2, 3])
    got = {tuple(row[k] for k in grid): row["total"]
           for row in CEIL_POOLS.sweep(invalid="skip", **grid).rows()}
    expected = {}
    for point in itertools.product(*grid.values()):
        try:
            expected[point] = CEIL_POOLS.evaluate(dict(zip(grid, point)))
        except ShapeError:
            pass
    assert got == expected and len(expected) > 100


def test_int64_only_below_two_to_the_62():
    """A dense layer n -> h has the intermediate n*h: int64 exactly while every
    intermediate stays below 2**62, Python ints (still exact) from there on."""
    d = symparams.parse("I(n)-H(h)").derive()
    h = 2 ** 31
    below, above = 2 ** 31 - 2, 2 ** 31 + 5  # n*h just under 2**62; just over it
    r = d.sweep(n=[below], h=[h])
    assert r.columns["total"].dtype == np.int64 and int(r.columns["total"][0]) == below * h + h
    for n in (above, 2 ** 32 - 1, 2 ** 32 + 1, 2 ** 33):  # n*h from 2**62 to past 2**63
        r = d.sweep(n=[below, n], h=[h])
        assert r.columns["total"].dtype == object
        assert [x["total"] for x in r.rows()] == [below * h + h, n * h + h]
    # mixed grid: both paths in one sweep, each exact
    ns = [1, 2 ** 31 - 1, 2 ** 31 + 1, 2 ** 32 + 3]
    r = d.sweep(n=ns, h=[h, 3])
    assert [x["total"] for x in r.rows()] == [n * hh + hh for n in ns for hh in (h, 3)]


@pytest.mark.parametrize("arrays", ["scalar", "int64", "object"])
def test_modulus_conditions_with_negative_operands(arrays):
    """Divisibility conditions, as assume_divisible writes them, against sympy's own
    evaluation at every integer, including negative numerators."""
    from symparams.algebra.codegen import compile_exprs

    x = sp.Symbol("x", integer=True)
    rels = [sp.Eq(sp.Mod(x - 7, 4), 0), sp.Eq(sp.Mod(-x - 3, 5), 0),
            sp.Eq(sp.Mod((x - 3) / 2, 4), 0), sp.Eq(sp.Mod((5 - x) / 3, 2), 0),
            sp.Mod(x - 7, 4) >= 2, sp.Ne(sp.Mod(-x, 6), 1)]
    values, _ = compile_exprs(rels, [x])
    xs = list(range(-40, 41))
    if arrays == "scalar":
        got = [[bool(v) for v in values(i)] for i in xs]
    else:
        out = values(np.array(xs, dtype=np.int64 if arrays == "int64" else object))
        got = [[bool(col[i]) for col in out] for i in range(len(xs))]
    expected = [[bool(r.subs(x, i)) for r in rels] for i in xs]
    assert got == expected


# -- issue 9: grids counted before they are built; streamed output ---------------------
def test_huge_grids_are_refused_before_anything_is_built():
    d = symparams.parse("I(n)-H(h)").derive()
    assert isinstance(parse_grid("1:1000000000000"), range)
    with pytest.raises(symparams.SpecError, match=r"10,000,000,000,000,000 points, more than the "
                                                  r"limit of 10,000,000; raise it with max_points="):
        d.sweep(n=parse_grid("1:1000000000000"), h=range(1, 10001))
    with pytest.raises(symparams.SpecError, match="more than the limit of 5"):
        d.sweep(n=range(1, 4), h=[1, 2], max_points=5)
    assert len(d.sweep(n=range(1, 4), h=[1, 2], max_points=6)) == 6


def test_streamed_blocks_csv_and_json_equal_the_whole():
    from symparams.algebra.sweep import Sweep

    d = GENERAL.subs(c1=2, c2=3, h1=4, k2=3)
    grids = dict(n=range(6, 40), k1=[1, 3, 5], q1=[1, 2, 3])
    whole = d.sweep(invalid="skip", **grids)
    plan = Sweep(d, grids, "skip")
    assert len(plan) == 34 * 9
    for block in (1, 7, 50, 10 ** 6):
        parts = list(plan.blocks(block))
        assert all(len(p) <= block for p in parts)
        assert [r for p in parts for r in p.rows()] == list(whole.rows())
        assert "".join(plan.csv_chunks(block)) == whole.to_csv()
        assert json.loads("".join(plan.json_chunks(block))) == list(whole.rows())
    assert whole.to_json() == json.dumps(list(whole.rows())) + "\n"
    lines = whole.to_csv().splitlines()
    assert lines[0] == "n,k1,q1,total" and len(lines) == len(whole) + 1
    n, k1, q1, total = map(int, lines[1].split(","))
    assert total == d.evaluate(n=n, k1=k1, q1=q1)


def test_cli_streams_chunks_and_takes_max_points(capsys, tmp_path):
    from symparams.commands_algebra import _sweep
    from symparams.cli import build_parser

    args = build_parser().parse_args(["sweep", "I(n)-H(h)-O(10)", "--grid", "n=1:300000",
                                      "--grid", "h=2"])
    chunks = _sweep(args)
    assert not isinstance(chunks, str)
    first = next(chunks)
    assert first == "n,h,total\n"  # header first; rows follow block by block
    assert sum(c.count("\n") for c in chunks) == 300000
    code, _, err = run(capsys, "sweep", "I(n)-H(h)", "--grid", "n=1:100", "--grid", "h=1:100",
                       "--max-points", "9999")
    assert code == 2 and "10,000 points, more than the limit of 9,999" in err
    target = tmp_path / "out.json"
    code, _, _ = run(capsys, "sweep", "I(n)-H(h)", "--grid", "n=1:100", "--grid", "h=1:100",
                     "--max-points", "10**4", "--format", "json", "-o", str(target))
    rows = json.loads(target.read_text())
    assert code == 0 and len(rows) == 10 ** 4 and rows[-1] == {"n": 100, "h": 100, "total": 100 * 100 + 100}


def test_piecewise_and_ite_evaluate_exactly_like_sympy():
    from symparams.algebra.codegen import compile_exprs

    x, y = sp.symbols("x y", integer=True, positive=True)
    piecewise = sp.Piecewise((x ** 2 - 3 * y, sp.Ge(x, 2 * y)), (x * y + 1, True))
    ite = sp.ITE(sp.And(sp.Ge(x, 3), sp.Not(sp.Eq(sp.Mod(x + y, 3), 0))), sp.true, sp.false)
    values, _ = compile_exprs([piecewise, ite], [x, y])
    for a in range(1, 9):
        for b in range(1, 6):
            got = values(a, b)
            assert got[0] == piecewise.subs({x: a, y: b})
            assert bool(got[1]) == bool(ite.subs({x: a, y: b}))
            arrays = values(np.array([a], dtype=np.int64), np.array([b], dtype=np.int64))
            assert int(arrays[0][0]) == got[0] and bool(np.asarray(arrays[1]).ravel()[0]) == bool(got[1])
