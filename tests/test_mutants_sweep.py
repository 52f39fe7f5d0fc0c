"""Tests written against the mutants of symparams/algebra/sweep.py that survived the
earlier suite (docs/testing.md).  Expected totals are hand arithmetic from the layer
definitions; messages are the documented ones, compared whole."""

import json
import math
import warnings
from types import SimpleNamespace

import numpy as np
import pytest
import sympy as sp

import symparams
from symparams import Condition, MissingValueError, ShapeError, SpecError
from symparams.algebra import sweep as sweep_module
from symparams.algebra.sweep import Sweep, parse_grid

DENSE = symparams.parse("I(n)-H(h)").derive()          # n*h + h
PAD = symparams.parse("I(n x n x 1)-C(2,3,p=q)-H(2)").derive()
INPUT = symparams.parse("I(n-3 x 2)-H(h)").derive()     # 2*(n - 3)*h + h, n >= 4 (input)
CONV5 = symparams.parse("I(n x n x 1)-C(2,5)-H(3)").derive()  # n >= 5 (layer 1)
GROUPS = symparams.parse("I(n x n x c)-C(2,5,g=2)-H(3)").derive()
CONSTANT = symparams.parse("I(n x n x 1)-C(2,3)-G-O(3)").derive()  # 20 + 9, n >= 3
POOL = symparams.parse("I(n x n x 1)-P(2)").derive()    # no parameters, n >= 2


def message(exc_type, fn, *args, **kwargs):
    with pytest.raises(exc_type) as info:
        fn(*args, **kwargs)
    return str(info.value)


def totals(result, *names):
    return [tuple(row[n] for n in (*names, "total")) for row in result.rows()]


def fake(total, conditions, symbols, describe=lambda s: ""):
    """A derivation-like object: any total and conditions, for cases no network has."""
    return SimpleNamespace(symbols={s.name: s for s in symbols}, free_symbols=set(symbols),
                           conditions=conditions, total=total, describe=describe)


# -- errors, whole messages -------------------------------------------------------------
def test_argument_errors():
    assert message(SpecError, Sweep, DENSE, {"n": [1], "h": [1]}, invalid="bad") == \
        "invalid= must be one of error, skip, got 'bad'"
    assert message(SpecError, Sweep, DENSE, {"x": [1]}) == "unknown symbol 'x'; symbols: n, h"
    assert message(SpecError, Sweep, DENSE, {"n": [1], "y": [1], "x": [1]}) == \
        "unknown symbol 'y'; symbols: n, h"
    no_symbols = symparams.parse("I(4)-H(2)").derive()
    assert message(SpecError, Sweep, no_symbols, {"x": [1]}) == "unknown symbol 'x'; symbols: none"
    assert message(SpecError, Sweep, DENSE, {}) == "a sweep needs at least one grid"
    assert message(MissingValueError, Sweep, DENSE, {"n": [1]}) == \
        "no value or grid for h (number of units of dense1)"
    n, h, w = sp.symbols("n h w", integer=True, positive=True)
    assert message(MissingValueError, Sweep, fake(n * h * w, [], [n, h, w]), {"n": [1]}) == \
        "no value or grid for h (no description), w (no description)"


@pytest.mark.parametrize("bad", [True, 1.5, 0, -1, "3"])
def test_max_points_must_be_a_positive_integer(bad):
    assert message(SpecError, Sweep, DENSE, {"n": [1], "h": [1]}, max_points=bad) == \
        f"max_points must be a positive integer, got '{bad}'"


def test_max_points_of_one_allows_one_point():
    assert totals(Sweep(DENSE, {"n": [3], "h": [2]}, max_points=1).collect(), "n", "h") == \
        [(3, 2, 8)]
    assert len(Sweep(DENSE, {"n": [3], "h": [2]}, max_points=None).collect()) == 1


def test_grid_value_errors():
    assert message(SpecError, Sweep, DENSE, {"n": [], "h": [1]}) == "the grid of n is empty"
    assert message(SpecError, Sweep, DENSE, {"n": range(5, 5), "h": [1]}) == "the grid of n is empty"
    big = "a grid value of n has more than 60 digits"
    for grid in ([10 ** 60], [-10 ** 60], range(10 ** 60, 10 ** 60 + 1),
                 range(10 ** 60, 10 ** 60 - 2, -1), range(10 ** 60 - 2, 10 ** 60 + 1)):
        assert message(SpecError, Sweep, DENSE, {"n": grid, "h": [1]}) == big, grid
    # 10**60 - 1 has 60 digits: accepted, exact
    r = Sweep(DENSE, {"n": [10 ** 60 - 1], "h": [1]}).collect()
    assert totals(r, "n") == [(10 ** 60 - 1, 10 ** 60)]
    r = Sweep(DENSE, {"n": range(10 ** 60 - 1, 10 ** 60), "h": [1]}).collect()
    assert totals(r, "n") == [(10 ** 60 - 1, 10 ** 60)]


