"""Tests that kill mutants of symparams/core/lexer.py (docs/testing.md, "Mutation
testing").  Token lists are written out by hand from the module's rules; messages and
positions are compared whole."""

from __future__ import annotations

import pytest

from symparams.core.errors import SpecError
from symparams.core.lexer import (MAX_DEPTH, MAX_DIGITS, MAX_LENGTH, Token, TokenStream,
                                  not_whole_message, number_value, shorten_word, tokenize)


def toks(text: str, layers: bool = False) -> list[tuple[str, str, int]]:
    return [(t.kind, t.text, t.pos) for t in tokenize(text, layers=layers)]


def refused(text: str, layers: bool = False) -> tuple[str, int | None]:
    with pytest.raises(SpecError) as e:
        tokenize(text, layers=layers)
    # a positioned error shows the text it points into
    assert e.value.text == (text if e.value.position is not None else None)
    return e.value.message, e.value.position


def test_the_bounds():
    assert (MAX_DIGITS, MAX_LENGTH, MAX_DEPTH) == (60, 20_000, 50)


# -- sizes and numbers -------------------------------------------------------------------

def test_sizes_with_x_and_times():
    assert toks("28x28x1") == [("NUM", "28", 0), ("TIMES", "x", 2), ("NUM", "28", 3),
                               ("TIMES", "x", 5), ("NUM", "1", 6), ("END", "", 7)]
    assert toks("3X4") == [("NUM", "3", 0), ("TIMES", "X", 1), ("NUM", "4", 2), ("END", "", 3)]
    assert toks("3x") == [("NUM", "3", 0), ("TIMES", "x", 1), ("END", "", 2)]
    assert toks("3x 4") == [("NUM", "3", 0), ("TIMES", "x", 1), ("NUM", "4", 3), ("END", "", 4)]
    assert toks("5 × 3") == [("NUM", "5", 0), ("TIMES", "×", 2), ("NUM", "3", 4), ("END", "", 5)]
    assert toks("5×3") == [("NUM", "5", 0), ("TIMES", "×", 1), ("NUM", "3", 2), ("END", "", 3)]
    assert toks("n x n x l") == [("NAME", "n", 0), ("TIMES", "x", 2), ("NAME", "n", 4),
                                 ("TIMES", "x", 6), ("NAME", "l", 8), ("END", "", 9)]
    assert toks("(a) x b") == [("OP", "(", 0), ("NAME", "a", 1), ("OP", ")", 2),
                               ("TIMES", "x", 4), ("NAME", "b", 6), ("END", "", 7)]
    assert toks("3 x b") == [("NUM", "3", 0), ("TIMES", "x", 2), ("NAME", "b", 4), ("END", "", 5)]
    # a lone x elsewhere is a name; nxn and x2 are names
    assert toks("x") == [("NAME", "x", 0), ("END", "", 1)]
    assert toks("(x)") == [("OP", "(", 0), ("NAME", "x", 1), ("OP", ")", 2), ("END", "", 3)]
    assert toks("+ x") == [("OP", "+", 0), ("NAME", "x", 2), ("END", "", 3)]
    assert toks("nxn") == [("NAME", "nxn", 0), ("END", "", 3)]
    assert toks("x2") == [("NAME", "x2", 0), ("END", "", 2)]


def test_numbers_of_every_form_are_one_token():
    for word in (".5", "5.", "1e6", "1E6", "1e+6", "2.5E-3", "1_000", "1_000.000_1", "007"):
        assert toks(word) == [("NUM", word, 0), ("END", "", len(word))]
    assert toks("a + .5") == [("NAME", "a", 0), ("OP", "+", 2), ("NUM", ".5", 4), ("END", "", 6)]
    assert toks("a*.5") == [("NAME", "a", 0), ("OP", "*", 1), ("NUM", ".5", 2), ("END", "", 4)]
    assert toks("1e6+2") == [("NUM", "1e6", 0), ("OP", "+", 3), ("NUM", "2", 4), ("END", "", 5)]
    assert toks("1.5-2") == [("NUM", "1.5", 0), ("OP", "-", 3), ("NUM", "2", 4), ("END", "", 5)]
    # a lone "." is not a number
    assert refused(".") == ("unexpected character '.'", 0)
    assert refused("a.b") == ("unexpected character '.'", 1)


