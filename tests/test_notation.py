"""The compact notation, spec files and the strict expression parser, good and bad input."""

from __future__ import annotations

import pytest
import sympy as sp

import symparams
from symparams import ShapeError, SpecError
from symparams.core.expr import parse_expression


def kinds(text):
    return [r.kind for r in symparams.parse(text).derive().rows]


def test_mnist_notation():
    d = symparams.parse("I(28x28x1)-C(32,5)-P(2)-C(32,3)-P(2)-H(256)-O(10)").derive()
    assert [r.name for r in d.rows] == ["conv2d1", "maxpool1", "conv2d2", "maxpool2", "flatten1",
                                       "dense1", "dense2"]
    assert d.evaluate() == 217706


def test_input_forms():
    assert symparams.parse("I(784)-O(10)").derive().input_shape.dims() == (784,)
    assert symparams.parse("I(100x3)-C(4,3)").derive().rows[0].kind == "conv1d"
    assert symparams.parse("I(8x8x8x1)-C(4,3)").derive().rows[0].kind == "conv3d"
    spaced = symparams.parse("I(n x n x l)-C(c1,k1)").derive()
    assert [s.name for s in spaced.input_shape.dims()] == ["n", "n", "l"]
    assert symparams.parse("I(28 × 28 × 1)").derive().input_shape.dims() == (28, 28, 1)


def test_keywords():
    d = symparams.parse("I(28x28x3)-C(8,3,s=2,p=same,d=1,g=1,bias=false)-P(3,s=2,p=1,ceil=true,"
                        "mode=avg)-D(0.25)-B-A(relu)-G(max)-O(10,bias=false)").derive()
    assert kinds_of(d) == ["conv2d", "avgpool2d", "dropout", "batchnorm", "activation",
                           "globalmaxpool", "dense"]
    assert d.rows[0].params == 3 * 3 * 3 * 8
    assert d.rows[0].output_shape.dims() == (14, 14, 8)


def kinds_of(d):
    return [r.kind for r in d.rows]


def test_long_keyword_names_and_kind_names():
    d = symparams.parse("I(28x28x1)-conv2d(4,5,stride=1,padding=valid)-maxpool(2)-flatten-dense(10)")
    assert d.derive().evaluate() == 104 + (12 * 12 * 4 + 1) * 10


def test_rectangular_kernel():
    row = symparams.parse("I(28x28x1)-C(4,5x3)").derive().rows[0]
    assert row.output_shape.dims() == (24, 26, 4)


def test_flatten_implied_before_first_dense_only():
    assert kinds("I(28x28x1)-C(4,5)-H(16)-O(10)") == ["conv2d", "flatten", "dense", "dense"]
    assert kinds("I(28x28x1)-C(4,5)-F-H(16)") == ["conv2d", "flatten", "dense"]


def test_bare_letters_give_documented_symbols():
    d = symparams.parse("I-C-P-C-P-H-O").derive()
    assert list(d.symbols) == ["n", "l", "c1", "k1", "q1", "c2", "k2", "q2", "h1", "o"]
    assert d.describe("k1") == "kernel size of conv2d1"
    assert d.describe("n") == "input height and width"
    assert list(symparams.parse("I-H-H-O").derive().symbols) == ["n", "h1", "h2", "o"]


def test_symbols_and_expressions_anywhere():
    d = symparams.parse("I(n x n x l)-C(c1,k1)-P(2)-C(c2,k2)-P(2)-H(h)-O(o)").derive()
    assert d.evaluate(n=28, l=1, c1=32, k1=5, c2=32, k2=3, h=256, o=10) == 217706
    d2 = symparams.parse("I(n x n x 1)-C(2*c + 1, (k + 1)//2, p=k//2)").derive()
    assert d2.evaluate(n=10, c=2, k=5) == 3 * 3 * 1 * 5 + 5
    # k is the kernel (>= 1) and appears in the padding: one positive symbol
    assert d2.symbols["k"].is_positive


def test_multiline_notation():
    assert symparams.parse("I(784)\n -H(10)\n -H(10)\n -O(3)").derive().evaluate() == 7850 + 110 + 33


