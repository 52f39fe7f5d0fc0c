"""Tests that kill mutants of symparams/core/expr.py (docs/testing.md, "Mutation
testing").  Values are compared with the same arithmetic done on Python integers;
messages and positions are compared whole."""

from __future__ import annotations

import pytest
import sympy as sp

from symparams.core.errors import SpecError
from symparams.core.expr import (LIMIT, MAX_BITS, MAX_EXPONENT, ExpressionParser, parse_expression,
                                 too_large)
from symparams.core.lexer import TokenStream, tokenize
from symparams.core.shape import FloorDiv


def refused(text: str, **kw) -> tuple[str, int | None]:
    with pytest.raises(SpecError) as e:
        parse_expression(text, **kw)
    assert e.value.text == text  # every error points into the text
    return e.value.message, e.value.position


def pos(name: str) -> sp.Symbol:
    return sp.Symbol(name, integer=True, positive=True)


a, b, c = pos("a"), pos("b"), pos("c")
TOO_LARGE = "number too large (more than 60 digits)"


def test_constants():
    assert (MAX_EXPONENT, MAX_BITS, LIMIT) == (64, 199, 10 ** 60)


def test_too_large():
    assert not too_large(sp.Integer(10 ** 60 - 1))
    assert too_large(sp.Integer(10 ** 60))
    assert too_large(sp.Integer(-10 ** 60))
    assert not too_large(sp.Integer(-(10 ** 60 - 1)))
    assert too_large(sp.Rational(1, 10 ** 60))
    assert not too_large(sp.Rational(1, 10 ** 60 - 1))
    assert too_large(a + 10 ** 60)
    assert too_large(a / 10 ** 60)
    assert too_large(-(10 ** 60) * a)
    assert not too_large(a * (10 ** 60 - 1) + b)
    assert not too_large(a)


def test_arithmetic_and_precedence():
    cases = {
        "2*c + 1": 2 * c + 1, "a - b - c": a - b - c, "a - (b - c)": a - b + c,
        "a*b + c": a * b + c, "a + b*c": a + b * c, "(a + b)*c": (a + b) * c,
        "a/b": a / b, "a/b/c": a / (b * c), "a//b": FloorDiv(a, b),
        "a//b//c": FloorDiv(FloorDiv(a, b), c), "a*b//c": FloorDiv(a * b, c),
        "-a": -a, "+a": a, "--a": a, "-+-a": a, "-(-a)": a, "2**3": 8, "2^3": 8,
        "a**2**2": a ** 4, "-a**2": -a ** 2, "2*-a": -2 * a, "a**-0": 1, "a**+2": a ** 2,
        "1_000*a": 1000 * a, "0*a": 0, "a**0": 1, "a**64": a ** 64, "(a**8)**8": a ** 64,
        "7 - 10": -3, "x": sp.Symbol("x", integer=True, positive=True),
    }
    for text, expected in cases.items():
        assert sp.simplify(parse_expression(text) - expected) == 0, text
        assert parse_expression(text) == expected, text


def test_values_against_python():
    for text, expected in (("17//5", 3), ("-17//5", -4), ("17/5", sp.Rational(17, 5)),
                           ("2*3+4*5-6", 20), ("(2+3)*(4-6)", -10), ("3**4", 81), ("2^10", 1024),
                           ("100 - 2**6 - 1", 35)):
        assert parse_expression(text) == expected, text


def test_nonnegative_names():
    p = parse_expression("p", nonnegative=True)
    assert p.is_nonnegative and p.is_integer and p.is_positive is None
    assert parse_expression("p").is_positive
    e = parse_expression("k + p", nonnegative=True)
    assert all(s.is_nonnegative and not s.is_positive for s in e.free_symbols)


def test_trailing_tokens_and_missing_operands():
    assert refused("a b") == ("expected an operator or the end of the expression, found 'b'", 2)
    assert refused("2x3") == ("expected an operator or the end of the expression, found 'x'", 1)
    assert refused("(a))") == ("unbalanced ')'", 3)
    assert refused("") == ("expected a number, a name or '(', found end of text", 0)
    assert refused("a+") == ("expected a number, a name or '(', found end of text", 2)
    assert refused("a*)") == ("unbalanced ')'", 2)
    assert refused("a*,") == ("expected a number, a name or '(', found ','", 2)
    assert refused("(a") == ("unbalanced '(': missing ')'", 0)
    assert refused("(a,b)") == ("expected ')', found ','", 2)


def test_division_by_zero():
    assert refused("a/0") == ("division by zero", 1)
    assert refused("a // (1 - 1)") == ("division by zero", 2)
    assert refused("a*b/(b-b)") == ("division by zero", 3)
    assert parse_expression("0/a") == 0
    assert parse_expression("0//a") == 0
    assert parse_expression("a*0") == 0  # a product with 0 is no division


def test_exponents():
    for text, at in (("2**65", 1), ("2**-1", 1), ("2**a", 1), ("a^(1/2)", 1), ("a ** 100", 2)):
        assert refused(text) == ("exponent must be an integer from 0 to 64", at), text
    assert refused("(a**8)**9") == ("degree above 64", 6)
    assert refused("(a*b)**33") == ("degree above 64", 5)
    assert parse_expression("(a*b)**32") == a ** 32 * b ** 32
    assert refused("(a+1)**65")[0] == "exponent must be an integer from 0 to 64"