def test_a_number_followed_by_a_name():
    for text, message, pos in (
            ("2a", "write 2*a", 1), ("3xa", "write 3*xa", 1), ("1e", "write 1*e", 1),
            ("1ex", "write 1*ex", 1), ("1e+", None, None), ("2é", "write 2*é", 1),
            ("1" + "a" * 30, "write 1*" + "a" * 19 + "…", 1),
            ("1" * 25 + "a", "write " + "1" * 19 + "…*a", 25),
            ("2_a", None, None)):
        if message is None:
            continue
        assert refused(text) == (f"a number is followed by a name: {message} for a product, or "
                                 "put 'x' between sizes", pos)
    # the name ends at the first character that is not a name's
    assert refused("2ab+c")[0].startswith("a number is followed by a name: write 2*ab for")
    # an exponent is "e", a sign, digits: "1eX5" is 1 followed by the name eX5
    assert refused("1eX5") == ("a number is followed by a name: write 1*eX5 for a product, or "
                               "put 'x' between sizes", 1)
    # "1e+" ends the number at 1: then "e" is a name
    assert refused("1e+")[0].startswith("a number is followed by a name: write 1*e for")


def test_malformed_and_long_numbers():
    for word in ("1__0", "1_", "1.2.3", "1_.5", "1._5"):
        msg, pos = refused(word)
        assert (msg, pos) == (f"malformed number '{word}'", 0), word
    assert toks("1" * 60)[0] == ("NUM", "1" * 60, 0)
    assert toks("1_" * 59 + "1")[0][0] == "NUM"  # 60 digits; underscores are not digits
    assert refused("1" * 61) == ("number too long (61 digits; at most 60)", 0)
    assert refused("1_" * 60 + "1") == ("number too long (61 digits; at most 60)", 0)
    assert toks("1." + "1" * 59)[0][0] == "NUM"
    assert refused("1." + "1" * 60) == ("number too long (61 digits; at most 60)", 0)
    assert refused("a + " + "9" * 61)[1] == 4
    # the exponent's digits count too
    assert refused("1e" + "1" * 60)[0] == "number too long (61 digits; at most 60)"


def test_number_value_and_not_whole_message():
    assert number_value("1_000") == 1000
    assert number_value("007") == 7
    for word in ("1e3", "1E3", "1.", ".5", "2.0"):
        assert number_value(word) is None
    assert not_whole_message("1e3") == ("1e3 is not written as a whole number; sizes are whole "
                                        "numbers: write 1000")
    assert not_whole_message("1E2") == ("1E2 is not written as a whole number; sizes are whole "
                                        "numbers: write 100")
    assert not_whole_message("1.5e1") == ("1.5e1 is not written as a whole number; sizes are "
                                          "whole numbers: write 15")
    assert not_whole_message("2.0") == ("2.0 is not written as a whole number; sizes are whole "
                                        "numbers: write 2")
    assert not_whole_message("1_0.0") == ("1_0.0 is not written as a whole number; sizes are "
                                          "whole numbers: write 10")
    assert not_whole_message("1e59") == ("1e59 is not written as a whole number; sizes are whole "
                                         "numbers: write 1" + "0" * 59)
    assert not_whole_message("1.5") == "1.5 is not an integer; sizes and counts are whole numbers"
    assert not_whole_message("1.0e-60") == ("1.0e-60 is not an integer; sizes and counts are "
                                            "whole numbers")
    assert not_whole_message("1e60") == ("1e60 is a whole number of more than 60 digits; sizes are "
                                         "whole numbers of at most 60 digits")
    assert not_whole_message("1e61") == ("1e61 is not a whole number written out; sizes are whole "
                                         "numbers")
    assert not_whole_message("1e-61") == ("1e-61 is not a whole number written out; sizes are "
                                          "whole numbers")
    assert not_whole_message("1" * 23 + ".5") == ("1" * 19 + "… is not an integer; sizes and "
                                                  "counts are whole numbers")


