"""Property: evaluating the symbolic formula equals a direct integer computation of the
same network (tests/reference.py), for random networks and random values; an
impossible network is refused with a ShapeError instead."""

from __future__ import annotations


from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symparams
from tests.reference import conv_params, conv_size, dense_params, pool_size
from tests.torch_required import examples


@st.composite
def networks(draw):
    """(notation with every hyperparameter a symbol, values, expected total or None)."""
    rank = draw(st.sampled_from([1, 2, 2, 3]))
    values = {"n": draw(st.integers(1, 40 if rank < 3 else 12)), "l": draw(st.integers(1, 4))}
    dims = " x ".join(["n"] * rank + ["l"])
    parts = [f"I({dims})"]
    size, channels, valid, total = values["n"], values["l"], True, 0
    for i in range(1, draw(st.integers(1, 4)) + 1):
        if draw(st.booleans()):  # convolution
            c, k, s, p, d = (draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(1, 3)),
                             draw(st.integers(0, 2)), draw(st.integers(1, 2)))
            g = draw(st.sampled_from([1, 1, 2]))
            bias = draw(st.booleans())
            values.update({f"c{i}": c, f"k{i}": k, f"s{i}": s, f"p{i}": p, f"d{i}": d})
            parts.append(f"C(c{i},k{i},s=s{i},p=p{i},d=d{i},g={g},bias={str(bias).lower()})")
            if size + 2 * p < d * (k - 1) + 1 or channels % g or c % g:
                valid = False
                break
            total += conv_params(channels, c, (k,) * rank, g, bias)
            size, channels = conv_size(size, k, s, p, d), c
        else:  # pooling
            q, s, p = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(0, 2))
            ceil = draw(st.booleans())
            values.update({f"q{i}": q, f"t{i}": s, f"r{i}": p})
            parts.append(f"P(q{i},s=t{i},p=r{i},ceil={str(ceil).lower()})")
            # PyTorch: at least one window (under ceil_mode it may overhang by s - 1)
            if pool_size(size, q, s, p, ceil) < 1 or 2 * p > q:
                valid = False
                break
            size = pool_size(size, q, s, p, ceil)
    if valid:
        features = size ** rank * channels
        for j in range(1, draw(st.integers(0, 2)) + 1):
            h = draw(st.integers(1, 20))
            values[f"h{j}"] = h
            parts.append(f"H(h{j})")
            total += dense_params(features, h)
            features = h
    return "-".join(parts), values, (total if valid else None)


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_symbolic_formula_equals_direct_computation(case):
    text, values, expected = case
    derivation = symparams.parse(text).derive()
    assert all(not s.is_Integer for s in derivation.symbols.values())
    if expected is None:
        try:
            derivation.evaluate(values)
        except symparams.ShapeError:
            return
        raise AssertionError(f"{text} with {values} should be refused")
    total = derivation.evaluate(values)
    assert type(total) is int and total == expected, (text, values)


@settings(max_examples=examples(60), deadline=None)
@given(st.integers(1, 500), st.integers(1, 7), st.integers(1, 4), st.integers(0, 3),
       st.integers(1, 3), st.booleans())
def test_single_window_formula_for_every_value(n, k, s, p, d, ceil):
    conv = symparams.parse("I(n x n x 1)-C(1,k,s=s,p=p,d=d)").derive()
    vals = dict(n=n, k=k, s=s, p=p, d=d)
    if n + 2 * p >= d * (k - 1) + 1:
        assert conv.subs(vals).rows[0].output_shape.dims()[0] == conv_size(n, k, s, p, d)
    if n + 2 * p >= k and 2 * p <= k:
        pool = symparams.parse(f"I(n x n x 1)-P(k,s=s,p=p,ceil={str(ceil).lower()})").derive()
        got = pool.subs(n=n, k=k, s=s, p=p).rows[0].output_shape.dims()[0]
        assert got == pool_size(n, k, s, p, ceil)
