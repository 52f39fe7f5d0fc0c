"""Tests that kill mutants of symparams/core/working.py (docs/testing.md, "Mutation
testing").  Values are checked against Python's own integer arithmetic and PyTorch's
documented output-size formulas; printed text is written out by hand."""

from __future__ import annotations

from fractions import Fraction
from types import SimpleNamespace

import pytest
import sympy as sp

from symparams.core.errors import MissingValueError
from symparams.core.shape import Shape
from symparams.core.working import (Step, Term, add, axis_steps, axis_value, ceil, div, floor,
                                    group, integer, join_words, mul, num, sub, window_term)


def torch_out(n, k, s, p, d=1, ceil_mode=False, pool=False):
    """PyTorch's Conv2d / MaxPool2d output size (their documentation's formula)."""
    span = n + 2 * p - d * (k - 1) - 1
    out = (-(-span // s) if ceil_mode else span // s) + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


# -- terms -------------------------------------------------------------------------------

def test_values():
    assert num(7).value() == 7 and isinstance(num(7).value(), Fraction)
    assert num(sp.Integer(3)).args == (3,) and type(num(sp.Integer(3)).args[0]) is int
    assert add(1, 2, 3).value() == 6
    assert sub(10, 3, 2).value() == 5
    assert mul(2, 3, 4).value() == 24
    assert div(12, 3, 2).value() == 2
    assert div(7, 2).value() == Fraction(7, 2)
    assert floor(div(7, 2)).value() == 3
    assert floor(div(-7, 2)).value() == -4
    assert ceil(div(7, 2)).value() == 4
    assert ceil(div(-7, 2)).value() == -3
    assert floor(num(5)).value() == 5 == ceil(num(5)).value()
    assert group(sub(5, 2)).value() == 3
    assert mul(2, group(add(1, 2))).value() == 6
    assert add(num(4)) == num(4)  # one operand is that operand
    assert sub(5) == num(5)


def test_a_zero_operand_is_only_what_the_operation_makes_of_it():
    """Regression: every operation was computed for each operand, so a 0 after the first
    (``2 × (1 - 1)``, a dilated 1-wide kernel's ``d(k - 1)``) raised ZeroDivisionError."""
    assert mul(2, sub(1, 1)).value() == 0
    assert add(2, sub(1, 1)).value() == 2
    assert sub(2, sub(1, 1)).value() == 2
    assert mul(3, 0, 5).value() == 0
    with pytest.raises(ZeroDivisionError):
        div(2, sub(1, 1)).value()


def test_precedence():
    assert num(1).prec == 3 and group(num(1)).prec == 3 and floor(num(1)).prec == 3
    assert ceil(num(1)).prec == 3
    assert add(1, 2).prec == 1 == sub(1, 2).prec
    assert mul(1, 2).prec == 2 == div(1, 2).prec


def test_tex():
    assert num(12).tex() == "12"
    assert add(1, 2).tex() == "1 + 2"
    assert mul(2, 3).tex() == r"2 \times 3"
    assert mul(2, 3).tex("×") == "2 × 3"
    assert mul(add(1, 2), 3).tex() == r"(1 + 2) \times 3"
    assert mul(3, add(1, 2)).tex("*") == "3 * (1 + 2)"
    assert add(mul(2, 3), 1).tex("*") == "2 * 3 + 1"
    assert sub(10, sub(3, 2)).tex() == "10 - (3 - 2)"
    assert sub(sub(10, 3), 2).tex() == "10 - 3 - 2"
    assert sub(10, add(3, 2)).tex() == "10 - (3 + 2)"
    assert add(10, sub(3, 2)).tex() == "10 + 3 - 2"
    assert div(12, div(6, 2)).tex() == "12 / (6 / 2)"
    assert div(12, mul(6, 2)).tex("*") == "12 / (6 * 2)"
    assert mul(12, div(6, 2)).tex("*") == "12 * 6 / 2"
    assert div(add(5, 1), 2).tex() == "(5 + 1) / 2"
    assert floor(div(7, 2)).tex() == r"\lfloor 7 / 2 \rfloor"
    assert ceil(div(7, 2)).tex() == r"\lceil 7 / 2 \rceil"
    assert floor(mul(7, 2)).tex("*") == r"\lfloor 7 * 2 \rfloor"
    assert group(mul(5, 5)).tex("*") == "(5 * 5)"
    assert mul(24, group(mul(5, 5))).tex("×") == "24 × (5 × 5)"
    assert add(floor(div(7, 2)), 1).tex() == r"\lfloor 7 / 2 \rfloor + 1"


def test_step_math():
    step = Step("c", "parameters", "f", "l", mul(2, 3), 6)
    assert step.math() == r"2 \times 3 = 6"
    assert step.math("*") == "2 * 3 = 6"
    assert Step("c", "p", "f", "l", num(6), 6).math() == "6"


def test_integer_and_words():
    assert integer(sp.Integer(5)) == 5 and type(integer(sp.Integer(5))) is int
    with pytest.raises(MissingValueError) as e:
        integer(sp.Symbol("n") + 1)
    assert str(e.value) == "a worked solution needs numbers, got n + 1"
    with pytest.raises(MissingValueError):
        integer(sp.Rational(1, 2))
    assert join_words(["a"]) == "a"
    assert join_words(["a", "b"]) == "a and b"
    assert join_words(["a", "b", "c"]) == "a, b and c"


def test_axis_value():
    assert axis_value((1, 2, 3), 3, 1) == 2
    assert axis_value((1, 2, 3), 3, 2) == 3
    assert axis_value((5,), 3, 2) == 5
    assert axis_value((5, 6), 3, 1) == 5
    assert axis_value(7, 2, 1) == 7


# -- steps per axis ----------------------------------------------------------------------

def _row(inp, out, name="conv1"):
    return SimpleNamespace(input_shape=Shape(tuple(map(sp.Integer, inp)), sp.Integer(3)),
                           output_shape=Shape(tuple(map(sp.Integer, out)), sp.Integer(4)),
                           name=name)


def _term(axis, n, out):
    return "n - 2", "letters", sub(n, 2)


def test_axes_with_the_same_working_are_one_step():
    steps = axis_steps(_row((8, 8), (6, 6)), _term)
    assert steps == [Step("conv1", "output height and width", "n - 2", "letters", sub(8, 2), 6)]
    steps = axis_steps(_row((8, 9), (6, 7)), _term)
    assert steps == [Step("conv1", "output height", "n - 2", "letters", sub(8, 2), 6),
                     Step("conv1", "output width", "n - 2", "letters", sub(9, 2), 7)]
    steps = axis_steps(_row((8, 9, 8), (6, 7, 6)), _term)
    assert [(s.what, s.value) for s in steps] == [("output depth and width", 6),
                                                  ("output height", 7)]
    steps = axis_steps(_row((9, 8, 8), (7, 6, 6)), _term)
    assert [(s.what, s.value) for s in steps] == [("output depth", 7),
                                                  ("output height and width", 6)]
    steps = axis_steps(_row((8, 8, 9), (6, 6, 7)), _term)
    assert [(s.what, s.value) for s in steps] == [("output depth and height", 6),
                                                  ("output width", 7)]
    steps = axis_steps(_row((5, 5, 5), (3, 3, 3)), _term)
    assert [(s.what, s.value) for s in steps] == [("output depth, height and width", 3)]
    steps = axis_steps(_row((5,), (3,)), _term)
    assert [(s.what, s.value) for s in steps] == [("output length", 3)]
    # the term is called with the axis, the input and the output size
    seen = []
    axis_steps(_row((8, 9), (6, 7)), lambda a, n, o: seen.append((a, n, o)) or ("f", "l", num(o)))
    assert seen == [(0, 8, 6), (1, 9, 7)]
    with pytest.raises(MissingValueError):
        axis_steps(SimpleNamespace(input_shape=Shape((sp.Symbol("n"),), 3),
                                   output_shape=Shape((sp.Integer(1),), 3), name="x"), _term)
    with pytest.raises(MissingValueError):
        axis_steps(SimpleNamespace(input_shape=Shape((sp.Integer(3),), 3),
                                   output_shape=Shape((sp.Symbol("n"),), 3), name="x"), _term)


# -- the sliding window ------------------------------------------------------------------

def test_window_formulas_as_a_textbook_writes_them():
    f, letters, w = window_term(28, 24, k=5, s=1, padding=0)
    assert (f, letters, w.tex()) == ("n - k + 1", "input size $n$, kernel $k$", "28 - 5 + 1")
    assert w.value() == 24
    f, letters, w = window_term(28, 28, k=5, s=1, padding=2)
    assert (f, letters, w.tex()) == ("n + 2p - k + 1", "input size $n$, kernel $k$, padding $p$",
                                     r"28 + 2 \times 2 - 5 + 1")
    f, letters, w = window_term(28, 14, k=3, s=2, padding=1)
    assert (f, letters, w.tex()) == (
        r"\lfloor (n + 2p - k) / s \rfloor + 1",
        "input size $n$, kernel $k$, padding $p$, stride $s$",
        r"\lfloor (28 + 2 \times 1 - 3) / 2 \rfloor + 1")
    f, letters, w = window_term(28, 22, k=3, s=1, padding="valid", d=3)
    assert (f, letters, w.tex()) == ("n - d(k - 1) - 1 + 1",
                                     "input size $n$, kernel $k$, dilation $d$",
                                     r"28 - 3 \times (3 - 1) - 1 + 1")
    f, letters, w = window_term(28, 26, k=3, s=1, padding=2, d=3)
    assert (f, letters, w.tex()) == ("n + 2p - d(k - 1) - 1 + 1",
                                     "input size $n$, kernel $k$, padding $p$, dilation $d$",
                                     r"28 + 2 \times 2 - 3 \times (3 - 1) - 1 + 1")
    assert w.value() == 26
    f, letters, w = window_term(28, 14, k=2, s=2, padding=0, pool=True)
    assert (f, letters, w.tex()) == (r"\lfloor n / q \rfloor", "input size $n$, pool size $q$",
                                     r"\lfloor 28 / 2 \rfloor")
    f, letters, w = window_term(28, 13, k=3, s=2, padding=0, pool=True)
    assert (f, letters, w.tex()) == (r"\lfloor (n - q) / s \rfloor + 1",
                                     "input size $n$, pool size $q$, stride $s$",
                                     r"\lfloor (28 - 3) / 2 \rfloor + 1")
    # the shortcut is for pools only, without padding and ceil mode
    f, _, _ = window_term(28, 14, k=2, s=2, padding=0)
    assert f == r"\lfloor (n - k) / s \rfloor + 1"
    f, _, _ = window_term(28, 15, k=2, s=2, padding=1, pool=True)
    assert f == r"\lfloor (n + 2p - q) / s \rfloor + 1"
    f, _, w = window_term(5, 3, k=2, s=2, padding=0, pool=True, ceil_mode=True)
    assert (f, w.tex()) == (r"\lceil (n - q) / s \rceil + 1", r"\lceil (5 - 2) / 2 \rceil + 1")


def test_same_padding():
    assert window_term(28, 28, k=3, s=1, padding="same") == (
        "n", "'same' padding at stride 1 keeps the input size $n$", num(28))
    f, letters, w = window_term(28, 14, k=3, s=2, padding="same")
    assert (f, letters, w.tex(), w.value()) == (
        r"\lceil n / s \rceil", "'same' padding: input size $n$, stride $s$",
        r"\lceil 28 / 2 \rceil", 14)
    assert window_term(27, 14, k=3, s=2, padding="same")[2].value() == 14


def test_ceil_mode_drops_a_window_starting_past_the_input():
    # MaxPool2d(2, stride=2, padding=1, ceil_mode=True) on 5: 3 windows, not 4
    f, letters, w = window_term(5, 3, k=2, s=2, padding=1, pool=True, ceil_mode=True)
    assert f == r"\lceil (n + 2p - q) / s \rceil + 1 - 1"
    assert letters == ("input size $n$, pool size $q$, padding $p$, stride $s$, minus 1 as the "
                       "last window would start past the input")
    assert w.tex() == r"\lceil (5 + 2 \times 1 - 2) / 2 \rceil + 1 - 1"
    assert w.value() == 3 == torch_out(5, 2, 2, 1, ceil_mode=True, pool=True)
    # no drop when the last window starts inside: 4 with the same pool gives 3 windows
    f, _, w = window_term(4, 3, k=2, s=2, padding=1, pool=True, ceil_mode=True)
    assert f == r"\lceil (n + 2p - q) / s \rceil + 1" and w.value() == 3
    # at stride 1 ceil mode still writes the ceiling
    f, _, w = window_term(4, 3, k=2, s=1, padding=0, pool=True, ceil_mode=True)
    assert f == r"\lceil (n - q) / s \rceil + 1" and w.value() == 3


def test_every_window_evaluates_to_pytorchs_size():
    for n in range(1, 14):
        for k in (1, 2, 3, 4):
            for s in (1, 2, 3):
                for p in (0, 1, 2):
                    for d in (1, 2):
                        for cm in (False, True):
                            for pool in (False, True):
                                if pool and (d != 1 or 2 * p > k):
                                    continue
                                out = torch_out(n, k, s, p, d, cm, pool)
                                if out < 1:
                                    continue
                                _, _, w = window_term(n, out, k=k, s=s, padding=p, d=d,
                                                      ceil_mode=cm, pool=pool)
                                assert w.value() == out, (n, k, s, p, d, cm, pool)
