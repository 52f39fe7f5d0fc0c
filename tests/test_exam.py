"""Exam authoring (issue 13): templates, seeded distinct valid variants, answers from
the engine, distractors from the classic mistakes, worked solutions, the writers and
the CLI.  Moodle validation is in test_exam_moodle.py, pdflatex in test_exam_latex.py,
the property test in test_exam_property.py."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

import symparams
from symparams.cli import main
from symparams.core.errors import SpecError
from symparams.export.exam import builtin, from_dict, generate
from symparams.export.exam import jsonout, latex, markdown, moodle
from symparams.export.exam.mistakes import MISTAKES, simulate
from symparams.export.exam.template import BUILTIN, fill
from symparams.export.exam.variants import MAC_MISTAKES, variant_from_seed, variant_from_values

WRITERS = {"markdown": markdown.write, "latex": latex.write, "moodle": moodle.write,
           "json": jsonout.write}


def mnist_total(c1: int, k1: int, c2: int, c3: int, h: int) -> int:
    """The MNIST template's total by plain arithmetic (no symparams)."""
    size = 28 - k1 + 1
    size //= 2
    size = size - 3 + 1
    size //= 2
    size = size - 3 + 1
    flat = size * size * c3
    return ((k1 * k1 * 1 + 1) * c1 + (3 * 3 * c1 + 1) * c2 + (3 * 3 * c2 + 1) * c3
            + (flat + 1) * h + (h + 1) * 10)


# -- templates ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_builtin_templates_load_and_generate(name):
    exam = generate(builtin(name), count=3, seed=1)
    assert len(exam.variants) == 3
    assert all(v.items for v in exam.variants)


def test_the_seed_style_mnist_cnn_gives_4058():
    t = builtin("mnist_cnn")
    t = from_dict({"name": "m", "network": t.network,
                   "draw": {"c1": [4], "k1": [5], "c2": [8], "c3": [16], "h": [16]},
                   "question": [{"type": "total"}, {"type": "params", "layer": 1}]})
    v = variant_from_values(t, {"c1": 4, "k1": 5, "c2": 8, "c3": 16, "h": 16})
    assert v.spec == "I(28x28x1)-C(4,5)-P(2)-C(8,3)-P(2)-C(16,3)-F-H(16)-O(10)"
    assert v.items[0].answer == 104 + 296 + 1168 + (3 * 3 * 16 + 1) * 16 + (16 + 1) * 10 == 4058
    assert v.items[1].answer == (5 * 5 * 1 + 1) * 4 == 104
    text = " ".join(s.text for line in v.items[1].solution for s in line)
    assert r"(5 \times 5 \times 1 + 1) \times 4 = 104" in text


def test_mnist_answers_equal_plain_arithmetic():
    exam = generate(builtin("mnist_cnn"), count=20, seed=3)
    for v in exam.variants:
        total = next(i for i in v.items if i.type == "total")
        assert total.answer == mnist_total(**v.values), v.values


def test_fill_replaces_values_not_keywords_or_letters():
    assert fill("I(n x n x 1)-C(p,3,p=p)", {"p": 2, "n": 9}) == "I(9 x 9 x 1)-C(2,3,p=2)"
    assert fill("I(28x28x1)-C(C,3)", {"C": 4}) == "I(28x28x1)-C(4,3)"
    assert fill("I(8x8x1)-C(4,3,p=p1)", {"p1": "same"}) == "I(8x8x1)-C(4,3,p=same)"


@pytest.mark.parametrize("data, message", [
    ({"network": "I(n)-O(2)", "draw": {"n": [1.5]}}, "integers"),
    ({"network": "I(n)-O(2)", "draw": {"n": [-1]}}, "not a size"),
    ({"network": "I(n)-O(2)", "draw": {"n": ["full"]}}, "padding"),
    ({"network": "I(n)-O(2)", "draw": {"n": {"from": 3}}}, "range"),
    ({"network": "I(n)-O(2)", "draw": {"n": {"from": 1, "to": 10 ** 6}}}, "more than"),
    ({"network": "I(n)-O(2)", "draw": {"m": [1]}}, "no symbol"),
    ({"network": "I(n)-O(2)", "draw": {"n": [1, 1]}}, "twice"),
    ({"network": "I(n)-O(2)", "question": [{"type": "guess"}]}, "type must be"),
    ({"network": "I(n)-O(2)", "question": [{"type": "params"}]}, "needs a layer"),
    ({"network": "I(n)-O(2)", "colour": 1}, "unknown key"),
    ({"network": "I(n)-O(2", "draw": {"n": [1]}}, "unbalanced"),
    ({"draw": {"n": [1]}}, "required"),
])
def test_bad_templates_are_clear_errors(data, message):
    with pytest.raises(SpecError, match=message):
        from_dict(data)


