"""Forms, leading terms, sensitivities and solving (answers checked independently)."""

import pytest
import sympy as sp

import symparams
from symparams import NotSupportedError, ShapeError

MNIST = "I(28x28x1)-C(32,5)-P(2)-C(32,3)-P(2)-H(h)-O(10)"


def mnist_total(h):
    """By hand: conv 5*5*1*32+32, conv 3*3*32*32+32, 5*5*32 flattened into h, then 10."""
    return (5 * 5 * 32 + 32) + (3 * 3 * 32 * 32 + 32) + (5 * 5 * 32 * h + h) + (h * 10 + 10)


def test_collected_by_h():
    d = symparams.parse(MNIST).derive()
    h = d.symbols["h"]
    total = d.simplify("collected", by="h").total
    assert total == 811 * h + 10090 == mnist_total(h)
    assert sp.expand(d.simplify("expanded").total - d.total) == 0


def test_forms_keep_the_value_and_by_layer_sums_to_total():
    d = symparams.parse("I-C-P-C-P-H-O").derive()
    f = d.simplify("factored")
    assert sp.expand(f.total - d.total) == 0
    assert sp.expand(d.by_layer().doit() - d.total) == 0
    terms = sp.Add.make_args(d.by_layer())
    assert len(terms) == 4  # two convs and two dense layers
    with pytest.raises(symparams.SpecError, match="needs a symbol"):
        d.simplify("collected")


def test_leading_term_and_diff():
    d = symparams.parse("I(x)-H(x)-H(x)-O(x)").derive()
    x = d.symbols["x"]
    assert d.leading_term("x") == 3 * x ** 2  # three x-by-x weight matrices
    assert sp.expand(d.diff("x")) == 6 * x + 3
    cnn = symparams.parse("I(n x n x 1)-C(4,3)-P(2)-H(5)").derive()
    n = cnn.symbols["n"]
    assert cnn.leading_term("n") == 5 * n ** 2  # 4 channels * (n/2)^2 * 5 units
    with pytest.raises(NotSupportedError, match="discrete=True"):
        cnn.diff("n")
    step = cnn.diff("n", discrete=True)
    for v in range(4, 30):
        assert step.subs(n, v) == cnn.evaluate(n=v + 1) - cnn.evaluate(n=v)


def test_solve_max_params_checked_on_both_sides():
    d = symparams.parse(MNIST).derive()
    s = d.solve("h", max_params=1_000_000)
    assert (s.symbol, s.value, s.total) == ("h", 1220, mnist_total(1220))
    assert mnist_total(1220) <= 1_000_000 < mnist_total(1221)
    assert s.neighbour == (1221, mnist_total(1221))
    assert d.solve("h", min_params=1_000_000).value == 1221
    assert d.solve("h", equals=mnist_total(77)).value == 77
    with pytest.raises(ShapeError, match="exactly"):
        d.solve("h", equals=mnist_total(77) + 1)
    with pytest.raises(ShapeError, match="no valid integer"):
        d.solve("h", max_params=100)


def test_solve_kernel_scans_a_non_monotone_total():
    d = symparams.parse("I(28x28x1)-C(32,k)-P(2)-H(100)-O(10)").derive()
    totals = {}
    for k in range(1, 40):
        try:
            totals[k] = d.evaluate(k=k)
        except ShapeError:
            pass
    for budget in (30_000, 300_000, 600_000):
        best = max(k for k, t in totals.items() if t <= budget)
        assert d.solve("k", max_params=budget).value == best


def test_solve_input_size_and_stride():
    d = symparams.parse("I(n x n x 1)-C(4,3)-P(2)-H(10)").derive()
    brute = max(n for n in range(4, 500) if d.evaluate(n=n) <= 50_000)
    assert d.solve("n", max_params=50_000).value == brute
    strided = symparams.parse("I(28x28x1)-C(8,5,s=s)-H(10)").derive()
    with pytest.raises(ShapeError, match="no largest value"):
        strided.solve("s", max_params=10**9)
    with pytest.raises(symparams.MissingValueError, match="k1"):
        symparams.parse("I-C-H-O").derive().solve("h1", max_params=10)