@pytest.mark.parametrize("text,message,position", [
    ("I(28x28x1)-X(3)", "unknown layer 'X'", 11),
    ("I(28x28x1-C(4,5)", "unbalanced '('", 1),
    ("I(28x28x1))-C(4,5)", "unbalanced ')'", 10),
    ("I(28x28x1)-C(4,5", "unbalanced '('", 12),
    ("I(28x28x1)-C(4,2.5)", "2.5 is not an integer", 15),
    ("I(28x28x1)-C(4,5,q=3)", "unknown option 'q'", 17),
    ("I(28x28x1)-C(4,5,s=2,s=3)", "given twice", 21),
    ("I(28x28x1)-C(4,5,bias=maybe)", "bias is true or false", 22),
    ("C(4,5)-O(10)", "starts with an input", 0),
    ("I(28x28x1)-I(3)", "must come first", 11),
    ("I(28x28x1)--C(4,5)", "expected a layer letter", 11),
    ("I(28x28x1)-C(4 5)", "expected ',' or ')'", 15),
    ("I(28x28x1)-C(4,5,p=f(2))", "function calls are not allowed", 20),
])
def test_parse_errors_point_at_the_text(text, message, position):
    with pytest.raises(SpecError) as info:
        symparams.parse(text)
    err = info.value
    assert message in str(err)
    assert err.position == position, str(err)
    caret_line = str(err).splitlines()[-1]
    assert caret_line.index("^") - 2 == position


@pytest.mark.parametrize("text", [
    "I(28x28x1)-C(__import__('os').system('touch /tmp/symparams_pwned'),5)",
    "I(28x28x1)-C(os.system('x'),5)",
    "I(28x28x1)-C(eval('1'),5)",
    "I(28x28x1)-C(lambda: 1, 5)",
    "I(28x28x1)-C([1], 5)",
    "I(28x28x1)-C(1;2, 5)",
])
def test_code_in_a_spec_is_an_error_and_runs_nothing(text, tmp_path):
    with pytest.raises(SpecError):
        symparams.parse(text)
    import os
    assert not os.path.exists("/tmp/symparams_pwned")


@pytest.mark.parametrize("text,match", [
    ("I(28x28x1)-C(4,30)", r"layer 1 \(conv2d1, C\(4,30\)\) on input 28 × 28 × 1: the kernel \(30\)"),
    ("I(28x28x1)-C(0,5)", "number of filters must be at least 1, got 0"),
    ("I(28x28x1)-C(4,5,s=-1)", "stride must be at least 1, got -1"),
    ("I(0x28x1)-C(4,5)", "input: input height must be at least 1, got 0"),
    ("I(28x28x6)-C(4,3,g=4)", r"groups \(4\) must divide the input channels \(6\)"),
    ("I(28x28x8)-C(6,3,g=4)", r"groups \(4\) must divide the filters \(6\)"),
    ("I(28x28x1)-C(4,5)-P(2)-C(8,3)-P(2)-C(16,3)-P(2)-C(4,3)", r"layer 7 \(conv2d4"),
    ("I(784)-C(4,3)", "conv needs a 1-D, 2-D or 3-D input"),
    ("I(28x28x1)-C(4,5,p=3-4)", "padding must be nonnegative, got -1"),
    ("I(4x4x1)-P(2,p=2)", "at most half the pool size"),
    ("I(28x28x1)-C(4,5x3x2)", "kernel size has 3 values but the input has 2 spatial axes"),
])
def test_impossible_layers_name_the_layer(text, match):
    with pytest.raises(ShapeError, match=match):
        symparams.parse(text).derive()


def test_non_integer_expression_value():
    with pytest.raises(ShapeError, match="must be an integer, got 5/2"):
        symparams.parse("I(28x28x1)-C(5/2,3)").derive()


def test_symbolic_non_integer_is_a_condition():
    d = symparams.parse("I(n x n x 1)-C(c/2,3)").derive()
    assert any("integer" in c.reason for c in d.conditions)
    with pytest.raises(ShapeError, match="integer"):
        d.subs(c=3)
    assert d.evaluate(n=10, c=4) == 3 * 3 * 2 + 2


