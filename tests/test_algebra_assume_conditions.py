"""Divisibility assumptions and validity conditions."""

import pytest
import sympy as sp

import symparams
from symparams import ShapeError, SpecError
from symparams.algebra.floors import contains_int_div

VGG = "I(n x n x 3)-" + "-".join(["C(64,3,p=1)-C(64,3,p=1)-P(2)"] * 5) + "-H(10)"


def vgg_params(n):
    """Independent count: 64-channel 3x3 convs with bias, five 2x2 pools, dense 10."""
    convs = (3 * 3 * 3 * 64 + 64) + 9 * (3 * 3 * 64 * 64 + 64)
    side = n
    for _ in range(5):
        side //= 2
    return convs + side * side * 64 * 10 + 10


def test_assume_divisible_drops_floors_and_records_the_assumption():
    d = symparams.parse(VGG).derive(assume_divisible=True)
    n = d.symbols["n"]
    assert d.row("maxpool5").output_shape.spatial[0] == n / 32 and not contains_int_div(d.total)
    reasons = [c.reason for c in d.conditions]
    assert "assuming 32 divides n" in reasons
    assert any(c.relation == sp.Eq(sp.Mod(n, 32), 0) for c in d.conditions)
    assert "assuming 32 divides n" in str(d)
    assert d.evaluate(n=224) == vgg_params(224)
    assert d.subs(n=224).assume_divisible is True


def test_numbers_that_break_the_assumption_name_the_layer():
    d = symparams.parse(VGG).derive(assume_divisible=True)
    with pytest.raises(ShapeError, match=r"maxpool3.*does not divide"):
        d.subs(n=100)
    assert symparams.parse(VGG).derive().evaluate(n=100) == vgg_params(100)


def test_per_layer_assumption_and_unknown_layer():
    d = symparams.parse("I-C-P-H-O").derive(assume_divisible={"maxpool1"})
    assert [c.reason for c in d.conditions if c.reason.startswith("assuming")] == \
        ["assuming q1 divides -k1 + n + 1"]
    assert d.rows[0].output_shape.spatial[0] == d.symbols["n"] - d.symbols["k1"] + 1
    with pytest.raises(SpecError, match="no layer 'pool9'"):
        symparams.parse("I-C-P-H-O").derive(assume_divisible={"pool9"})


def test_conditions_have_no_outer_floors_and_no_implied_duplicates():
    d = symparams.parse("I-C-P-C-P-H-O").derive()
    assert all(not contains_int_div(c.relation) for c in d.conditions)
    s = d.symbols
    # conv2d1's "n >= k1" follows from maxpool1's "n - k1 + 1 >= q1" (q1 >= 1)
    assert not any(c.relation == sp.Ge(s["n"], s["k1"]) for c in d.conditions)
    assert len({c.relation for c in d.conditions}) == len(d.conditions)


def brute_valid(n, k1, q1, k2, q2):
    """Independent: every size along I-C-P-C-P stays >= 1 and every window fits."""
    a = n - k1 + 1
    if a < 1 or a < q1:
        return False
    b = (a - q1) // q1 + 1
    c = b - k2 + 1
    if c < 1 or c < q2:
        return False
    return True


def test_valid_agrees_with_brute_force():
    d = symparams.parse("I-C-P-C-P-H-O").derive().subs(l=1, c1=2, c2=2, h1=3, o=2)
    for n in range(1, 16):
        for k1 in (1, 3, 5):
            for q1 in (1, 2, 3):
                for k2 in (1, 3):
                    assert d.valid(n=n, k1=k1, q1=q1, k2=k2, q2=2) == brute_valid(n, k1, q1, k2, 2), \
                        (n, k1, q1, k2)


def test_valid_needs_values_and_rejects_nonsense():
    d = symparams.parse("I-C-H-O").derive()
    with pytest.raises(symparams.MissingValueError):
        d.valid(n=5)
    assert d.valid(n=0, k1=1) is False
    with pytest.raises(SpecError, match="unknown symbol"):
        d.valid(x=1)


def test_conditions_in_json():
    import json

    data = json.loads(symparams.parse(VGG).derive(assume_divisible=True).to_dict() and
                      json.dumps(symparams.parse(VGG).derive(assume_divisible=True).to_dict()))
    assert "Eq(Mod(n, 32), 0)" in data["conditions"]


def test_implication_test_is_sound_by_brute_force():
    # issue 9: _drop_implied uses a cheap structural test; whenever it says
    # "d_j >= 0 implies d_i >= 0" that must hold at every point
    import itertools
    import random

    from symparams.algebra.conditions import _dominates, _monomials

    a, b = (sp.Symbol(x, integer=True, positive=True) for x in "ab")
    p = sp.Symbol("p", integer=True, nonnegative=True)
    monos = [sp.Integer(1), a, b, p, a * b, a * p, b**2]
    rng = random.Random(9)
    shown = 0
    for _ in range(3000):
        di = sum(rng.randint(-3, 3) * m for m in rng.sample(monos, 3))
        dj = sum(rng.randint(-3, 3) * m for m in rng.sample(monos, 3))
        if not _dominates(_monomials(di), _monomials(dj), {}, [10**6]):
            continue
        shown += 1
        for av, bv, pv in itertools.product(range(1, 5), range(1, 5), range(0, 4)):
            at = {a: av, b: bv, p: pv}
            assert di.xreplace(at) >= dj.xreplace(at), (di, dj, at)
    assert shown > 100


def test_deep_stack_drops_the_implied_condition_and_keeps_the_others():
    # 12 symbolic layers: maxpool1's n - k1 + 1 >= q1 implies conv2d1's n >= k1 (q1 >= 1);
    # the others stay (maxpool1's also follows from conv2d2's through k2*q1 >= q1, a
    # product bound that neither the structural test nor sympy's is_nonnegative shows)
    d = symparams.parse("-".join(["I"] + ["C", "P"] * 6)).derive()
    layers = [c.layer for c in d.conditions]
    assert "conv2d1" not in layers and len(layers) == len(set(layers)) == 11
