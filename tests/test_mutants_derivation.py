"""Tests that kill mutants of symparams/core/derivation.py (docs/testing.md, "Mutation
testing").  Expected numbers are worked out by hand from the layer definitions (the
arithmetic is written out next to them); messages are compared whole."""

from __future__ import annotations

import json

import pytest
import sympy as sp

import symparams
from symparams.core import derivation as dmod
from symparams.core.derivation import MAX_DIGITS, Condition, jsonable, leaf_rows
from symparams.core.errors import MissingValueError, ShapeError, SpecError
from symparams.core.network import Network
from symparams.core.provided import PROVIDED
from symparams.layers import Conv, GlobalPool, Input

SMALL = "I(n x n x 1)-C(4,3)-H(h)"  # conv 3*3*1*4 + 4 = 40; flatten 4 (n-2)^2; dense h


def small_total(n, h):
    return 40 + h * (4 * (n - 2) ** 2 + 1)


def derive(text, **kw):
    return symparams.parse(text).derive(**kw)


def _msg(excinfo) -> str:
    err = excinfo.value
    return getattr(err, "message", None) or str(err)


# -- Row and Condition ------------------------------------------------------------------

def test_row_counts_and_walk_of_a_repeat_of_a_block():
    d = derive("basic(c) = [C(c,3,p=1)]+-A(relu); I(8x8x4)-(basic(4))xL")
    rep = d.rows[0]
    # 3*3*4*4 + 4 = 148 per copy; one copy stands for L
    assert rep.params == 148 * d.symbols["L"]
    names = [r.name for r in rep.walk()]
    assert names == ["repeat1", "repeat1.1.basic1", "repeat1.1.basic1.conv2d1",
                     "repeat1.1.basic1.add1", "repeat1.1.basic1.activation1"]
    assert [r.name for r in d.all_rows()] == names
    assert list(rep.copies()) == ["1"]
    assert [r.name for r in rep.copies()["1"]] == ["repeat1.1.basic1"]
    assert rep.activations == 8 * 8 * 4


def test_copies_of_a_repeat_whose_first_copy_differs():
    d = derive("I(8x8x2)-(C(4,3,p=1))xL")
    copies = d.rows[0].copies()
    assert {k: [r.name for r in v] for k, v in copies.items()} == \
        {"1": ["repeat1.1.conv2d1"], "2": ["repeat1.2.conv2d1"]}


def test_keras_counts_the_statistics_as_non_trainable():
    d = derive("I(n x n x 2)-C(4,3)-B-H(3)", convention="keras")
    n = d.symbols["n"]
    # conv 3*3*2*4 + 4 = 76; batch norm gamma, beta 8 trainable, mean, var 8 not
    assert [(r.trainable, r.non_trainable) for r in d.rows][:2] == [(76, 0), (8, 8)]
    dense = 3 * (4 * (n - 2) ** 2) + 3
    assert sp.expand(d.trainable - (76 + 8 + dense)) == 0
    assert d.non_trainable == 8
    assert sp.expand(d.total - (76 + 16 + dense)) == 0
    assert d.rows[1].params == 16
    assert derive("I(n x n x 2)-C(4,3)-B-H(3)").non_trainable == 0  # pytorch: buffers


def test_condition_text_and_tag():
    d = derive("I(n x n x 1)-C(4,3)-P(2)", assume_divisible=True)
    n = d.symbols["n"]
    check, assumed = d.conditions
    assert str(check) == ("n >= 4  (maxpool1: the pool window (2) must fit in the padded "
                          "input height (n - 2))")
    assert check.tag == "maxpool1" and not check.assumed
    assert assumed.tag == "maxpool1, assumed" and assumed.assumed
    assert str(assumed) == "Eq(Mod(n, 2), 0)  (maxpool1: assuming 2 divides n)"
    assert Condition(n >= 1, "why", 0, "input").tag == "input"
    assert Condition(n >= 1, "why", 0, "input", assumed=True).tag == "input, assumed"


# -- totals and costs -------------------------------------------------------------------

