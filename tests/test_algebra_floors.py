"""Nested floors/ceilings combine exactly: checked against direct integer arithmetic."""

import sympy as sp
from hypothesis import given, settings, strategies as st

import symparams
from symparams.core.shape import CeilDiv, FloorDiv

N = sp.Symbol("n", integer=True, positive=True)


def torch_size(n, k, s=1, p=0, d=1, ceil=False):
    """PyTorch's output length, written out independently with Python ints."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil else span // s) + 1
    if ceil and (out - 1) * s >= n + p:
        out -= 1
    return out


RESNET = "I(n x n x 3)-C(64,7,s=2,p=3)-P(3,s=2,p=1)-C(128,3,s=2,p=1)-C(256,3,s=2,p=1)-C(512,3,s=2,p=1)"
RESNET_LAYERS = [(7, 2, 3), (3, 2, 1), (3, 2, 1), (3, 2, 1), (3, 2, 1)]
VGG = "I(n x n x 3)-" + "-".join(["C(64,3,p=1)-C(64,3,p=1)-P(2)"] * 5)
VGG_LAYERS = [(3, 1, 1), (3, 1, 1), (2, 2, 0)] * 5


def test_resnet_stem_and_stages_end_at_ceiling_n_over_32():
    d = symparams.parse(RESNET).derive()
    n = d.symbols["n"]
    assert d.output_shape.spatial == (CeilDiv(n, 32), CeilDiv(n, 32))
    assert str(d.output_shape.spatial[0]) == "ceiling(n/32)"


def test_vgg_five_pools_end_at_floor_n_over_32():
    d = symparams.parse(VGG).derive()
    n = d.symbols["n"]
    assert d.output_shape.spatial[0] == FloorDiv(n, 32)


def test_pool_after_valid_conv_is_one_floor():
    d = symparams.parse("I-C-P").derive()
    assert str(d.rows[1].output_shape.spatial[0]) == "floor((-k1 + n + 1)/q1)"


def _chain(n, layers):
    for k, s, p, *rest in layers:
        ceil = bool(rest and rest[0])
        if n + 2 * p < k:
            return None
        n = torch_size(n, k, s, p, ceil=ceil)
    return n


def test_every_row_of_resnet_and_vgg_matches_direct_arithmetic_for_n_up_to_300():
    for spec, layers in ((RESNET, RESNET_LAYERS), (VGG, VGG_LAYERS)):
        d = symparams.parse(spec).derive()
        n = d.symbols["n"]
        rows = [r for r in d.rows]
        for value in range(1, 301):
            for i, row in enumerate(rows):
                expected = _chain(value, layers[:i + 1])
                if expected is None or expected < 1:
                    break
                assert row.output_shape.spatial[0].subs(n, value) == expected, (spec, value, i)


layer = st.tuples(st.integers(1, 5), st.integers(1, 4), st.integers(0, 2), st.booleans())


@settings(max_examples=60, deadline=None)
@given(st.lists(layer, min_size=1, max_size=6))
def test_random_chains_match_direct_arithmetic(layers):
    parts = []
    for k, s, p, is_pool in layers:
        p = min(p, k // 2)
        parts.append(f"P({k},s={s},p={p})" if is_pool else f"C(2,{k},s={s},p={p})")
    d = symparams.parse("I(n x n x 1)-" + "-".join(parts)).derive()
    n = d.symbols["n"]
    fixed = [(k, s, min(p, k // 2)) for k, s, p, _ in layers]
    for value in range(1, 120):
        expected = _chain(value, fixed)
        if expected is None or expected < 1:
            continue
        assert d.output_shape.spatial[0].subs(n, value) == expected, value


@settings(max_examples=40, deadline=None)
@given(st.integers(2, 5), st.integers(2, 5), st.integers(-6, 6), st.booleans(), st.booleans())
def test_nested_identities_by_brute_force(b, c, m, outer_floor, inner_floor):
    a = sp.Symbol("a", integer=True)
    outer, inner = (FloorDiv if outer_floor else CeilDiv), (FloorDiv if inner_floor else CeilDiv)
    combined = outer(inner(a, b) + m, c)
    assert not any(isinstance(x, (FloorDiv, CeilDiv)) for x in combined.args[0].atoms(sp.Function))
    for value in range(-60, 61):
        iv = value // b if inner_floor else -(-value // b)
        expected = (iv + m) // c if outer_floor else -(-(iv + m) // c)
        assert combined.subs(a, value) == expected


def test_floor_plus_one_is_ceiling():
    from symparams.algebra.floors import shortest

    assert shortest(FloorDiv(N - 1, 2) + 1) == CeilDiv(N, 2)
    for value in range(1, 50):
        assert (value - 1) // 2 + 1 == -(-value // 2)


# -- issue 9: ceil_mode pools in one ceiling, linear in size ---------------------------
from symparams.algebra.floors import shortest, size  # noqa: E402
from symparams.core.shape import window_output_size  # noqa: E402
from tests.reference import pool_size  # noqa: E402

K, S, P = (sp.Symbol(x, integer=True, positive=True) for x in "kst")
PAD = sp.Symbol("p", integer=True, nonnegative=True)


def test_symbolic_ceil_mode_size_equals_pytorch_rule_everywhere():
    # every n, k, s and padding PyTorch accepts (2p <= k, one window fits), by brute force
    out = window_output_size(N, K, S, PAD, ceil_mode=True)
    assert not out.has(sp.Piecewise)
    checked = 0
    for k in range(1, 8):
        for s in range(1, 7):
            for p in range(0, k // 2 + 1):
                for n in range(1, 40):
                    if n + 2 * p + s - 1 < k:
                        continue
                    got = out.xreplace({N: n, K: k, S: s, PAD: p})
                    assert got == pool_size(n, k, s, p, ceil_mode=True), (n, k, s, p)
                    checked += 1
    assert checked > 4000


def test_numeric_window_with_padding_needs_no_case_split():
    # k=2, s=2, p=1: the last window may start in the padding (n=5 gives 3, not 4)
    out = window_output_size(N, sp.Integer(2), sp.Integer(2), sp.Integer(1), ceil_mode=True)
    assert out == CeilDiv(N + 1, 2)
    assert [out.subs(N, n) for n in range(1, 30)] == [pool_size(n, 2, 2, 1, True) for n in range(1, 30)]


def _ceil_chain(count: int) -> str:
    return "-".join(["I(n x n x 1)"] + [f"P(q{i},s=t{i},ceil=true)" for i in range(1, count + 1)])


def test_stacked_symbolic_ceil_mode_pools_grow_linearly_and_stay_exact():
    sizes = [size(symparams.parse(_ceil_chain(c)).derive().output_shape.spatial[0])
             for c in (2, 4, 8)]
    # a doubling form would grow ~16x from 4 to 8 pools; one ceiling grows ~2x
    assert sizes[2] < 3 * sizes[1], sizes
    d = symparams.parse(_ceil_chain(6)).derive()
    import random

    rng = random.Random(9)
    for _ in range(200):
        ks = [rng.randint(1, 6) for _ in range(6)]
        ss = [rng.randint(1, 5) for _ in range(6)]
        n = rng.randint(1, 3000)
        side, ok = n, True
        for k, s in zip(ks, ss):
            if side + s - 1 < k:
                ok = False
                break
            side = pool_size(side, k, s, 0, ceil_mode=True)
        values = {"n": n, **{f"q{i}": k for i, k in enumerate(ks, 1)},
                  **{f"t{i}": s for i, s in enumerate(ss, 1)}}
        at = {d.symbols[name]: v for name, v in values.items()}
        assert all(c.relation.xreplace(at) for c in d.conditions) == ok, values
        if ok:
            assert d.output_shape.spatial[0].xreplace(at) == side, values
            last = values, side
    assert d.subs(last[0]).output_shape.spatial[0] == last[1]  # one point through subs


# -- issue 9: FloorDiv/CeilDiv are sympy's floor/ceiling for every printer -------------
def test_floordiv_is_a_sympy_floor_for_every_printer():
    s = sp.Symbol("s", integer=True, positive=True)
    f, c = FloorDiv(N - 4, 2), CeilDiv(N, s)
    assert isinstance(f, sp.floor) and isinstance(c, sp.ceiling)
    assert (3 * f + 1).has(sp.floor) and (c - 1).has(sp.ceiling)
    assert str(f) == "floor((n - 4)/2)" and str(c) == "ceiling(n/s)"
    pretty = sp.pretty(f, use_unicode=True)
    assert "⎣" in pretty and "n - 4" in pretty and "FloorDiv" not in pretty
    assert sp.ccode(f) == "floor((n - 4)/2)" and sp.ccode(c) == "ceil(n/s)"
    assert sp.jscode(f) == "Math.floor((n - 4)/2)"
    assert sp.octave_code(c) == "ceil(n./s)"
    assert sp.mathml(f) == "<apply><floor/><apply><divide/><apply><minus/><ci>n</ci><cn>4</cn>" \
        "</apply><cn>2</cn></apply></apply>"
    assert sp.pycode(f) == "((n - 4)//(2))" and sp.pycode(c) == "(-((-(n))//(s)))"
    assert sp.latex(f) == r"\left\lfloor \frac{n - 4}{2} \right\rfloor"
    assert "FloorDiv" not in sp.pretty(f) + sp.ccode(f) + sp.jscode(f) + sp.octave_code(f)
    assert f.rewrite(sp.floor) == sp.floor(N / 2) - 2
    assert c.rewrite(sp.ceiling) == sp.ceiling(N / s) and c.rewrite(sp.floor) == -sp.floor(-N / s)


def test_floordiv_comparisons_and_lambdify_are_exact():
    s = sp.Symbol("s", integer=True, positive=True)
    f = FloorDiv(N, 2)
    # sympy's floor would read floor(n, 2) <= 3 as "n < 4": wrong for two arguments
    for rel, check in ((f <= 3, lambda n: n // 2 <= 3), (f < 3, lambda n: n // 2 < 3),
                       (f > 3, lambda n: n // 2 > 3), (f >= 3, lambda n: n // 2 >= 3)):
        assert [bool(rel.subs(N, n)) for n in range(1, 12)] == [check(n) for n in range(1, 12)]
    assert (FloorDiv(N, s) >= 0) is sp.true and (CeilDiv(N, 2) > 0) is sp.true
    fn = sp.lambdify([N, s], FloorDiv(N - 4, 2) * CeilDiv(N, s))
    big = 10**20 + 1
    assert fn(big, 7) == ((big - 4) // 2) * (-(-big // 7)) and isinstance(fn(11, 3), int)


def test_trivial_quotients_evaluate():
    s = sp.Symbol("s", integer=True, positive=True)
    assert FloorDiv(0, s) == 0 and CeilDiv(0, s) == 0  # the stray floor(0/s) of issue 9
    assert FloorDiv(s, s) == 1 and CeilDiv(s, s) == 1
    assert FloorDiv(2 * s, s) == 2 and CeilDiv(N * s + 2 * s, s) == N + 2
    for n in range(1, 12):
        for k in range(1, 6):
            assert FloorDiv(N * k - k, k).subs(N, n) == n - 1


def test_a_rewrite_that_evaluates_is_a_form_too():
    # floor((x - 1)/x) = ceil(0/x) = 0 for x >= 1: the other form is a number
    x = sp.Symbol("x", integer=True, positive=True)
    assert shortest(FloorDiv(x - 1, x) + 1) == 1
    d = symparams.parse("I(x x x x 2)-C(x,1,s=x)-H(x)").derive()
    assert d.rows[0].output_shape.spatial == (1, 1)