@pytest.mark.parametrize("grid", [[0], [3, 0], range(0, 5), range(2, -1, -1), range(4, -1, -2)])
def test_a_positive_symbol_rejects_zero(grid):
    low = min(grid)
    assert message(ShapeError, Sweep, DENSE, {"n": grid, "h": [1]}) == \
        f"n must be an integer of at least 1, got {low} in its grid"


def test_a_nonnegative_symbol_takes_zero():
    # conv 2 filters 3x3 (+2) = 20; output (n + 2q - 2)^2 x 2 into H(2)
    r = PAD.sweep(n=[5], q=range(0, 3))
    assert totals(r, "q") == [(q, 20 + 2 * 2 * (5 + 2 * q - 2) ** 2 + 2) for q in range(3)]
    r = PAD.sweep(n=[5], q=[0])
    assert totals(r, "q") == [(0, 58)]
    assert message(ShapeError, PAD.sweep, n=[5], q=[-1]) == \
        "q must be an integer of at least 0, got -1 in its grid"
    assert message(ShapeError, PAD.sweep, n=[5], q=range(-1, 2)) == \
        "q must be an integer of at least 0, got -1 in its grid"


@pytest.mark.parametrize("value, text", [("5", "a str"), (True, "a bool"), (np.True_, "a bool"),
                                         (1.5, "'1.5'"), (2.0, "'2.0'"), (None, "a NoneType")])
def test_grid_values_must_be_integers(value, text):
    assert message(SpecError, Sweep, DENSE, {"n": [3, value], "h": [1]}) == \
        f"grid values of n must be integers, got {text}"


def test_parse_grid_errors_and_single_value_ranges():
    grid_msg = ("a grid is start:stop[:step] or integers separated by commas "
                "(at most 60 digits each), got '{}'")
    for text in ("1:2:3:4", "5:", "1,x", "1" * 61):
        assert message(SpecError, parse_grid, text) == grid_msg.format(text)
    assert message(SpecError, parse_grid, "1:5:0") == "grid step must be positive, got 0 in '1:5:0'"
    assert message(SpecError, parse_grid, "1:5:-2") == "grid step must be positive, got -2 in '1:5:-2'"
    assert message(SpecError, parse_grid, "5:3") == "grid range '5:3' is empty (stop before start)"
    assert parse_grid("5:5") == range(5, 6)
    assert parse_grid(" 7 ") == [7]


# -- grids: how they are counted, ordered and stored ------------------------------------
@pytest.mark.parametrize("grid", [range(9, 0, -3), range(10, 0, -4), range(10, 0, -3),
                                  range(1, 10, 4), range(1, 11, 3), range(5, 6), range(7, 6, -1)])
def test_ranges_count_and_order_like_python(grid):
    plan = Sweep(DENSE, {"n": grid, "h": [2]})
    assert len(plan) == len(list(grid))
    assert totals(plan.collect(), "n") == [(n, n * 2 + 2) for n in grid]


def test_scalars_generators_and_arrays_as_grids():
    r = DENSE.sweep(n=5, h=(x for x in (2, 3)))
    assert totals(r, "n", "h") == [(5, 2, 12), (5, 3, 18)]
    r = DENSE.sweep(n=np.int64(4), h=np.array([1, 2]))
    assert totals(r, "n", "h") == [(4, 1, 5), (4, 2, 10)]
    r = sweep_module.sweep(DENSE, {"n": [4], "h": [3]})  # the module function's defaults
    assert totals(r, "n", "h") == [(4, 3, 15)]
    with pytest.raises(ShapeError, match="grid point n=1"):
        sweep_module.sweep(CONV5, {"n": [1, 5]})


@pytest.mark.parametrize("grid, dtype", [
    ([200], np.int64), (range(100, 201), np.int64),
    ([2 ** 62 - 1], np.int64), (range(2 ** 62 - 2, 2 ** 62), np.int64),
    ([2 ** 62], object), ([2 ** 62 + 5], object), ([2 ** 63 + 5], object),
    (range(2 ** 62 - 1, 2 ** 62 + 1), object), (range(2 ** 62 + 1, 2 ** 62 - 1, -1), object),
    (range(2 ** 63 + 1, 2 ** 63 + 3), object)])