def test_macs_and_flops():
    d = derive("I(28x28x1)-C(4,5)-P(2)-H(10)")
    macs = 24 * 24 * 4 * 25 + 12 * 12 * 4 * 10  # conv, then dense on 576 inputs
    assert d.macs == macs
    assert d.flops() == 2 * macs and d.flops(1) == macs and d.flops(per_mac=3) == 3 * macs
    # extended: conv bias 2304, 2x2 max pooling 4 per output (576 outputs), dense bias 10
    assert d.flops(extended=True) == 2 * macs + 2304 + 4 * 576 + 10
    assert d.flops(1, extended=True) == macs + 2304 + 4 * 576 + 10


def test_activation_peak_of_an_input_alone_and_of_the_first_layer():
    assert derive("I(8x8x4)").activation_peak() == 256
    # conv: 256 in + 512 out; pool: 512 in + 128 out
    assert derive("I(8x8x4)-C(8,3,p=1)-P(2)").activation_peak() == 768


def test_activation_peak_of_branches():
    # conv2d1: 256 + 512; conv2d2: 256 + 512 + 256 (input still to be read by the
    # concatenation); concat: 256 + 512 + 256 + 1024
    d = derive("I(8x8x4)-{C(8,1) | C(4,3,p=1) | }")
    assert d.activation_peak() == 2048


def test_activation_peak_forgets_an_output_nobody_reads():
    # 'a' is never read: at 'a' 256 + 512; then 256 + 128 (a is gone); then 128 + 2
    d = Network((Input((8, 8, 4)), Conv(8, 1, name="a"), Conv(2, 1, inputs=["input"]),
                 GlobalPool("avg"))).derive()
    assert d.activation_peak() == 768


def test_activation_peak_symbolic_is_a_max():
    d = derive("I(n x n x 1)-C(4,3)-H(10)")
    n = d.symbols["n"]
    conv = 4 * (n - 2) ** 2
    # conv: n^2 + conv; flatten: conv + conv; dense: conv + 10
    expected = sp.Max(n ** 2 + conv, 2 * conv, conv + 10)
    got = d.activation_peak()
    for v in (3, 4, 5, 10, 50):
        assert got.subs(n, v) == expected.subs(n, v)


def test_activations_total():
    d = derive("I(28x28x1)-C(4,5)-P(2)-H(10)")
    assert d.activations == 2304 + 576 + 576 + 10


def test_training_memory_defaults_and_precision():
    d = derive("I(8)-H(4,trainable=false)-O(2)")  # frozen 8*4 + 4 = 36, trainable 4*2 + 2 = 10
    states = d.training_memory()  # adam, fp32: 4 bytes weights, gradients, 2 x 4 state
    assert states == {"weights": 4 * 46, "gradients": 4 * 10, "optimizer": 8 * 10,
                      "total": 4 * 46 + 4 * 10 + 8 * 10}
    mixed = d.training_memory("sgd", "mixed")  # fp16 weights, gradients; fp32 master copy
    assert mixed == {"weights": 2 * 46, "gradients": 2 * 10, "optimizer": 4 * 10,
                     "total": 2 * 46 + 2 * 10 + 4 * 10}
    assert d.training_memory(precision="mixed")["weights"] == 2 * 46


def test_transformer_activation_memory_defaults():
    d = derive("I(T x d, sequence=true)-([LN-MHA(h)]+)xL")
    T, dd, h, L = (d.symbols[s] for s in "TdhL")
    b = sp.Symbol("b", integer=True, positive=True)
    per_layer = T * b * dd * (34 + 5 * h * T / dd)
    assert sp.simplify(d.transformer_activation_memory() - L * per_layer) == 0
    assert sp.simplify(dmod.transformer_activation_memory(d.rows) - L * per_layer) == 0
    assert d.transformer_activation_memory(2, "full") == 2 * T * 2 * dd * L
    assert dmod.transformer_activation_memory(d.rows, 3, "selective") == 34 * T * 3 * dd * L
    # only attention layers count; numeric batch and a layer before the repeat
    d = derive("I(T x 8, sequence=true)-MHA(2)-(MHA(2))x3")
    T = d.symbols["T"]
    one = T * 8 * (34 + sp.Rational(5 * 2, 8) * T)
    assert sp.expand(d.transformer_activation_memory(1) - 4 * one) == 0