def test_padding_symbols_may_be_zero():
    d = symparams.parse("I(n x n x 1)-C(4,3,p=p)").derive()
    assert d.symbols["p"].is_nonnegative and not d.symbols["p"].is_positive
    assert d.subs(n=5, p=0).rows[0].output_shape.dims() == (3, 3, 4)


def test_one_name_as_padding_and_as_a_size_is_positive():
    d = symparams.parse("I(n x n x 1)-C(4,p,p=p)").derive()
    assert d.symbols["p"].is_positive
    assert d.evaluate(n=5, p=1) == 1 * 1 * 1 * 4 + 4


@pytest.mark.parametrize("text,expected", [
    ("2*c + 1", "2*c + 1"), ("n//2", "floor(n/2)"), ("(n - 4)//2 + 1", "floor((n - 4)/2) + 1"),
    ("k^2", "k**2"), ("-(a - b)", "-a + b"), ("2**10", "1024"),
])
def test_expression_parser(text, expected):
    assert str(parse_expression(text)) == expected


@pytest.mark.parametrize("text", ["", "1 +", "a b", "f(x)", "2**999", "1/0", "x.y", "'a'", "1e3",
                                  "_hidden", "a[0]", "9" * 80])
def test_expression_parser_rejects(text):
    with pytest.raises(SpecError):
        parse_expression(text)


def test_expression_symbols_are_integers():
    e = parse_expression("k1 + p")
    assert all(s.is_integer and s.is_positive for s in e.free_symbols)
    assert all(s.is_nonnegative for s in parse_expression("p", nonnegative=True).free_symbols)
    assert isinstance(e, sp.Expr)


# -- issue 9: one clean error for every bad input ------------------------------------------
def spec_error(text):
    with pytest.raises(SpecError) as info:
        symparams.parse(text)
    return info.value


def test_unicode_names_follow_python_and_are_nfkc_normalized():
    d = symparams.parse("I(ñ x α x 1)-C(4,3)").derive()
    assert [str(s) for s in d.input_shape.dims()] == ["ñ", "α", "1"]
    # U+FB01 (the ligature) and "fi" are one symbol after NFKC; so are fullwidth letters
    assert list(symparams.parse("I(ﬁ x fi x ｎ)").derive().symbols) == ["fi", "n"]
    from symparams.core.symbols import is_valid_name, make_symbol
    assert make_symbol("ﬁ") == make_symbol("fi") and is_valid_name("ﬁ")
    assert not is_valid_name("lambda") and not is_valid_name("_k") and not is_valid_name("1a")


@pytest.mark.parametrize("text,message,position", [
    ("I(²)", "unexpected character '²'", 2),
    ("I(28x28x1)-C(in,3)", "'in' is a Python keyword", 13),
    ("I(28x28x1)-C(4,_k)", "invalid name '_k'", 15),
    ("I(n\u200bm)", "unexpected character '\\u200b'", 3),
    ("I(28x28x1)-C(4,3,p=\x1b[31m)", "unexpected character '\\x1b'", 19),
])
def test_bad_characters_and_names(text, message, position):
    err = spec_error(text)
    assert message in str(err) and err.position == position, str(err)
    assert "\x1b" not in str(err)


def test_groups_zero_is_a_clean_error_before_any_division():
    with pytest.raises(ShapeError, match=r"layer 1 \(conv2d1, C\(4,3,g=0\)\).*groups must be at "
                                         r"least 1, got 0"):
        symparams.parse("I(28x28x4)-C(4,3,g=0)").derive()
    from symparams.layers import Conv, Input
    with pytest.raises(ShapeError, match="groups must be at least 1"):
        symparams.Network((Input((8, 8, 4)), Conv(4, 3, groups=0))).derive()
    d = symparams.parse("I(n x n x 2)-C(4,3,g=k-1)").derive()
    with pytest.raises(ShapeError, match="groups must be at least 1, got 0"):
        d.evaluate(n=5, k=1)