def test_axes_are_int64_only_below_two_to_the_62(grid, dtype):
    """The documented rule: int64 below 2**62, Python ints from there on."""
    plan = Sweep(DENSE, {"n": grid, "h": [1]})
    assert plan.axes[0].dtype == dtype
    assert plan.axes[0].tolist() == list(grid)
    assert totals(plan.collect(), "n") == [(n, n + 1) for n in grid]


# -- invalid points: found before anything is yielded, named exactly --------------------
def test_an_invalid_point_stops_a_stream_before_its_first_block():
    plan = Sweep(CONV5, {"n": range(20, 0, -1)})
    with pytest.raises(ShapeError) as info:
        next(plan.blocks(4))  # the first blocks (20..5) are valid; n = 4 is not
    assert str(info.value) == (
        "grid point n=4: layer 1 (conv2d1): the kernel (5) must fit in the padded input height "
        "(n) (n >= 5 fails); skip such points with invalid='skip' (--skip-invalid)")
    for chunks in (Sweep(CONV5, {"n": range(20, 0, -1)}).csv_chunks(4),
                   Sweep(CONV5, {"n": range(20, 0, -1)}).json_chunks(4)):
        assert next(chunks) in ("n,total\n", "[")  # the header; then no row at all
        with pytest.raises(ShapeError, match="grid point n=4"):
            next(chunks)


def test_an_invalid_point_in_a_later_condition_and_two_symbols():
    assert message(ShapeError, GROUPS.sweep, n=[9, 8], c=[2, 3]) == (
        "grid point n=9, c=3: layer 1 (conv2d1): groups (2) must divide the input channels (c) "
        "(Eq(Mod(c, 2), 0) fails); skip such points with invalid='skip' (--skip-invalid)")
    assert message(ShapeError, GROUPS.sweep, n=[9, 8, 4], c=[2]) == (
        "grid point n=4, c=2: layer 1 (conv2d1): the kernel (5) must fit in the padded input "
        "height (n) (n >= 5 fails); skip such points with invalid='skip' (--skip-invalid)")
    # each point of a small grid against hand arithmetic: 2 filters 5x5 over c/2 channels
    r = GROUPS.sweep(invalid="skip", n=[4, 5, 9], c=[1, 2, 3, 4])
    assert totals(r, "n", "c") == [(n, c, 25 * c + 2 + 2 * (n - 4) ** 2 * 3 + 3)
                                   for n in (5, 9) for c in (2, 4)]


def test_an_input_condition_is_named_input():
    assert message(ShapeError, INPUT.sweep, n=[5, 3], h=[2]) == (
        "grid point n=3, h=2: input: input length n - 3 is at least 1 (n >= 4 fails); skip such "
        "points with invalid='skip' (--skip-invalid)")


def test_the_first_failing_condition_is_named():
    n, h = sp.symbols("n h", integer=True, positive=True)
    conds = [Condition(n >= 4, "n is at least 4", 0, "input"),
             Condition(sp.Eq(sp.Mod(h, 2), 0), "h is even", 2, "dense2")]
    d = fake(n * h, conds, [n, h])
    assert message(ShapeError, sweep_module.sweep, d, {"n": [4, 5], "h": [2, 4, 3]}) == (
        "grid point n=4, h=3: layer 2 (dense2): h is even (Eq(Mod(h, 2), 0) fails); skip such "
        "points with invalid='skip' (--skip-invalid)")


# -- blocks -----------------------------------------------------------------------------
def expected_block_sizes(shape, block):
    """Trailing axes that fit whole in a block, then slices of the next axis, one
    block per value of the axes before it."""
    total = math.prod(shape)
    if total <= block:
        return [total]
    k, tail = len(shape), 1
    while tail * shape[k - 1] <= block:
        k -= 1
        tail *= shape[k]
    step = block // tail
    slices = [min(step, shape[k - 1] - s) * tail for s in range(0, shape[k - 1], step)]
    return slices * math.prod(shape[:k - 1])