def test_total_form_and_output_shape():
    d = derive(SMALL)
    assert d.total == d.trainable + d.non_trainable
    assert d.output_shape == d.rows[-1].output_shape
    alone = derive("I(8x8x4)")
    assert alone.output_shape == alone.input_shape and alone.total == 0
    import dataclasses
    formed = dataclasses.replace(d, total_form=sp.Integer(7))
    assert formed.total == 7


# -- leaf_rows --------------------------------------------------------------------------

def _leaves(d):
    return [(r.name, t) for r, t in d.leaf_rows()]


def test_leaf_rows_of_a_block():
    d = derive("basic(c) = C(c,3,p=1)-A(relu); I(8x8x4)-basic(4)-G(avg)")
    assert _leaves(d) == [("basic1.conv2d1", 1), ("basic1.activation1", 1),
                          ("globalavgpool1", 1)]
    assert d.leaf_rows() == leaf_rows(d.rows)


def test_leaf_rows_of_repeats():
    d = derive("I(8x8x2)-(C(4,3,s=2,p=1))x3-G(avg)-O(2)")  # unrolled: every copy there
    assert _leaves(d) == [("repeat1.1.conv2d1", 1), ("repeat1.2.conv2d1", 1),
                          ("repeat1.3.conv2d1", 1), ("globalavgpool1", 1), ("dense1", 1)]
    d = derive("I(8x8x4)-(C(4,3,p=1)-C(4,1))xL-G(avg)")  # one copy for L
    L = d.symbols["L"]
    assert _leaves(d) == [("repeat1.1.conv2d1", L), ("repeat1.1.conv2d2", L),
                          ("globalavgpool1", 1)]
    d = derive("I(8x8x2)-(C(4,3,p=1))x3-G(avg)")  # first copy differs: 1, then 2
    assert _leaves(d) == [("repeat1.1.conv2d1", 1), ("repeat1.2.conv2d1", 2),
                          ("globalavgpool1", 1)]


def test_leaf_rows_of_nested_repeats_multiply():
    d = derive("I(8x8x2)-((C(4,3,p=1))xM)xL-G(avg)")
    L, M = d.symbols["L"], d.symbols["M"]
    assert _leaves(d) == [("repeat1.1.repeat1.1.conv2d1", 1),
                          ("repeat1.1.repeat1.2.conv2d1", M - 1),
                          ("repeat1.2.repeat1.1.conv2d1", M * (L - 1)),
                          ("globalavgpool1", 1)]
    # conv 2->4: 3*3*2*4 + 4 = 76; conv 4->4: 148, run M L - 1 times
    assert sp.expand(sum(r.params * t for r, t in d.leaf_rows()) - (76 + 148 * (M * L - 1))) == 0
    d = derive("basic(c) = C(c,3,p=1); I(8x8x4)-(basic(4)-basic(4))xL")
    L = d.symbols["L"]
    assert _leaves(d) == [("repeat1.1.basic1.conv2d1", L), ("repeat1.1.basic2.conv2d1", L)]


# -- symbols, lookup, dunder methods ----------------------------------------------------

def test_symbols_in_legend_order_then_sorted_and_a_copy():
    d = derive("I(n x n x 1)-C(c,k)-H(h)")
    assert list(d.symbols) == ["n", "c", "k", "h"]
    d.symbols.clear()
    assert list(d.symbols) == ["n", "c", "k", "h"]
    assert d.describe("k") == "kernel size of conv2d1"
    assert d.describe(d.symbols["h"]) == "number of units of dense1"
    assert d.describe("zz") == ""
    assert not d.is_numeric() and d.subs(n=9, c=2, k=3, h=1).is_numeric()


def test_free_symbols_come_from_input_rows_children_and_conditions():
    d = derive("I(n x n x 1)-G(avg)")  # n only in the input shape
    assert {s.name for s in d.free_symbols} == {"n"} and list(d.symbols) == ["n"]
    d = derive("I(8x8x4)-(C(c,3,p=1))xL")
    assert {s.name for s in d.free_symbols} == {"c", "L"}


def test_sequence_protocol():
    d = derive(SMALL)
    assert [r.name for r in d] == ["conv2d1", "flatten1", "dense1"]
    assert len(d) == 3 and d[0].name == "conv2d1" and [r.name for r in d[1:]] == ["flatten1", "dense1"]
    alone = derive("I(8x8x4)")
    assert len(alone) == 0 and bool(alone) is True