def test_shorten_word():
    assert shorten_word("a" * 20) == "a" * 20
    assert shorten_word("a" * 21) == "a" * 19 + "…"


# -- names -------------------------------------------------------------------------------

def test_names_are_normalized_and_checked():
    assert toks("ａb") == [("NAME", "ab", 0), ("END", "", 2)]
    assert toks("k_1 é") == [("NAME", "k_1", 0), ("NAME", "é", 4), ("END", "", 5)]
    assert refused("a + __a") == ("invalid name '__a': names start with a letter and use letters, "
                                  "digits and _", 4)
    assert refused("a" * 65)[1] == 0
    assert refused("_a")[1] == 0


# -- operators, groups, separators -------------------------------------------------------

def test_operators_longest_first():
    assert toks("a**b//c^d*e/f") == [
        ("NAME", "a", 0), ("OP", "**", 1), ("NAME", "b", 3), ("OP", "//", 4), ("NAME", "c", 6),
        ("OP", "^", 7), ("NAME", "d", 8), ("OP", "*", 9), ("NAME", "e", 10), ("OP", "/", 11),
        ("NAME", "f", 12), ("END", "", 13)]
    assert toks("=,") == [("OP", "=", 0), ("OP", ",", 1), ("END", "", 2)]
    # grouping characters only with layers
    for ch in "[]{}|;":
        assert refused(f"a{ch}")[0] == f"unexpected character '{ch}'"
    assert refused("a$") == ("unexpected character '$'", 1)


def test_a_dash_separates_layers_only_at_layer_level():
    assert toks("a-b") == [("NAME", "a", 0), ("OP", "-", 1), ("NAME", "b", 2), ("END", "", 3)]
    assert toks("a-b", layers=True) == [("NAME", "a", 0), ("SEP", "-", 1), ("NAME", "b", 2),
                                        ("END", "", 3)]
    # inside a layer's arguments it is a minus
    assert toks("C(a-b)-H(3)", layers=True) == [
        ("NAME", "C", 0), ("OP", "(", 1), ("NAME", "a", 2), ("OP", "-", 3), ("NAME", "b", 4),
        ("OP", ")", 5), ("SEP", "-", 6), ("NAME", "H", 7), ("OP", "(", 8), ("NUM", "3", 9),
        ("OP", ")", 10), ("END", "", 11)]
    # a "(" where a layer goes is a group of layers: "-" inside separates
    kinds = [t[0] for t in toks("I(8)-(C(1)-C(1))x2", layers=True)]
    assert kinds == ["NAME", "OP", "NUM", "OP", "SEP", "OP", "NAME", "OP", "NUM", "OP", "SEP",
                     "NAME", "OP", "NUM", "OP", "OP", "NAME", "END"]
    for text in ("(a-b)", "[a-b]+", "{a-b|c}", "x;(a-b)", "x=(a-b)", "x|(a-b)", "((a-b))",
                 "[(a-b)]", "{(a-b)|c}"):
        seps = [t for t in toks(text, layers=True) if t[1] == "-"]
        assert [t[0] for t in seps] == ["SEP"], text
    # after an operand a "(" opens arguments, not a group
    for text in ("C(a-b)", "b3(a-b)", "[C(a-b)]+", "(C(a-b))", "8 (a-b)", "3X(a-b)", "3x(a-b)"):
        seps = [t for t in toks(text, layers=True) if t[1] == "-"]
        assert [t[0] for t in seps] == ["OP"], text
    # inside arguments, brackets are not grouping: "[" is an unexpected character
    assert refused("C([a])", layers=True) == ("unexpected character '['", 2)
    # and a "(" inside arguments is not a group either
    seps = [t for t in toks("C((a-b))", layers=True) if t[1] == "-"]
    assert [t[0] for t in seps] == ["OP"]


def test_grouping_tokens_with_layers():
    assert toks("[a|b]+;c", layers=True) == [
        ("OP", "[", 0), ("NAME", "a", 1), ("OP", "|", 2), ("NAME", "b", 3), ("OP", "]", 4),
        ("OP", "+", 5), ("OP", ";", 6), ("NAME", "c", 7), ("END", "", 8)]
    assert toks("{a}", layers=True) == [("OP", "{", 0), ("NAME", "a", 1), ("OP", "}", 2),
                                        ("END", "", 3)]