@pytest.mark.parametrize("block", [1, 2, 3, 4, 5, 6, 9, 10, 19, 20, 21, 39, 40, 41, 59, 60, 61])
def test_blocks_split_the_grid_as_documented(block):
    d = symparams.parse("I(n)-H(h)-O(o)").derive()  # n*h + h + h*o + o
    grids = dict(n=[1, 2, 3], h=[4, 5, 6, 7], o=[1, 2, 3, 4, 5])
    plan = Sweep(d, grids)
    parts = list(plan.blocks(block))
    assert [len(p) for p in parts] == expected_block_sizes((3, 4, 5), block)
    rows = [tuple(r.values()) for p in parts for r in p.rows()]
    assert rows == [(n, h, o, n * h + h + h * o + o) for n in grids["n"] for h in grids["h"]
                    for o in grids["o"]]
    text = "".join(plan.json_chunks(block))
    assert json.loads(text) == [dict(zip(("n", "h", "o", "total"), r)) for r in rows]
    assert text == json.dumps([dict(zip(("n", "h", "o", "total"), r)) for r in rows]) + "\n"


# -- the exact paths: int64, Python ints, both in one grid ------------------------------
def test_a_network_without_parameters_sweeps_to_zero():
    assert totals(POOL.sweep(n=range(2, 6)), "n") == [(n, 0) for n in range(2, 6)]
    assert totals(POOL.sweep(invalid="skip", n=[1, 2, 2 ** 62 + 1]), "n") == \
        [(2, 0), (2 ** 62 + 1, 0)]


def test_mixed_int64_and_python_int_points_with_invalid_ones():
    # n*h reaches 2**63 for n = 2**61, h = 4: those points are computed with Python ints
    ns, hs = [1, 2, 5, 2 ** 61, 2 ** 61 + 7], [4, 3]
    r = INPUT.sweep(invalid="skip", n=ns, h=hs)
    assert totals(r, "n", "h") == [(n, h, 2 * (n - 3) * h + h) for n in ns for h in hs if n >= 4]
    assert r.columns["total"].dtype == object
    assert message(ShapeError, INPUT.sweep, n=ns, h=hs).startswith("grid point n=1, h=4: input:")


def test_every_point_past_int64():
    ns, hs = [2 ** 61, 2 ** 61 + 1], [4, 8]
    r = INPUT.sweep(n=ns, h=hs)
    assert totals(r, "n", "h") == [(n, h, 2 * (n - 3) * h + h) for n in ns for h in hs]


def test_two_conditions_on_the_python_int_path():
    n, h = sp.symbols("n h", integer=True, positive=True)
    conds = [Condition(n >= 4, "n is at least 4", 0, "input"),
             Condition(sp.Eq(sp.Mod(h, 2), 0), "h is even", 2, "dense2")]
    d = fake(n * h, conds, [n, h])
    ns, hs = [1, 4, 2 ** 62 + 1, 3], [2, 3, 2 ** 62]
    r = sweep_module.sweep(d, {"n": ns, "h": hs}, invalid="skip")
    assert totals(r, "n", "h") == [(a, b, a * b) for a in ns for b in hs if a >= 4 and b % 2 == 0]
    r = sweep_module.sweep(d, {"n": [1, 4, 2 ** 60], "h": [2, 3, 8]}, invalid="skip")
    assert totals(r, "n", "h") == [(a, b, a * b) for a in (4, 2 ** 60) for b in (2, 8)]


def test_a_constant_total_on_the_python_int_path():
    ns = [1, 3, 5, 2 ** 61, 2 ** 62 + 3]
    r = CONSTANT.sweep(invalid="skip", n=ns)
    assert totals(r, "n") == [(n, 29) for n in ns if n >= 3]
    assert all(type(row["total"]) is int for row in r.rows())


def test_no_floating_point_warnings_when_a_bound_overflows():
    n = sp.Symbol("n", integer=True, positive=True)
    d = fake(n ** 6 + 1, [Condition(n >= 2, "n is at least 2", 0, "input")], [n])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = sweep_module.sweep(d, {"n": [2, 10 ** 59]})
    assert totals(r, "n") == [(2, 65), (10 ** 59, 10 ** 354 + 1)]


def test_the_failing_condition_of_a_point_past_two_to_the_53_is_found_exactly():
    # 2**62 + 1 is odd; as a float it would be 2**62, even
    h = sp.Symbol("h", integer=True, positive=True)
    d = fake(h, [Condition(sp.Eq(sp.Mod(h, 2), 0), "h is even", 1, "dense1")], [h])
    assert message(ShapeError, sweep_module.sweep, d, {"h": [2 ** 62, 2 ** 62 + 1]}) == (
        f"grid point h={2 ** 62 + 1}: layer 1 (dense1): h is even (Eq(Mod(h, 2), 0) fails); "
        "skip such points with invalid='skip' (--skip-invalid)")