def test_repr():
    d = derive(SMALL)
    assert repr(d) == "<Derivation 3 layers, total params 4*h*(n - 2)**2 + h + 40>"
    named = symparams.parse("I(8x8x1)-C(4,3)", name="tiny").derive()
    assert repr(named) == "<Derivation 'tiny', 1 layers, total params 40>"
    long = derive("I(n x n x 1)" + "".join(f"-C(c{i},3,p=1)" for i in range(1, 9)))
    text = str(long.total)
    assert len(text) > 80
    assert repr(long) == f"<Derivation 8 layers, total params {text[:79]}…>"


def test_row_lookup_by_name_index_and_nested_name():
    d = derive("I(8x8x4)-(C(4,3,p=1))xL-G(avg)")
    assert d.row(1).name == "repeat1" and d.row("globalavgpool1").index == 2
    assert d.row("repeat1.1.conv2d1").kind == "conv2d"
    with pytest.raises(KeyError) as e:
        d.row("nope")
    assert e.value.args[0] == "no layer 'nope'; layers: repeat1, globalavgpool1"
    many = derive("I(8)" + "-H(2)" * 60)
    listing = ", ".join(f"dense{i}" for i in range(1, 61))
    with pytest.raises(KeyError) as e:
        many.row(99)
    assert e.value.args[0] == f"no layer '99'; layers: {listing[:299]}…"


def _names_network(names):
    return Network((Input((8,)),) + tuple(symparams.layers.Dense(2, name=n) for n in names))


def test_row_lookup_cut_past_300_characters():
    # 37 names of 6 characters joined by ", " are 37*8 - 2 = 294 characters
    names = [f"la{i:04d}" for i in range(37)]
    for last, cut in (("zz99", False), ("zz999", True)):  # 300, then 301 characters
        listing = ", ".join(names + [last])
        assert len(listing) == (301 if cut else 300)
        with pytest.raises(KeyError) as e:
            _names_network(names + [last]).derive().row("x")
        shown = listing[:299] + "…" if cut else listing
        assert e.value.args[0] == f"no layer 'x'; layers: {shown}"


# -- subs, evaluate, values -------------------------------------------------------------

def test_subs_without_values_is_the_same_derivation():
    d = derive(SMALL)
    assert d.subs() is d and d.subs({}) is d


def test_subs_keeps_the_convention_and_the_assumption():
    d = derive("I(n x n x c)-C(4,3)-B-P(2)", convention="keras", assume_divisible=True)
    s = d.subs(c=1)
    assert s.convention == "keras" and s.assume_divisible == d.assume_divisible
    n = s.symbols["n"]
    # conv 3*3*1*4 + 4 = 40, batch norm 8 + 8 (keras)
    assert s.total == 56 and s.non_trainable == 8
    assert [c.assumed for c in s.conditions] == [False, True]
    assert s.rows[-1].output_shape.dims()[0] == n / 2 - 1  # exact division assumed
    named = derive("I(n x n x c)-C(4,3)-P(2, name=pool)", assume_divisible=frozenset({"pool"}))
    assert named.subs(c=1).assume_divisible == frozenset({"pool"})


def test_evaluate_names_every_missing_symbol_in_order():
    d = derive("I(T, sequence=true)-E(V,4)")  # V in the total only; T in the shapes only
    with pytest.raises(MissingValueError) as e:
        d.evaluate()
    assert _msg(e) == ("no value for T (sequence length (token ids)), "
                       "V (vocabulary size of embedding1)")
    with pytest.raises(MissingValueError) as e:
        d.evaluate(T=5)
    assert _msg(e) == "no value for V (vocabulary size of embedding1)"
    with pytest.raises(MissingValueError) as e:
        d.evaluate(V=5)
    assert _msg(e) == "no value for T (sequence length (token ids))"
    assert d.evaluate(T=5, V=7) == 28


def test_evaluate_refuses_a_total_that_is_no_integer():
    d = derive(SMALL)
    with pytest.raises(SpecError) as e:
        d.evaluate(n=28, h=sp.Mul(2, 3, evaluate=False))
    head = "the total did not come out as an integer: "
    message = _msg(e)
    assert message.startswith(head)
    assert sp.sympify(message[len(head):]) == small_total(28, 6)


