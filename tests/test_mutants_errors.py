"""Tests that kill mutants of symparams/core/errors.py (docs/testing.md, "Mutation
testing").  Rendered messages are written out by hand from the rules in the module:
at most MAX_QUOTE (80) characters of text around the position, ``…`` at a cut side, the
caret under the character."""

from __future__ import annotations

import pytest

from symparams.core.errors import (MAX_QUOTE, MissingValueError, NotSupportedError,
                                   ShapeError, SpecError, SymparamsError, printable, quote,
                                   shorten)


def test_printable_escapes_control_characters_only():
    assert printable("a\nb\x1b[2J\tc\x00") == "a\\nb\\x1b[2J\\tc\\x00"
    assert printable("é ñ α ok") == "é ñ α ok"
    assert printable("") == ""
    assert printable("\u200b") == "\\u200b"  # zero width space: not printable


def test_shorten_cuts_past_the_limit():
    assert MAX_QUOTE == 80
    assert shorten("x" * 80) == "x" * 80
    assert shorten("x" * 81) == "x" * 79 + "…"
    assert shorten("abcdef", 6) == "abcdef"
    assert shorten("abcdefg", 6) == "abcde…"
    assert shorten(12345, 3) == "12…"
    assert shorten("a\nb", 3) == "a\\…"  # made printable first, then cut


def test_quote():
    assert quote("conv1") == "'conv1'"
    assert quote(3) == "'3'"
    assert quote("y" * 81) == "'" + "y" * 79 + "…'"
    assert quote("y" * 25, 20) == "'" + "y" * 19 + "…'"
    assert quote("a\tb") == "'a\\tb'"


def test_the_hierarchy():
    for cls, builtin in ((SpecError, ValueError), (ShapeError, ValueError),
                         (MissingValueError, ValueError),
                         (NotSupportedError, NotImplementedError)):
        assert issubclass(cls, SymparamsError) and issubclass(cls, builtin)
    assert issubclass(SymparamsError, Exception)


def test_spec_error_without_a_position_is_its_message():
    err = SpecError("bad thing")
    assert (err.message, err.text, err.position) == ("bad thing", None, None)
    assert str(err) == "bad thing"
    assert str(SpecError("bad thing", "some text")) == "bad thing"
    assert str(SpecError("bad thing", None, 3)) == "bad thing"


def test_spec_error_in_a_short_text():
    err = SpecError("expected a number", "C(4,)", 4)
    assert (err.message, err.text, err.position) == ("expected a number", "C(4,)", 4)
    assert str(err) == "expected a number at position 5\n  C(4,)\n      ^"
    assert str(SpecError("m", "abc", 0)) == "m at position 1\n  abc\n  ^"
    # a position just past the end (end of input)
    assert str(SpecError("m", "abc", 3)) == "m at position 4\n  abc\n     ^"


def test_spec_error_control_characters_move_the_caret():
    # "a\nb": the newline prints as two characters, so the caret under b is 3 along
    assert str(SpecError("m", "a\nb", 2)) == "m at position 3\n  a\\nb\n     ^"


def _text(n: int) -> str:
    return "".join(chr(ord("a") + i % 26) for i in range(n))


def test_spec_error_windows_of_a_long_text():
    text = _text(200)
    # middle: window text[60:140], cut on both sides, caret 1 + 40 along
    assert str(SpecError("m", text, 100)) == \
        "m at position 101\n  …" + text[60:140] + "…\n  " + " " * 41 + "^"
    # near the start: window text[0:80], cut on the right only
    assert str(SpecError("m", text, 10)) == \
        "m at position 11\n  " + text[:80] + "…\n  " + " " * 10 + "^"
    # near the end: window text[120:200], cut on the left only
    assert str(SpecError("m", text, 190)) == \
        "m at position 191\n  …" + text[120:] + "\n  " + " " * 71 + "^"
    # position 40 exactly: the window still starts at 0
    assert str(SpecError("m", text, 40)) == \
        "m at position 41\n  " + text[:80] + "…\n  " + " " * 40 + "^"
    assert str(SpecError("m", text, 41)) == \
        "m at position 42\n  …" + text[1:81] + "…\n  " + " " * 41 + "^"


def test_spec_error_at_exactly_80_and_81_characters():
    text = _text(80)
    assert str(SpecError("m", text, 79)) == "m at position 80\n  " + text + "\n  " + " " * 79 + "^"
    text = _text(81)
    assert str(SpecError("m", text, 80)) == \
        "m at position 81\n  …" + text[1:] + "\n  " + " " * 80 + "^"
    assert str(SpecError("m", text, 0)) == "m at position 1\n  " + text[:80] + "…\n  ^"
