"""Every Moodle XML file is parsed back (xml.etree) and checked against the rules
Moodle's importer relies on: a name, one answer worth 100, numeric answers that parse,
tolerance 0, cloze blanks matching ``{1:NUMERICAL:=104:0}``, categories with a
$course$ path; and each parsed answer equals the engine's value for the variant's spec."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest

import symparams
from symparams.export.exam import builtin, from_dict, generate
from symparams.export.exam.moodle import CDATA, CLOZE, serialize, validate, write
from symparams.export.exam.template import BUILTIN

MOODLE_CLOZE = re.compile(r"\{(\d+):NUMERICAL:=(-?\d+):0\}")


def engine_answer(spec: str, item) -> object:
    """The engine's answer from the spec text alone (parsed again)."""
    d = symparams.parse(spec).derive()
    if item.type == "total":
        return d.evaluate()
    if item.type == "params":
        return int(d.row(item_layer(item)).params)
    if item.type == "table":
        return [int(x) for r in d.rows for x in (*r.output_shape.dims(), r.params)]
    return None


def item_layer(item):
    return int(re.search(r"layer (\d+)", " ".join(s.text for s in item.question)).group(1))


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_moodle_files_parse_back_and_answers_equal_the_engine(name):
    exam = generate(builtin(name), count=4, seed=7)
    text = write(exam)
    found = validate(text)
    root = ET.fromstring(text)
    categories = [q for q in root.findall("question") if q.get("type") == "category"]
    assert len(categories) == len(builtin(name).questions)
    assert all(c.findtext("category/text").startswith("$course$/top/symparams/")
               for c in categories)
    by_name = {f["name"]: f for f in found}
    assert len(by_name) == len(found) == 4 * len(builtin(name).questions)
    for v in exam.variants:
        for item in v.items:
            parsed = next(f for n, f in by_name.items()
                          if f"(seed {v.seed})" in n and f" Q{item.number} " in n)
            expected = item.answer if not isinstance(item.answer, tuple) else list(item.answer)
            got = parsed["answer"]
            assert (list(got) if isinstance(got, tuple) and parsed["type"] == "cloze" else got) \
                == (expected if parsed["type"] != "multichoice" else item.answer)
            engine = engine_answer(v.spec, item)
            if engine is not None:
                assert (got if not isinstance(got, tuple) else list(got)) == engine


def test_numerical_questions_have_tolerance_zero_and_one_full_answer():
    root = ET.fromstring(write(generate(builtin("mnist_cnn"), count=2, seed=1)))
    nums = root.findall("question[@type='numerical']")
    assert nums
    for q in nums:
        full = [a for a in q.findall("answer") if a.get("fraction") == "100"]
        assert len(full) == 1 and int(full[0].findtext("text")) >= 0
        assert all(a.findtext("tolerance") == "0" for a in q.findall("answer"))
        assert q.findtext("name/text")
        assert r"\(" in q.findtext("generalfeedback/text")


def test_cloze_blanks_match_moodles_pattern():
    root = ET.fromstring(write(generate(builtin("dense"), count=2, seed=1)))
    clozes = root.findall("question[@type='cloze']")
    assert clozes
    for q in clozes:
        text = q.findtext("questiontext/text")
        blanks = MOODLE_CLOZE.findall(text)
        assert blanks and len(blanks) == len(CLOZE.findall(text))
        assert all(weight == "1" for weight, _ in blanks)


def test_multichoice_wrong_answers_name_their_mistake():
    root = ET.fromstring(write(generate(builtin("cnn_same"), count=3, seed=1)))
    for q in root.findall("question[@type='multichoice']"):
        wrong = [a for a in q.findall("answer") if a.get("fraction") == "0"]
        assert wrong
        assert all(a.findtext("feedback/text").startswith("This is the result of ") for a in wrong)


def test_cdata_is_split_around_its_end_marker_and_control_characters_are_replaced():
    exam = generate(from_dict({"title": "a ]]> b \x01 c", "network": "I(n)-O(2)",
                               "draw": {"n": [3, 4]}}), count=2, seed=0)
    text = write(exam)
    validate(text)
    el = ET.Element("text", {CDATA: "1"})
    el.text = "x ]]> y"
    raw = serialize(el)
    assert "<![CDATA[x ]]]]><![CDATA[> y]]>" in raw
    assert ET.fromstring(raw).text == "x ]]> y"
    root = ET.fromstring(text)
    info = root.find("question[@type='category']/info/text").text
    assert "a ]]&gt; b" in info and "\x01" not in text


def test_the_validator_refuses_what_moodle_would_misread():
    good = write(generate(builtin("dense"), count=1, seed=0))
    with pytest.raises(ValueError, match="worth 100"):
        validate(good.replace('fraction="100"', 'fraction="50"'))
    with pytest.raises(ValueError, match="name"):
        bad = ET.fromstring(good)
        for q in bad.findall("question"):
            if q.get("type") != "category":
                q.find("name/text").text = ""
        validate(serialize(bad))
    with pytest.raises(ValueError, match="blank"):
        validate(good.replace(":0}", ":x}"))