def test_values_for_a_padding_symbol():
    d = derive("I(n x n x 1)-C(4,3,p=p)")
    assert d.subs(p=0).total == 40
    with pytest.raises(ShapeError) as e:
        d.subs(p=-1)
    assert _msg(e) == "p (padding of conv2d1) must be an integer of at least 0, got -1"
    with pytest.raises(ShapeError) as e:
        d.subs(n=0)
    assert _msg(e) == "n (input height and width) must be an integer of at least 1, got 0"
    with pytest.raises(ShapeError) as e:
        d.subs(n=sp.Rational(1, 2))
    assert _msg(e) == "n (input height and width) must be an integer of at least 1, got 1/2"
    # a new name in a value is a symbol like the one it replaces
    for value in ("m", sp.Symbol("m"), "m + 0"):
        m = d.subs(p=value).symbols["m"]
        assert m.is_integer and m.is_nonnegative and m.is_positive is None, value
        m = d.subs(n=value).symbols["m"]
        assert m.is_integer and m.is_positive, value


def test_a_name_in_a_value_means_the_derivations_symbol():
    d = derive(SMALL)
    n = d.symbols["n"]
    tied = d.subs(h=sp.Symbol("n") + 1)
    assert set(tied.symbols) == {"n"} and tied.symbols["n"] == n
    assert sp.expand(tied.total - small_total(n, n + 1)) == 0


def test_two_values_for_one_symbol():
    d = derive(SMALL)
    with pytest.raises(SpecError) as e:
        d.subs({"n": 28, sp.Symbol("n"): 29})
    assert _msg(e) == "n is given two values, 28 and 29"
    assert d.subs({"n": 28, sp.Symbol("n"): 28}).rows[0].output_shape.dims()[0] == 26


def test_unknown_symbol_messages():
    d = derive(SMALL)
    with pytest.raises(SpecError) as e:
        d.subs(zz=1)
    assert _msg(e) == "unknown symbol 'zz'; symbols: n, h"
    numeric = derive("I(8x8x1)-C(4,3)")
    with pytest.raises(SpecError) as e:
        numeric.subs(n=1)
    assert _msg(e) == "unknown symbol 'n'; symbols: none (the network is fully numeric)"
    with pytest.raises(SpecError) as e:
        d.subs({3.5: 1})
    assert _msg(e) == "a symbol is named by a string or a sympy Symbol, got a float"


# -- _value -----------------------------------------------------------------------------

KNOWN = {"n": sp.Symbol("n", integer=True, positive=True)}


def value(v, nonnegative=False):
    return dmod._value("h", v, nonnegative=nonnegative, known=KNOWN)


def test_value_messages():
    cases = [
        (True, "h must be an integer, got True"),
        (None, "h must be an integer, got None"),
        (2.5, "h must be an integer, got the float 2.5"),
        ([3], "h must be an integer, a name or an expression, got a list"),
        (sp.nan, "h must be an integer, got nan (not an integer expression)"),
        (sp.zoo, "h must be an integer, got zoo (not an integer expression)"),
        (sp.oo, "h must be an integer, got oo (not an integer expression)"),
        (-sp.oo, "h must be an integer, got -oo (not an integer expression)"),
        (sp.pi, "h must be an integer, got pi (not an integer expression)"),
        (sp.Float(3), "h must be an integer, got 3.00000000000000 (a float)"),
        (sp.Symbol("n") + sp.Float(0.5), "h must be an integer, got n + 0.5 (a float)"),
        (sp.Symbol("q") * sp.oo, "h must be an integer, got oo*q (not an integer expression)"),
        (sp.I * sp.Symbol("n"), "h must be an integer, got I*n (not an integer expression)"),
        (sp.Symbol("_x"), "invalid name '_x' in the value of h"),
        (sp.Symbol("_a") + sp.Symbol("_a"), "invalid name '_a' in the value of h"),
    ]
    for v, message in cases:
        with pytest.raises(SpecError) as e:
            value(v)
        assert _msg(e) == message, v