def test_user_template_file_through_the_cli(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text('name = "mine"\nnetwork = "I(n)-H(h)-O(2)"\n[draw]\nn = [4, 8]\n'
                    'h = { from = 2, to = 6, step = 2 }\n[[question]]\ntype = "total"\n')
    assert main(["exam", str(path), "--count", "3", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    for entry in data["variants"]:
        assert entry["answer"] == symparams.parse(entry["spec"]).derive().evaluate()


def test_a_template_file_that_is_not_regular_is_refused(tmp_path, capsys):
    assert main(["exam", str(tmp_path) + "/"]) == 2
    assert "folder" in capsys.readouterr().err


# -- drawing: valid, distinct, reproducible ---------------------------------------------
def test_same_seed_same_bytes_in_every_format():
    for name in BUILTIN:
        a, b = generate(builtin(name), count=4, seed=11), generate(builtin(name), count=4, seed=11)
        for write in WRITERS.values():
            assert write(a) == write(b)
    c = generate(builtin("mnist_cnn"), count=4, seed=12)
    assert markdown.write(c) != markdown.write(generate(builtin("mnist_cnn"), count=4, seed=11))


def test_a_variant_is_remade_from_its_recorded_seed():
    t = builtin("cnn_same")
    for v in generate(t, count=5, seed=2).variants:
        again = variant_from_seed(t, v.seed)
        assert again.values == v.values and again.spec == v.spec
        assert [i.answer for i in again.items] == [i.answer for i in v.items]


def test_duplicates_are_redrawn_and_reported():
    t = from_dict({"network": "I(n)-O(2)", "draw": {"n": [3, 4]}})
    exam = generate(t, count=2, seed=0)
    assert sorted(v.values["n"] for v in exam.variants) == [3, 4]
    assert all(d["n"] in (3, 4) for d in exam.report.duplicates)
    exam = generate(from_dict({"network": "I(n)-O(2)", "draw": {"n": [3, 4, 5]}}), count=3, seed=5)
    assert "duplicates redrawn" in exam.report.lines()[0]
    with pytest.raises(SpecError, match="only 2 distinct valid variants"):
        generate(t, count=3, seed=0)


def test_invalid_draws_are_never_used_and_are_reported():
    t = from_dict({"network": "I(n x n x 1)-C(4,k)-P(2)-F-O(2)",
                   "draw": {"n": [6, 8], "k": [3, 7, 9]}})
    exam = generate(t, count=3, seed=4)
    for v in exam.variants:
        assert v.values["k"] < v.values["n"]
        assert v.derivation.valid({})
    stress = __import__("symparams.export.exam.variants", fromlist=["stress"]).stress(t, 200, 1)
    assert stress.invalid and all(vals["k"] >= vals["n"] - 1 for vals, _ in stress.invalid)


def test_exact_templates_draw_only_exact_divisions():
    t = from_dict({"network": "I(n x n x 1)-C(4,3,s=2)-F-O(2)", "exact": True,
                   "draw": {"n": list(range(5, 30))}})
    exam = generate(t, count=8, seed=0)
    for v in exam.variants:
        assert (v.values["n"] - 3) % 2 == 0
    assert exam.report.invalid


# -- distractors ------------------------------------------------------------------------
def test_distractors_are_labelled_distinct_and_never_the_answer():
    labels = set(MISTAKES.values()) | set(MAC_MISTAKES.values()) | \
        {"the network with more parameters"}
    for name in BUILTIN:
        for v in generate(builtin(name), count=6, seed=9).variants:
            for item in v.items:
                answers = [item.answer] + [x.answer for x in item.distractors]
                assert len(answers) == len(set(map(str, answers)))
                assert all(x.mistake in labels for x in item.distractors)


def test_each_mistake_gives_its_wrong_answer():
    t = from_dict({"network": "I(n x n x 3)-C(8,3,s=2,p=p1)-F-O(2)",
                   "draw": {"n": [10], "p1": [1, "same"]},
                   "question": [{"type": "params", "layer": 1, "choice": True},
                                {"type": "shape", "layer": 1, "choice": True}]})
    v = variant_from_values(t, {"n": 10, "p1": 1})
    params, shape = v.items
    assert params.answer == (3 * 3 * 3 + 1) * 8
    wrong = {x.mistake: x.answer for x in params.distractors}
    assert wrong == {"forgetting the bias": 3 * 3 * 3 * 8, "forgetting the input channels": (9 + 1) * 8}
    assert shape.answer == ((10 + 2 - 3) // 2 + 1,) * 2 + (8,) == (5, 5, 8)
    wrong = {x.mistake: x.answer for x in shape.distractors}
    assert wrong["floor taken as ceil (or ceil as floor)"] == (6, 6, 8)  # ceil(9/2) + 1
    assert wrong["stride ignored"] == (10, 10, 8)  # (10 + 2 - 3) + 1
    # (10 + 1 - 3)//2 + 1 = 5 is the answer: that distractor is dropped and said so
    assert "padding counted once instead of twice" not in wrong
    assert "padding counted once instead of twice" in shape.dropped
    t11 = from_dict({"network": "I(n x n x 3)-C(8,3,s=2,p=1)-F-O(2)", "draw": {"n": [11]},
                     "question": [{"type": "shape", "layer": 1, "choice": True}]})
    item = variant_from_values(t11, {"n": 11}).items[0]
    assert item.answer == (6, 6, 8)  # (11 + 2 - 3)//2 + 1
    assert {x.mistake: x.answer for x in item.distractors}[
        "padding counted once instead of twice"] == (5, 5, 8)  # (11 + 1 - 3)//2 + 1
    v = variant_from_values(t, {"n": 10, "p1": "same"})
    wrong = {x.mistake: x.answer for x in v.items[1].distractors}
    assert v.items[1].answer == (5, 5, 8)
    assert wrong["'same' padding taken as 'valid'"] == (4, 4, 8)  # (10 - 3)//2 + 1


def test_the_mistake_simulator_agrees_with_the_engine_when_no_mistake_is_made():
    for name in BUILTIN:
        for v in generate(builtin(name), count=5, seed=0).variants:
            sim = simulate(v.derivation, None)
            assert sim is not None
            assert [r.params for r in sim.rows] == [int(r.params) for r in v.derivation.rows]


# -- worked solutions -------------------------------------------------------------------
def test_a_letter_means_one_thing_within_a_solution():
    for v in generate(builtin("mnist_cnn"), count=3, seed=0).variants:
        total = next(i for i in v.items if i.type == "total")
        text = markdown.write.__globals__["render"].plain(
            [s for line in total.solution for s in line])
        assert r"(k \times k \times l + 1) \times f" in text
        assert r"n \times m" not in text and r"\times k$" not in text
        assert r"(n_{\text{in}} + 1) \times n_{\text{out}}" in text
        # k is the kernel in the size steps too
        assert "kernel $k$" in text


def test_numbers_are_substituted_before_evaluation():
    v = generate(builtin("cnn_same"), count=1, seed=0).variants[0]
    lines = [jsonout.render.plain(line) for line in v.items[0].solution]
    assert any("=" in line and r"\times" in line or r"\lfloor" in line or r"\lceil" in line
               for line in lines)


# -- writers ---------------------------------------------------------------------------
HOSTILE = ("Evil </text>]]><script>alert(1)</script> {1:NUMERICAL:=5:0} $x$ \\input{/etc/passwd} "
           "# % & _ ^ ~ | *bold* [link](http://x)\n<!--")


def hostile_exam():
    t = from_dict({"name": HOSTILE, "title": HOSTILE, "network": "I(n x n x 1)-C(4,3,name=evil_name_x)-F-O(2)",
                   "draw": {"n": [5, 6]},
                   "question": [{"type": "total", "choice": True}, {"type": "shape", "layer": 1}]})
    return generate(t, count=2, seed=0)


def test_hostile_template_text_is_escaped_in_every_format():
    exam = hostile_exam()
    md = markdown.write(exam)
    assert "<script>" not in md and "\\input" not in md.replace("\\\\input", "")
    tex = latex.write(exam, answers=True)
    assert "\\input{/etc" not in tex and "\\textbackslash{}input\\{/etc/passwd\\}" in tex
    xml = moodle.write(exam)
    found = moodle.validate(xml)  # the title's fake blank does not count as one
    assert {f["type"] for f in found} == {"multichoice", "cloze"}
    root = ET.fromstring(xml)
    names = [q.findtext("name/text") for q in root.findall("question") if q.get("type") != "category"]
    assert all(n.startswith("Evil </text>]]><script>") for n in names)
    for q in root.findall("question[@type='cloze']"):
        assert "{1:NUMERICAL:=5:0}" not in q.findtext("questiontext/text")
    data = json.loads(jsonout.write(exam))
    assert data["title"] == HOSTILE


def test_latex_has_versions_points_solutions_and_the_answers_option():
    exam = generate(builtin("mnist_cnn"), count=3, seed=7)
    tex = latex.write(exam, answers=True)
    assert tex.startswith(r"\documentclass[answers,11pt]{exam}")
    assert "Version A" in tex and "Version B" in tex and "Version C" in tex
    assert r"\question[2]" in tex and r"\begin{solution}" in tex and r"\CorrectChoice" in tex
    assert r"\toprule" in tex
    assert not latex.write(exam).startswith(r"\documentclass[answers")


def test_json_lists_seed_spec_question_answer_solution():
    data = json.loads(jsonout.write(generate(builtin("cnn_same"), count=2, seed=7)))
    for entry in data["variants"]:
        assert {"seed", "spec", "question", "answer", "solution", "values"} <= set(entry)
        assert isinstance(entry["answer"], (int, list))


# -- CLI -------------------------------------------------------------------------------
def test_cli_list_and_formats(tmp_path, capsys):
    assert main(["exam", "--list"]) == 0
    out = capsys.readouterr().out
    assert all(name in out for name in BUILTIN)
    for fmt in ("markdown", "latex", "moodle", "json"):
        target = tmp_path / f"exam.{fmt}"
        assert main(["exam", "mnist_cnn", "--count", "2", "--seed", "7", "--format", fmt,
                     "-o", str(target)]) == 0
        assert target.read_text(encoding="utf-8")
    first = (tmp_path / "exam.json").read_bytes()
    assert main(["exam", "mnist_cnn", "--count", "2", "--seed", "7", "--format", "json",
                 "-o", str(tmp_path / "again.json")]) == 0
    assert (tmp_path / "again.json").read_bytes() == first


def test_cli_reports_collided_values_on_stderr(tmp_path, capsys):
    path = tmp_path / "t.toml"
    path.write_text('network = "I(n x n x 1)-C(2,k)-F-O(2)"\n[draw]\nn = [4, 5]\nk = [3, 9]\n')
    assert main(["exam", str(path), "--count", "2", "--format", "json"]) == 0
    err = capsys.readouterr().err
    assert "duplicate n=" in err and "invalid n=" in err and "k=9" in err
    assert main(["exam", str(path), "--count", "3", "--format", "json"]) == 2
    assert "most invalid draws" in capsys.readouterr().err


def test_cli_errors(capsys):
    assert main(["exam", "no_such_template"]) == 2
    assert "built-in" in capsys.readouterr().err
    assert main(["exam", "dense", "--answers"]) == 2
    assert main(["exam", "dense", "--count", "0"]) == 2


def test_cli_stress_reports_invalid_draws_ranges_and_repeats(capsys):
    assert main(["exam", "cnn_same", "--stress", "--count", "60", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert "60 draws" in out and "invalid" in out and "range" in out and "most common" in out


def test_same_bytes_across_processes_with_different_hash_seeds(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    outs = []
    for hash_seed in ("1", "2"):
        target = tmp_path / f"out{hash_seed}.xml"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed, "PYTHONPATH": str(root)}
        subprocess.run([sys.executable, "-m", "symparams.cli", "exam", "cnn_same", "--count", "3",
                        "--seed", "5", "--format", "moodle", "-o", str(target)],
                       check=True, env=env, cwd=tmp_path, timeout=120)
        outs.append(target.read_bytes())
    assert outs[0] == outs[1]


def test_a_macs_question_with_the_classic_slips_as_distractors():
    t = from_dict({"name": "m", "network": "I(28x28x3)-C(c1,5)-P(2)-H(h)-O(10)",
                   "draw": {"c1": [4], "h": [32]},
                   "question": [{"type": "macs", "layer": 1, "choice": True},
                                {"type": "macs", "layer": "dense1"}]})
    v = variant_from_values(t, {"c1": 4, "h": 32})
    conv, dense = v.items
    assert conv.answer == 24 * 24 * 4 * (5 * 5 * 3) == 172800  # output elements x kernel
    wrong = {d.mistake: d.answer for d in conv.distractors}
    assert wrong == {"counted FLOPs, two per multiply–accumulate": 2 * 172800,
                     "counted the bias additions as multiply–accumulates": 172800 + 24 * 24 * 4,
                     "used the input's size instead of the output's":
                         28 * 28 * 4 * 75,
                     "forgot the input channels": 24 * 24 * 4 * 25}
    assert sorted(a for a, _ in conv.options) == sorted([172800, *wrong.values()])
    text = " ".join(s.text for line in conv.solution for s in line)
    assert r"24 \times 24 \times 4 \times (5 \times 5 \times 3) = 172800" in text
    assert dense.answer == (12 * 12 * 4) * 32  # one MAC per weight, the bias is no MAC
    with pytest.raises(SpecError, match="macs question needs a layer with"):
        variant_from_values(from_dict({"name": "m", "network": "I(8x8x1)-P(2)-H(h)",
                                       "draw": {"h": [2]},
                                       "question": [{"type": "macs", "layer": 1}]}), {"h": 2})
    # grouped: each output element takes 3 × 3 × (8 / 4) inputs; forgetting the channels
    # of its group divides by 2, not by all 8
    g = variant_from_values(from_dict({"name": "m", "network": "I(8x8x8)-C(c,3,g=4)-F-O(10)",
                                       "draw": {"c": [8]},
                                       "question": [{"type": "macs", "layer": 1}]}), {"c": 8})
    (item,) = g.items
    assert item.answer == 6 * 6 * 8 * (3 * 3 * 2) == 5184
    assert {d.mistake: d.answer for d in item.distractors}[
        "forgot the input channels"] == 6 * 6 * 8 * 3 * 3 == 2592
    # depthwise: one channel per group, no such slip; attention: no convolution's slips
    dw = variant_from_values(from_dict({"name": "m", "network": "I(8x8x8)-C(8,3,g=c)-F-O(10)",
                                        "draw": {"c": [8]},
                                        "question": [{"type": "macs", "layer": 1}]}), {"c": 8})
    assert "forgot the input channels" not in {d.mistake for d in dw.items[0].distractors}
    att = variant_from_values(from_dict({"name": "m", "network": "I(T, sequence=true)-E(100,16)"
                                         "-MHA(h)", "draw": {"T": [8], "h": [2]},
                                         "question": [{"type": "macs", "layer": 2}]}),
                              {"T": 8, "h": 2})
    assert {d.mistake for d in att.items[0].distractors} == {
        "counted FLOPs, two per multiply–accumulate"}
    with pytest.raises(SpecError, match="asked of one layer, not of a block or repeat"):
        variant_from_values(from_dict({"name": "m", "network": "I(8x8x4)-(C(c,3,p=1))x2-F-O(3)",
                                       "draw": {"c": [4]},
                                       "question": [{"type": "macs", "layer": 1}]}), {"c": 4})
    with pytest.raises(SpecError, match=r"question 1 \(macs\) needs a layer"):
        from_dict({"name": "m", "network": "I(8)-H(h)", "draw": {"h": [2]},
                   "question": [{"type": "macs"}]})
