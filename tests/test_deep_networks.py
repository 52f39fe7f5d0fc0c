"""Deep fully symbolic networks (issue 9, "bounded cost"): they derive, evaluate and
export, their closed form is right, and past the nesting bound the error is clean.
Timings are measured by benchmarks/scaling.py, never asserted here."""

from __future__ import annotations

import sympy as sp
import pytest

import symparams
from symparams.core.network import MAX_DEPTH
from symparams.export import render
from tests.reference import conv_params, conv_size, dense_params, pool_size


def stack(depth: int) -> str:
    """``I-C-P-C-P-…-H(h)`` with every size a symbol."""
    return "-".join(["I", *("C" if i % 2 == 0 else "P" for i in range(depth)), "H(h)"])


def reference_total(depth: int, values: dict[str, int]) -> int:
    size, channels, total = values["n"], values["l"], 0
    for i in range(depth):
        j = i // 2 + 1
        if i % 2 == 0:
            c, k = values[f"c{j}"], values[f"k{j}"]
            total += conv_params(channels, c, (k, k))
            size, channels = conv_size(size, k), c
        else:
            size = pool_size(size, values[f"q{j}"])
    return total + dense_params(size * size * channels, values["h"])


def test_a_100_layer_symbolic_stack_derives_exports_and_its_closed_form_is_right():
    d = symparams.parse(stack(100)).derive()
    values = {name: 1 for name in d.symbols} | {"n": 10 ** 18, "l": 3, "h": 7}
    values |= {f"q{j}": 2 for j in range(1, 51)} | {f"k{j}": 3 for j in range(1, 51)}
    expected = reference_total(100, values)
    closed = d.total.xreplace({d.symbols[k]: v for k, v in values.items()})
    assert closed == expected and d.evaluate(values) == expected
    for fmt in ("text", "json", "latex", "markdown", "python"):
        assert "h" in render(d, fmt)


def test_reasons_quote_long_sizes_briefly():
    d = symparams.parse(stack(40)).derive()
    assert max(len(c.reason) for c in d.conditions) < 200
    assert any("…" in c.reason for c in d.conditions)


def test_past_the_nesting_bound_the_error_is_clean_and_short():
    with pytest.raises(symparams.NotSupportedError, match=f"nests more than {MAX_DEPTH} levels") as err:
        symparams.parse(stack(400)).derive()
    assert len(str(err.value)) < 300 and "on input … × … × c" in str(err.value)


def test_the_cli_exits_2_past_the_nesting_bound(capsys):
    from symparams.cli import main

    assert main(["derive", stack(400)]) == 2
    assert "nests more than" in capsys.readouterr().err


def test_layer_conditions_are_decided_for_numbers_and_kept_for_symbols():
    from symparams.core.shape import at_least

    n, k = sp.symbols("n k", integer=True, positive=True)
    assert at_least(sp.Integer(5), sp.Integer(3)) is sp.true
    assert at_least(sp.Integer(2), sp.Integer(3)) is sp.false
    kept = at_least(n + 1, k)
    assert isinstance(kept, sp.GreaterThan) and kept.lhs == n + 1 and kept.rhs == k
    # decided later, in the derivation: an always-true condition is dropped
    d = symparams.parse("I(n x n x 1)-C(4,1)").derive()
    assert d.conditions == ()