def test_numbers_are_bounded():
    assert parse_expression("9" * 60) == 10 ** 60 - 1
    assert refused("9" * 60 + "+1") == (TOO_LARGE, 0)
    assert refused("a + " + "9" * 60 + " + 1") == (TOO_LARGE, 0)
    assert refused("10**60") == (TOO_LARGE, 0)
    assert refused("-10**60") == (TOO_LARGE, 0)
    assert refused("1/10**60") == (TOO_LARGE, 0)
    assert parse_expression("10**59*9") == 9 * 10 ** 59
    assert refused("10**59*10") == (TOO_LARGE, 0)
    assert refused("(10**59*10)") == (TOO_LARGE, 1)
    assert refused("a*10**59*10")[0] == TOO_LARGE
    assert parse_expression("2**64*2**64*2**64") == 2 ** 192
    assert refused("2**64*2**64*2**64*2**64") == (TOO_LARGE, 0)
    # a huge intermediate is refused where it is built, at the start of its term
    assert refused("a + 2 * 10**59*100 - 10**61")[1] == 4
    assert refused("a + (" + "9" * 60 + " + 1) - 1")[1] == 5
    # powers: the bound of the base's bits times the exponent
    assert parse_expression("7**64") == 7 ** 64  # 180 bits
    assert refused(str(2 ** 50) + "**4") == (TOO_LARGE, 0)  # 2**200 > 10**60
    assert refused(str(3 ** 20) + "**64")[0] == TOO_LARGE  # 32 bits × 64 > 199 + 64
    # a rational base counts its denominator's bits too (the numerator 1 has 1 bit)
    assert refused("(1/" + str(2 ** 40) + ")**64") == (TOO_LARGE, len("(1/" + str(2 ** 40) + ")"))
    # 10**60 - 1 has 60 digits and 200 bits: accepted as text and as a product
    assert parse_expression(str(2 ** 199)) == 2 ** 199
    assert parse_expression("2**64*2**64*2**64*2**7") == 2 ** 199


def test_the_power_bound_is_on_bits_times_exponent():
    # 2**k has k + 1 bits: (2**4)**64 = 2**256 has 5 × 64 = 320 > 263 bits: refused early
    assert refused("(2**4)**64") == (TOO_LARGE, 6)
    # (2**3)**64 = 2**192: 4 × 64 = 256 <= 263 bits, and below 10**60: accepted
    assert parse_expression("(2**3)**64") == 2 ** 192
    # 8 bits × 33 = 264 > 263: refused before the power is computed
    assert refused("255**33") == (TOO_LARGE, 3)
    # 8 bits × 32 = 256: computed (255**32 < 10**77 is then refused by value)
    assert refused("255**32") == (TOO_LARGE, 0)
    assert parse_expression("255**24") == 255 ** 24  # 58 digits
    # the denominator's bits: (1/255)**33 is refused early, (1/255)**24 accepted
    assert refused("(1/255)**33") == (TOO_LARGE, 7)
    assert parse_expression("(1/255)**24") == sp.Rational(1, 255 ** 24)
    # a negative base: its absolute value's bits
    assert refused("(-255)**33") == (TOO_LARGE, 6)


def test_nesting_of_signs_and_powers():
    assert parse_expression("-" * 99 + "a") == -a
    assert refused("-" * 100 + "a") == ("expression nested more than 100 deep", 100)
    assert parse_expression("(" * 50 + "a" + ")" * 50) == a
    # the depth is given back: many signs one after another are fine
    assert parse_expression(" + ".join(["-a"] * 150)) == -150 * a
    assert parse_expression("*".join(["-1"] * 120)) == 1
    parser = ExpressionParser(TokenStream("-a", tokenize("-a")))
    parser.value()
    assert parser.depth == 0
    # powers nest on the right: 2**1**1**... uses one level per power
    assert parse_expression("**".join(["1"] * 100)) == 1
    assert refused("**".join(["1"] * 101)) == ("expression nested more than 100 deep", 300)


def test_names():
    assert refused("f(x)") == ("'f' is followed by '(': function calls are not allowed in "
                               "expressions", 1)
    assert refused("a + f (x)") == ("'f' is followed by '(': function calls are not allowed in "
                                    "expressions", 6)
    assert refused("a + __b") == ("invalid name '__b': names start with a letter and use "
                                  "letters, digits and _", 4)
    assert refused("2 + 1.5") == ("1.5 is not an integer; sizes and counts are whole numbers", 4)
    assert refused("a*1e3") == ("1e3 is not written as a whole number; sizes are whole numbers: "
                                "write 1000", 2)
    assert parse_expression("a*(b)") == a * b


def test_a_name_that_is_not_a_symbol_name_is_refused_where_it_is():
    # tokenize refuses such names first; a token stream made otherwise reaches make_symbol
    from symparams.core.lexer import Token

    text = "a + __b"
    stream = TokenStream(text, [Token("NAME", "__b", 4), Token("END", "", 7)])
    with pytest.raises(SpecError) as e:
        ExpressionParser(stream).value()
    assert (e.value.message, e.value.text, e.value.position) == (
        "invalid name '__b': names start with a letter and use letters, digits and _", text, 4)
    assert e.value.__cause__ is None and e.value.__suppress_context__


def test_expression_parser_used_inside_other_text():
    # the notation calls .value() and reads on: the parser stops at what it cannot read
    stream = TokenStream("a + 1, b", tokenize("a + 1, b"))
    assert ExpressionParser(stream).value() == a + 1
    assert stream.peek.text == ","
    stream = TokenStream("p)", tokenize("(p)")[1:])
    value = ExpressionParser(stream, nonnegative=True).value()
    assert value.is_nonnegative and not value.is_positive