def test_value_with_infinity_beside_a_symbol():
    for inf in (sp.oo, -sp.oo, sp.zoo, sp.nan):
        with pytest.raises(SpecError) as e:
            value(sp.Add(sp.Symbol("n"), inf, evaluate=False))
        assert _msg(e).startswith("h must be an integer, got "), inf


def test_a_float_beside_another_odd_atom_is_named_a_float():
    # which odd atom comes first depends on set order; these floats hash into the last
    # slots of a small set, so another atom (pi, E ...) comes first: "a float" must not
    # depend on which
    n = sp.Symbol("n")
    for x in (31.5, 63.25, 95.0):
        for c in (sp.pi, sp.E, sp.I, sp.EulerGamma, sp.Catalan, sp.GoldenRatio):
            expr = sp.Float(x) * n + c * n ** 2
            with pytest.raises(SpecError) as e:
                value(expr)
            assert _msg(e).endswith("(a float)"), expr


def test_value_text():
    assert value("n + 1") == KNOWN["n"] + 1
    assert value("7") == 7
    m = value("m")
    assert m.is_positive and m.is_integer
    m = value("m", nonnegative=True)
    assert m.is_nonnegative and m.is_positive is None
    with pytest.raises(SpecError) as e:
        value("3 +")
    err = e.value
    assert err.message.startswith("the value of h: ") and err.text == "3 +"
    assert err.position is not None and str(err).endswith("^")
    assert value("1" * 60) == int("1" * 60)
    with pytest.raises(SpecError) as e:
        value("1" * (4 * MAX_DIGITS + 1))
    assert _msg(e) == "the value of h is 4,001 characters long: at most 4,000"
    with pytest.raises(SpecError) as e:  # 4000 characters: read, then too long a number
        value("1" * (4 * MAX_DIGITS))
    assert "characters long" not in _msg(e)


def test_value_sympy_expressions():
    n = KNOWN["n"]
    assert value(sp.Integer(5)) == 5
    assert value(sp.Symbol("n") * 2) == 2 * n
    m = value(sp.Symbol("m"))
    assert m.is_positive and m.is_integer
    m = value(sp.Symbol("m"), nonnegative=True)
    assert m.is_nonnegative and m.is_positive is None
    assert value(sp.Rational(1, 2)) == sp.Rational(1, 2)  # refused later by _mapping


def test_value_of_1000_digits_is_accepted_and_of_1001_refused():
    for v in (10 ** MAX_DIGITS - 1, 2 ** 3321, -(10 ** MAX_DIGITS - 1)):
        assert value(v) == v
        assert value(sp.Integer(v)) == v
    assert value(sp.Rational(1, 10 ** MAX_DIGITS - 1)) == sp.Rational(1, 10 ** MAX_DIGITS - 1)
    for v in (10 ** MAX_DIGITS, -(10 ** MAX_DIGITS), sp.Rational(1, 10 ** MAX_DIGITS),
              sp.Symbol("n") + 10 ** MAX_DIGITS):
        with pytest.raises(SpecError) as e:
            value(v)
        assert _msg(e) == "the value of h has more than 1,000 digits", v


def test_brief():
    n = sp.Symbol("n")
    assert dmod._brief(n + 10 ** 999) == str(n + 10 ** 999)
    assert dmod._brief(n + 10 ** MAX_DIGITS - 1) == str(n + 10 ** MAX_DIGITS - 1)
    for big in (n + 10 ** MAX_DIGITS, n - 10 ** MAX_DIGITS, n / 10 ** MAX_DIGITS):
        assert dmod._brief(big) == "a number with more than 1,000 digits"
    with pytest.raises(SpecError) as e:
        value(sp.Float(1.5) * n + 10 ** MAX_DIGITS)
    assert _msg(e) == "h must be an integer, got a number with more than 1,000 digits (a float)"


def test_jsonable():
    assert jsonable(sp.Integer(3)) == 3 and type(jsonable(sp.Integer(3))) is int
    assert jsonable(sp.Symbol("n") + 1) == "n + 1"


# -- to_dict ----------------------------------------------------------------------------