def test_name_keyword_names_a_layer():
    d = symparams.parse("I(28x28x1)-C(4,5,name=features)-O(10,name=head)").derive()
    assert [r.name for r in d.rows] == ["features", "flatten1", "head"]
    with pytest.raises(SpecError, match="layer name 'c' is used twice"):
        symparams.parse("I(8)-H(3,name=c)-O(2,name=c)")
    assert "a layer name is a name" in str(spec_error("I(8)-O(2,name=3)"))


@pytest.mark.parametrize("text,message,position", [
    ("I(28x28x1)-C(4,3,kind=conv)", "kind= is not allowed here", 17),
    ("I(28x28x1)-C(4,3,spec=x)", "spec= is not allowed here", 17),
    ("I(28x28x1)-C(4,3,strid=2)", "unknown option 'strid' (did you mean 'stride'?)", 17),
    ("I(28x28x1)-c(4,3)", "unknown layer 'c' (did you mean 'C'?)", 11),
    ("I(28x28x1)-conv2(4,3)", "unknown layer 'conv2' (did you mean 'conv2d'?)", 11),
    ("I(28x28x1)-C(4,3,p=full)", "padding: 'full' is not supported", 19),
    ("I(28x28x1)-C(4,3,p=causal)", "padding: 'causal' is not supported", 19),
    ("I(28x28x1)-C(4,3,p=sme)", "unknown word 'sme' (did you mean 'same'?)", 19),
    ("I(28x28x1)-C(4,3,s=two)", "stride: 'two' is a number word; write 2", 19),
    ("I(28x28x1)-C(hundred,3)", "'hundred' is a number word; write 100", 13),
    ("I(28x28x1)-C(4,3,bias=flase)", "bias is true or false (did you mean 'false'?)", 22),
    ("I(28x28x1)-P(2,mode=mx)", "(did you mean 'max'?)", 11),
    ("I(28x28x1)-A(anything)", "unknown activation 'anything'", 11),
    ("I(28x28x1)-A(rleu)", "(did you mean 'relu'?)", 11),
    ("I(1e6)-O(10)", "sizes are whole numbers: write 1000000", 2),
    ("I(2.5)-O(10)", "2.5 is not an integer", 2),
    ("I(3n)-O(10)", "write 3*n", 3),
    ("I(1__0)-O(10)", "malformed number '1__0'", 2),
])
def test_typos_and_unknown_words_are_errors_with_a_suggestion(text, message, position):
    err = spec_error(text)
    assert message in str(err) and err.position == position, str(err)


def test_ordinary_names_stay_symbols_and_words_are_case_insensitive():
    d = symparams.parse("I(n x n x 1)-C(4,k,p=p1,s=pad)-C(4,3,p=Same)").derive()
    assert {"k", "p1", "pad"} <= set(d.symbols)
    assert d.rows[1].layer.padding == "same"


def test_underscores_group_digits():
    assert symparams.parse("I(1_000_000)-O(10)").derive().evaluate() == 1_000_000 * 10 + 10


@pytest.mark.parametrize("text,message", [
    ("I(" + "(" * 200 + "1" + ")" * 200 + ")", "parentheses nested more than 50 deep"),
    ("I(" + "-" * 3000 + "1)", "nested more than 100 deep"),
    ("I(" + "9" * 5000 + ")", "number too long (5000 digits; at most 60)"),
    ("I((10**30)**64)", "number too large"),
    ("I(a*10**30*10**30*10**30)", "number too large"),
    ("I(8)" + "-H(2)" * 1000, "more than 1000 layers"),
    ("I(8)-" + "F-" * 10_000 + "O(1)", "text too long"),
])
def test_costs_are_bounded(text, message):
    assert message in str(spec_error(text))


def test_python_api_values_are_bounded_and_typed():
    from symparams.layers import Conv, Dense
    with pytest.raises(SpecError, match="number too large"):
        Dense(10 ** 100)
    with pytest.raises(SpecError, match="number too large"):
        Dense(sp.Integer(10) ** 100 * sp.Symbol("n"))
    with pytest.raises(SpecError, match="bias must be true or false"):
        Conv(4, 3, bias="false")
    with pytest.raises(SpecError, match="name must be a string"):
        Dense(3, name=3)
