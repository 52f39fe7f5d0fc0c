"""Fuzz: every notation or spec either derives or raises one SymparamsError, and what
derives can be printed, serialized and turned into Python source that compiles.

The strategies mix arbitrary text with fragments of the notation's grammar (letters,
kind names, keywords, words, operators, numbers of every length, Unicode and control
characters, long runs) and TOML documents generated as data and written by a small
serializer below (``tomli_w`` is not a dependency).
"""

from __future__ import annotations

import datetime
import json
import math
import tomllib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import symparams
from symparams import SymparamsError
from symparams.notation.specfile import from_dict

FUZZ = settings(deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


def check_derives_or_refuses(make) -> None:
    """``make()`` builds a network (or spec); deriving it succeeds or raises
    SymparamsError; a success prints, serializes and exports compilable source."""
    try:
        d = make().derive()
    except SymparamsError as err:
        message = str(err)
        assert message and message.splitlines()[0].strip(), "an error without a message"
        return
    assert isinstance(str(d), str)
    assert isinstance(d.to_dict(), dict)
    compile(d.to_function(), "<to_function>", "exec")


# -- notation ------------------------------------------------------------------------------
LETTERS = list("ICPHOFDBAGZ")
KINDS = ["input", "conv2d", "conv1d", "conv", "maxpool", "avgpool2d", "pool", "dense", "linear",
         "flatten", "dropout", "batchnorm", "activation", "globalpool", "zeropadding", "prelu",
         "conv_2d", "Conv2D", "lstm", "add", "concat", "multiply", "repeat", "block"]
KEYWORDS = ["s=", "p=", "d=", "g=", "bias=", "ceil=", "ceil_mode=", "mode=", "stride=",
            "padding=", "dilation=", "groups=", "name=", "kind=", "spec=", "strid=", "units=",
            "num_parameters=", "function=", "rate=", "ndim="]
WORDS = ["same", "valid", "true", "false", "yes", "no", "max", "avg", "relu", "prelu", "tanh",
         "channels", "elements", "full", "causal", "two", "hundred", "sme", "n", "k1", "c",
         "p", "in", "lambda", "True", "None", "x", "nxn", "ñ", "α", "ﬁ", "ｎ", "_k", "k_1",
         "__import__", "os"]
NUMBERS = ["0", "1", "2", "3", "5", "28", "1_000", "1__0", "1_", "1e6", "1e-3", "2.5", ".5",
           "5.", "1.2.3", "9" * 61, "9" * 5000, "²", "٣", "0x10", "007", "1e99999999"]
SYMBOLS = ["(", ")", ",", "=", "-", "x", "X", "×", "*", "/", "//", "**", "^", "+", " ", "\n",
           "\t", "\x00", "\x1b[31m", "\u200b", "\u202e", "'", '"', "[", "]", "{", ";", ".", "#",
           "\\", "é", "漢", "😀", "\ud7ff", "(" * 60, ")" * 60, "-" * 100, "(" * 300, "-(" * 80,
           # groups and blocks: residual, branches, repeats, definitions
           "-[", "]+", "]*", "]-", "-{", "}", "|", "||", "-(", ")x3", ")xL", ")x0", ")x(L-1)",
           ")x(0-5)", ")x", "b(c)=", "b(c,c)=", "C(c,3,p=1);", "b(3)", "b(c=2)", "b()", ";",
           "[" * 60, "{" * 60, "-[C(4,3,p=1)]+" * 3, "-(C(4,3,p=1))xL" * 3]
FRAGMENT = st.sampled_from(LETTERS + KINDS + KEYWORDS + WORDS + NUMBERS + SYMBOLS)


@given(st.text(max_size=300))
@settings(FUZZ, max_examples=200)
def test_arbitrary_text(text):
    check_derives_or_refuses(lambda: symparams.parse(text))


@given(st.lists(FRAGMENT, max_size=40).map("".join))
@settings(FUZZ, max_examples=400)
def test_grammar_fragments(text):
    check_derives_or_refuses(lambda: symparams.parse(text))


VALUE = st.one_of(st.sampled_from(NUMBERS[:12] + WORDS[:22] + ["2*c + 1", "k//2", "(n - 1)//2 + 1",
                                                                "5x3", "n x n", "0 - 1", "k1**2"]),
                  st.integers(-3, 40).map(str))
GOOD = st.one_of(st.integers(1, 6).map(str), st.sampled_from(["n", "k", "c1", "2*c + 1", "k//2",
                                                              "3x2", "s1", "p"]))
ARGS = {  # plausible arguments per letter: positional, then keyword options
    "C": (2, ["s=", "p=", "d=", "g=", "bias="]), "P": (1, ["s=", "p=", "ceil=", "mode="]),
    "H": (1, ["bias="]), "O": (1, ["bias="]), "D": (1, []), "A": (1, []), "G": (1, []),
    "Z": (1, []), "F": (0, []), "B": (0, []), "prelu": (1, []),
}
SPECIAL = {"D": st.sampled_from(["0.5", "0", "0.25", ".1"]),
           "A": st.sampled_from(["relu", "tanh", "prelu", "Hard_Swish", "softmax", "identity"]),
           "G": st.sampled_from(["max", "avg"]), "prelu": st.sampled_from(["1", "channels",
                                                                           "elements", "3"]),
           "p=": st.sampled_from(["same", "valid", "0", "1", "p", "k//2"]),
           "bias=": st.sampled_from(["true", "false"]), "ceil=": st.sampled_from(["true", "false"]),
           "mode=": st.sampled_from(["max", "avg"])}
RARELY = st.sampled_from([False] * 9 + [True])  # hypothesis favours the first: mostly False
INPUTS = ["I", "I(28x28x3)", "I(n x n x l)", "I(8x8x8x2)", "I(100x3)", "I(784)", "I(n)",
          "I(7x9x4)", "input(5x5x2)", "I(n x m x 4)"]


@st.composite
def networks(draw) -> str:
    """Networks that are mostly well formed, with random (sometimes junk) arguments,
    so that many reach the layers' checks and the derivation."""
    parts = [draw(st.sampled_from(INPUTS))]
    for _ in range(draw(st.integers(0, 5))):
        head = draw(st.sampled_from(list(ARGS)))
        npos, options = ARGS[head]
        junk = draw(RARELY)
        value = VALUE if junk else SPECIAL.get(head, GOOD)
        args = [draw(value) for _ in range(npos)]
        for key in draw(st.lists(st.sampled_from(options or ["s="]), max_size=2 if options else 0,
                                 unique=True)):
            args.append(key + draw(VALUE if junk else SPECIAL.get(key, GOOD)))
        if junk and draw(st.booleans()):
            args.append(draw(st.sampled_from(KEYWORDS)) + draw(VALUE))
        parts.append(head + (f"({','.join(args)})" if args else ""))
    return "-".join(parts)


@given(networks())
@settings(FUZZ, max_examples=200)
def test_structured_networks(text):
    check_derives_or_refuses(lambda: symparams.parse(text))


@given(networks(), st.integers(0, 200), st.sampled_from(SYMBOLS + NUMBERS + WORDS))
@settings(FUZZ, max_examples=150)
def test_mutated_networks(text, at, insert):
    at = min(at, len(text))
    check_derives_or_refuses(lambda: symparams.parse(text[:at] + insert + text[at:]))


# -- TOML ----------------------------------------------------------------------------------
def toml_value(value) -> str:
    """A TOML literal for a value made by the strategies below."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}"
                               for k, v in value.items()) + "}"
    raise TypeError(value)


def toml_document(data: dict) -> str:
    """Top-level keys, then ``[[layers]]`` tables."""
    lines = [f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}" for k, v in data.items()
             if k != "layers" or not isinstance(v, list) or not all(isinstance(t, dict) for t in v)]
    if isinstance(data.get("layers"), list) and all(isinstance(t, dict) for t in data["layers"]):
        for table in data["layers"]:
            lines.append("[[layers]]")
            lines.extend(f"{json.dumps(k, ensure_ascii=False)} = {toml_value(v)}"
                         for k, v in table.items())
    return "\n".join(lines) + "\n"


SCALAR = st.one_of(
    st.integers(-5, 40), st.integers(), st.sampled_from([10**59, 10**61, 2**63 - 1, -2**63]),
    st.booleans(), st.floats(), st.sampled_from(["same", "valid", "false", "true", "n", "k1",
                                                 "2*c + 1", "n x n x 1", "full", "two", "relu",
                                                 "prelu", "channels", "elements", "max", "avg",
                                                 "1_000", "1e6", "0.5", "I(3)-C(1,1)", ""]),
    st.text(max_size=20), st.dates(), st.times())
TOML_VALUE = st.recursive(SCALAR, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(["a", "n", "kind"]), inner,
                                                 max_size=2)), max_leaves=6)
OPTION = st.sampled_from(["filters", "kernel", "stride", "padding", "dilation", "groups", "bias",
                          "units", "size", "ceil_mode", "mode", "rate", "function", "name",
                          "num_parameters", "ndim", "spec", "kind", "strid", "shape"])
LAYER_KIND = st.one_of(st.sampled_from(KINDS), st.text(max_size=8), SCALAR)


OPTIONS = {"conv2d": ["filters", "kernel", "stride", "padding", "dilation", "groups", "bias"],
           "maxpool": ["size", "stride", "padding", "ceil_mode"], "dense": ["units", "bias"],
           "avgpool2d": ["size", "stride", "padding"], "flatten": [], "batchnorm": [],
           "dropout": ["rate"], "activation": ["function"], "globalpool": ["mode"],
           "zeropadding": ["padding"], "prelu": ["num_parameters"], "conv1d": ["filters", "kernel"]}
REQUIRED = {"conv2d": ["filters", "kernel"], "conv1d": ["filters", "kernel"], "maxpool": ["size"],
            "avgpool2d": ["size"], "dense": ["units"]}
GOOD_OPTION = {"bias": st.booleans(), "ceil_mode": st.booleans(), "padding": st.one_of(
    st.integers(0, 2), st.sampled_from(["same", "valid", "p"])), "rate": st.sampled_from(
    [0.5, "0.5", 0]), "function": st.sampled_from(["relu", "gelu", "swish"]),
    "mode": st.sampled_from(["max", "avg"]), "num_parameters": st.sampled_from(
    [1, "channels", "elements"])}


@st.composite
def spec_dicts(draw) -> dict:
    """Spec data that is mostly well formed, with junk in one place now and then."""
    junk = lambda: draw(RARELY)  # noqa: E731
    data: dict = {}
    data["input"] = draw(TOML_VALUE if junk() else st.sampled_from(
        [[28, 28, 3], [8, 8, 8, 2], [100, 3], [784], "n x n x l", "n", "7 x 9 x 4", [9, 9, 4]]))
    if draw(RARELY):
        data["notation"] = draw(st.one_of(networks(), TOML_VALUE))
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(sorted(OPTIONS)))
        table = {"kind": draw(LAYER_KIND) if junk() else kind}
        keys = REQUIRED.get(kind, []) + draw(st.lists(st.sampled_from(OPTIONS[kind] or ["name"]),
                                                      max_size=2, unique=True))
        if junk():
            keys.append(draw(OPTION))
        for key in keys:
            good = GOOD_OPTION.get(key, st.one_of(st.integers(1, 5), GOOD))
            table[key] = draw(TOML_VALUE if junk() else good)
        layers.append(table)
    data["layers"] = draw(TOML_VALUE) if junk() else layers
    for key in draw(st.lists(st.sampled_from(["name", "source", "convention", "published",
                                              "description", "nmae"]), max_size=2, unique=True)):
        good = {"convention": st.sampled_from(["pytorch", "keras"]), "published": st.just({}),
                "nmae": TOML_VALUE}.get(key, st.text(max_size=30))
        data[key] = draw(TOML_VALUE if junk() else good)
    return data


@given(spec_dicts())
@settings(FUZZ, max_examples=150)
def test_spec_dicts(data):
    check_derives_or_refuses(lambda: from_dict(data))


@given(spec_dicts())
@settings(FUZZ, max_examples=100)
def test_spec_toml_text(data):
    text = toml_document(data)
    try:
        parsed = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return  # the serializer cannot write this shape (e.g. a key given twice): not our input
    check_derives_or_refuses(lambda: from_dict(parsed))


@pytest.mark.parametrize("text", [
    'input = [8, 8, 3]\n[[layers]]\nkind = "conv2d"\nfilters = 4\nkernel = 3\nbias = "false"\n',
    'name = 3\ninput = [8]\n[[layers]]\nkind = "dense"\nunits = 2\n',
    'input = [8]\n[[layers]]\nkind = "dense"\nunits = [2, 3]\n',
    'input = [8]\n[[layers]]\nkind = "dense"\nunits = {a = 1}\n',
    'input = [8]\n[[layers]]\nkind = "dense"\nunits = 1979-05-27\n',
    'input = [8]\n[[layers]]\nkind = "dense"\nunits = 1e6\n',
    'input = [8]\n[[layers]]\nkind = "dense"\nunits = nan\n',
    'input = "8)-C(4,3"\n[[layers]]\nkind = "dense"\nunits = 2\n',
    'input = [8]\nlayers = [[1]]\n',
    'input = [8]\nlayers = "dense"\n',
    'notation = "I(8)-O(2)"\nname = [1]\n',
])
def test_raw_toml_texts(text):
    data = tomllib.loads(text)
    with pytest.raises(SymparamsError):
        from_dict(data).derive()