def test_to_dict_whole():
    d = derive("I(n x n x 1)-C(4,3)-P(2)", assume_divisible=True)
    assert d.to_dict() == {
        "name": None,
        "input": {"name": "input", "kind": "input", "output_shape": ["n", "n", 1],
                  "params": 0},
        "layers": [{"name": "conv2d1", "kind": "conv2d",
                    "output_shape": ["n - 2", "n - 2", 4], "params": 40},
                   {"name": "maxpool1", "kind": "maxpool2d",
                    "output_shape": ["n/2 - 1", "n/2 - 1", 4], "params": 0}],
        "total": 40, "trainable": 40, "non_trainable": 0, "convention": "pytorch",
        "symbols": {"n": "input height and width"},
        "conditions": ["n >= 4", "Eq(Mod(n, 2), 0)"],
        "condition_details": [
            {"relation": "n >= 4", "layer": "maxpool1", "assumed": False,
             "reason": "the pool window (2) must fit in the padded input height (n - 2)"},
            {"relation": "Eq(Mod(n, 2), 0)", "layer": "maxpool1", "assumed": True,
             "reason": "assuming 2 divides n"}],
        "assumptions": ["assuming 2 divides n"],
    }
    json.dumps(d.to_dict())


def test_to_dict_of_keras_drops_symbols_given_values():
    d = derive("I(n x n x c)-C(4,3)-B", convention="keras").subs(c=2)
    data = d.to_dict()
    assert data["convention"] == "keras" and data["symbols"] == {"n": "input height and width"}
    # conv 3*3*2*4 + 4 = 76; batch norm 8 trainable + 8 statistics
    assert (data["total"], data["trainable"], data["non_trainable"]) == (92, 84, 8)
    assert data["layers"][1]["params"] == 16
    assert symparams.parse("I(4)-H(2)", name="tiny").derive().to_dict()["name"] == "tiny"


# -- delegation to the exporters and the algebra ----------------------------------------

@pytest.fixture
def recorder(monkeypatch):
    calls = []

    def make(key):
        def fn(*args, **kwargs):
            calls.append((key, args, kwargs))
            return f"<{key}>"
        return fn

    for key in ("text", "latex", "markdown", "worked_latex", "worked_markdown",
                "to_function", "explore", "total_latex"):
        monkeypatch.setitem(PROVIDED, key, make(key))
    return calls


def test_exports_pass_their_arguments_on(recorder):
    d = derive(SMALL)
    values = {"n": 5}
    assert str(d) == "<text>"
    assert d.latex() == "<latex>"
    assert d.latex(standalone=True, worked=True, values=values, symbol="Q") == "<latex>"
    assert d.markdown() == "<markdown>"
    assert d.markdown(worked=True, values=values, mul_symbol="cdot") == "<markdown>"
    assert d.worked() == "<worked_markdown>"
    assert d.worked(values, latex=True, symbol="Q") == "<worked_latex>"
    assert d.to_function() == "<to_function>" and d.to_function("f") == "<to_function>"
    assert d.explore() == "<explore>" and d.explore(height=3) == "<explore>"
    assert d._repr_latex_() == "$$<total_latex>$$"
    assert d._repr_markdown_() == "<markdown>"
    assert recorder == [
        ("text", (d,), {}),
        ("latex", (d,), {"standalone": False, "worked": False, "values": None}),
        ("latex", (d,), {"standalone": True, "worked": True, "values": values, "symbol": "Q"}),
        ("markdown", (d,), {"worked": False, "values": None}),
        ("markdown", (d,), {"worked": True, "values": values, "mul_symbol": "cdot"}),
        ("worked_markdown", (d, None), {}),
        ("worked_latex", (d, values), {"symbol": "Q"}),
        ("to_function", (d, "total_params"), {}),
        ("to_function", (d, "f"), {}),
        ("explore", (d,), {}),
        ("explore", (d,), {"height": 3}),
        ("total_latex", (d,), {}),
        ("markdown", (d,), {"worked": False, "values": None}),
    ]


def test_real_exports_of_the_worked_solution():
    d = derive("I(6x6x1)-C(2,3)")  # 3*3*1*2 + 2 = 20
    assert "\\begin" in d.worked(latex=True) or "\\[" in d.worked(latex=True)
    assert d.worked(latex=True) != d.worked()
    assert d._repr_latex_() == "$$P = 20$$"