def test_unbalanced_and_mismatched_brackets():
    assert refused(")") == ("unbalanced ')'", 0)
    assert refused("a)") == ("unbalanced ')'", 1)
    assert refused("a]", layers=True) == ("unbalanced ']'", 1)
    assert refused("(a]", layers=True) == ("']' closes '('", 2)
    assert refused("[a)", layers=True) == ("')' closes '['", 2)
    assert refused("{a]", layers=True) == ("']' closes '{'", 2)
    assert refused("(") == ("unbalanced '(': missing ')'", 0)
    assert refused("(a)(b", layers=True) == ("unbalanced '(': missing ')'", 3)
    assert refused("((a)") == ("unbalanced '(': missing ')'", 0)
    assert refused("[a", layers=True) == ("unbalanced '[': missing ']'", 0)
    assert refused("{a", layers=True) == ("unbalanced '{': missing '}'", 0)
    # closing the right one pops it: the one before is checked next
    assert refused("([a])]", layers=True) == ("unbalanced ']'", 5)
    assert refused("[(a)}", layers=True) == ("'}' closes '['", 4)


def test_nesting_depth_and_text_length():
    assert toks("(" * 50 + "a" + ")" * 50)[50] == ("NAME", "a", 50)
    assert refused("(" * 51 + "a" + ")" * 51) == ("parentheses nested more than 50 deep", 50)
    assert refused("[" * 51 + "a" + "]" * 51, layers=True) == (
        "parentheses nested more than 50 deep", 50)
    # closed ones do not count
    assert toks("(a)" * 60)[-1] == ("END", "", 180)
    assert tokenize(" " * 20_000) == [Token("END", "", 20_000)]
    assert refused(" " * 20_001) == ("text too long (20001 characters; at most 20000)", None)


def test_whitespace_is_skipped():
    assert toks(" \t a\n+\r\n1 ") == [("NAME", "a", 3), ("OP", "+", 5), ("NUM", "1", 8),
                                       ("END", "", 10)]


# -- the token stream --------------------------------------------------------------------

def test_token_stream():
    s = TokenStream("a + b", tokenize("a + b"))
    assert s.text == "a + b" and s.i == 0
    assert s.peek == Token("NAME", "a", 0)
    assert s.next() == Token("NAME", "a", 0)
    assert s.accept("-") is None and s.i == 1
    assert s.accept("+") == Token("OP", "+", 2) and s.i == 2
    assert s.next() == Token("NAME", "b", 4)
    assert s.next() == Token("END", "", 5) and s.i == 3
    assert s.next() == Token("END", "", 5) and s.i == 3  # never past the end
    s = TokenStream("a-b", tokenize("a-b", layers=True))
    s.next()
    assert s.accept("-") == Token("SEP", "-", 1)
    s = TokenStream("ab", tokenize("ab"))
    assert s.accept("ab") is None  # a name is not accepted as an operator
    s = TokenStream("3", tokenize("3"))
    assert s.accept("3") is None
    s = TokenStream("a b", tokenize("a b"))
    with pytest.raises(SpecError) as e:
        s.expect(")")
    assert (e.value.message, e.value.position) == ("expected ')', found 'a'", 0)
    with pytest.raises(SpecError) as e:
        s.expect(")", "a closing parenthesis")
    assert e.value.message == "expected a closing parenthesis, found 'a'"
    s = TokenStream("(a", [Token("OP", "(", 0), Token("NAME", "a", 1), Token("END", "", 2)])
    assert s.expect("(") == Token("OP", "(", 0)
    with pytest.raises(SpecError) as e:
        s.fail("bad", Token("NUM", "7", 9))
    assert (e.value.message, e.value.position, e.value.text) == ("bad, found '7'", 9, "(a")
    with pytest.raises(SpecError) as e:
        s.fail("bad", Token("END", "", 2))
    assert (e.value.message, e.value.position) == ("bad, found end of text", 2)
    s.next()
    with pytest.raises(SpecError) as e:
        s.fail("bad")
    assert (e.value.message, e.value.position) == ("bad, found end of text", 2)
