"""solve against an independent brute force: every candidate value evaluated with
Derivation.evaluate in a plain loop (issue 9: non-monotone totals, strides, groups,
divisibility assumptions, a symbol in two roles)."""

import os

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

import symparams
from symparams import ShapeError

TOP = 30  # the brute force evaluates x = lo ... TOP
# 80 examples in the suite (about 40 s); SOLVE_EXAMPLES=400 (or more) for a deeper run


@st.composite
def problems(draw):
    """A small CNN whose sizes are numbers or the symbol x (at least one x)."""
    def size(lo, hi):
        return draw(st.one_of(st.just("x"), st.integers(lo, hi).map(str)))

    groups = draw(st.sampled_from(["1", "2", "x"]))
    cin = draw(st.sampled_from([2, 4]))
    cout = draw(st.sampled_from(["2", "4", "x"])) if groups != "1" else size(1, 4)
    conv = f"C({cout},{size(1, 5)},s={size(1, 3)},p={draw(st.sampled_from(['0', '1', 'x']))},g={groups})"
    pool = f"P({size(1, 3)}" + draw(st.sampled_from(["", ",s=x", ",s=2", ",ceil=true"])) + ")"
    layers = [f"I({size(6, 20)} x {size(6, 20)} x {cin})", conv]
    if draw(st.booleans()):
        layers.append(pool)
    layers.append(f"H({size(1, 5)})")
    spec = "-".join(layers)
    if "x" not in spec.replace("x " + str(cin), "").replace(" x ", " "):
        spec = spec.replace("H(", "H(x+", 1)
    return spec, draw(st.booleans())


def brute(d, lo):
    totals = {}
    for v in range(lo, TOP + 1):
        try:
            totals[v] = d.evaluate(x=v)
        except ShapeError:
            pass
    return totals


@settings(max_examples=int(os.environ.get("SOLVE_EXAMPLES", 80)), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problems(), st.sampled_from(["max_params", "min_params", "equals"]), st.data())
def test_solve_matches_brute_force(problem, kind, data):
    spec, divisible = problem
    try:
        d = symparams.parse(spec).derive(assume_divisible=divisible)
    except ShapeError:
        return  # impossible for every x: nothing to solve (and nothing drawn below)
    if "x" not in d.symbols or d.symbols["x"] not in d.total.free_symbols:
        return
    lo = 1 if d.symbols["x"].is_positive else 0
    totals = brute(d, lo)
    pool = sorted(set(totals.values())) or [1000]
    budget = data.draw(st.sampled_from(pool)) + data.draw(st.sampled_from([-1, 0, 0, 1]))
    hits = sorted(v for v, t in totals.items() if {
        "max_params": t <= budget, "min_params": t >= budget, "equals": t == budget}[kind])
    try:
        s = d.solve("x", **{kind: budget})
    except ShapeError as err:
        if "no largest value" in str(err):
            assert kind == "max_params" and hits and hits[-1] == TOP, (spec, str(err))
            return
        assert not hits, (spec, kind, budget, str(err))  # never a false "no solution"
        return
    # the answer itself, independently
    t = d.evaluate(x=s.value)
    assert t == s.total and {"max_params": t <= budget, "min_params": t >= budget,
                             "equals": t == budget}[kind], (spec, kind, budget, s)
    if kind == "max_params":
        assert not [v for v in hits if v > s.value], (spec, budget, s, hits)
        if s.value <= TOP:
            assert s.value == hits[-1]
    else:
        assert (hits and s.value == hits[0]) or (not hits and s.value > TOP), (spec, kind, budget, s, hits)