@pytest.fixture
def algebra(monkeypatch):
    import symparams.algebra.conditions as conditions
    import symparams.algebra.forms as forms
    import symparams.algebra.solve as solve
    import symparams.algebra.sweep as sweep

    calls = []

    def make(key):
        def fn(*args, **kwargs):
            calls.append((key, args, kwargs))
            return key
        return fn

    for module, key in ((forms, "simplify"), (forms, "by_layer"), (forms, "leading_term"),
                        (forms, "diff"), (solve, "solve"), (sweep, "sweep"),
                        (conditions, "valid")):
        monkeypatch.setattr(module, key, make(key))
    return calls


def test_algebra_passes_its_arguments_on(algebra):
    from symparams.algebra.sweep import MAX_POINTS

    d = derive(SMALL)
    assert d.simplify() == "simplify" and d.simplify("factored", by="n") == "simplify"
    assert d.by_layer() == "by_layer"
    assert d.leading_term("n") == "leading_term"
    assert d.diff("n") == "diff" and d.diff("h", discrete=True) == "diff"
    assert d.solve("h", max_params=5) == "solve"
    assert d.solve("h", min_params=3, equals=4, of="macs") == "solve"
    assert d.sweep(h=[1, 2]) == "sweep"
    assert d.sweep(invalid="skip", max_points=7, n=[3]) == "sweep"
    assert d.valid() == "valid" and d.valid({"n": 3}, h=2) == "valid"
    assert algebra == [
        ("simplify", (d, "expanded", None), {}),
        ("simplify", (d, "factored", "n"), {}),
        ("by_layer", (d,), {}),
        ("leading_term", (d, "n"), {}),
        ("diff", (d, "n", False), {}),
        ("diff", (d, "h", True), {}),
        ("solve", (d, "h"), {"max_params": 5, "min_params": None, "equals": None,
                             "of": "params"}),
        ("solve", (d, "h"), {"max_params": None, "min_params": 3, "equals": 4, "of": "macs"}),
        ("sweep", (d, {"h": [1, 2]}), {"invalid": "error", "max_points": MAX_POINTS}),
        ("sweep", (d, {"n": [3]}), {"invalid": "skip", "max_points": 7}),
        ("valid", (d, {}), {}),
        ("valid", (d, {"n": 3, "h": 2}), {}),
    ]


def test_real_algebra():
    d = derive(SMALL)
    n, h = d.symbols["n"], d.symbols["h"]
    assert sp.expand(d.diff("h") - (4 * (n - 2) ** 2 + 1)) == 0
    # forward difference in n: h * 4 * ((n - 1)^2 - (n - 2)^2) = h (8 n - 12)
    assert sp.expand(d.diff("n", discrete=True) - h * (8 * n - 12)) == 0
    assert d.leading_term("n") == 4 * h * n ** 2
    assert d.valid(n=3, h=1) and not d.valid(n=2, h=1)
    assert d.subs(n=3).solve("h", max_params=100).value == 12  # 40 + 5h <= 100


def test_a_symbol_without_a_description():
    import dataclasses

    bare = dataclasses.replace(derive(SMALL), legend=())
    with pytest.raises(MissingValueError) as e:
        bare.evaluate()
    assert _msg(e) == "no value for h (no description), n (no description)"


def test_a_name_in_a_value_is_the_symbol_of_that_name():
    d = derive("I(n x n x 1)-C(4,3,p=p)-H(h)")
    tied = d.subs(h="p + 1")
    assert set(tied.symbols) == {"n", "p"} and len(tied.free_symbols) == 2
    n, p = tied.symbols["n"], tied.symbols["p"]
    # conv 3*3*1*4 + 4 = 40 on an (n + 2p - 2)^2 x 4 output, then p + 1 units; p is
    # now also a size, so at least 1 (graph.unify_symbols)
    expected = 40 + (p + 1) * (4 * (n + 2 * p - 2) ** 2 + 1)
    assert sp.expand(tied.total - expected) == 0 and p.is_positive
    assert tied.evaluate(n=5, p=1) == 40 + 2 * (4 * 25 + 1)


def test_repr_prints_a_long_integer_total_whole():
    d = derive("I(n)-H(h)").subs(n=10 ** 50, h=10 ** 50)  # n h weights + h biases
    assert repr(d) == f"<Derivation 1 layers, total params {10 ** 100 + 10 ** 50}>"
