"""An exam as Moodle XML: one category per template (a subcategory per question, so
that a quiz's "random question" draws one variant of it), numerical questions with
tolerance 0, cloze (multianswer) questions for shapes and whole tables
(``{1:NUMERICAL:=104:0}``), and multichoice questions whose wrong answers are the
distractors, each with its mistake as feedback.

The tree is built with :mod:`xml.etree.ElementTree`; text elements that hold HTML are
written as CDATA sections (a ``]]>`` in them split across two sections) by
:func:`serialize`, which escapes every other text and attribute.  Maths is inline
``\\( … \\)`` for Moodle's MathJax filter.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from symparams.export.exam import render
from symparams.export.exam.variants import Exam, Item, Variant, network_rows

CDATA = "cdata"
"""An attribute set on a ``<text>`` element while building: write its text as CDATA
(removed when serialized)."""
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
TYPES = {"shape": "shape after a layer", "flatten": "flattened units",
         "params": "parameters of a layer", "total": "total parameters",
         "largest": "layer with the most parameters", "compare": "fewer parameters",
         "input_size": "input size for a shape", "table": "shape and parameter table",
         "macs": "multiply–accumulates of a layer"}


def _text(parent: ET.Element, tag: str, value: str, html: bool = False, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    t = ET.SubElement(el, "text")
    t.text = value
    if html:
        t.set(CDATA, "1")
    return el


def _category_path(title: str, *parts: str) -> str:
    # Moodle splits category paths on "/" and reads "//" as a literal slash
    return "/".join(["$course$", "top", "symparams", *(p.replace("/", "//") for p in (title, *parts))])


def _network_html(v: Variant, cloze: bool) -> str:
    rows = "".join(f"<tr><td>{n}</td><td>{render.html_text(name, cloze)}</td>"
                   f"<td><code>{render.html_text(spec, cloze)}</code></td></tr>"
                   for n, name, spec in network_rows(v.derivation))
    return ("<table border=\"1\"><thead><tr><th>#</th><th>layer</th><th>notation</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>")


def _solution_html(item: Item) -> str:
    lines = "".join(f"<li>{render.html_segs(line)}</li>" for line in item.solution)
    return f"<p><strong>Worked solution</strong></p><ol>{lines}</ol>"


def numerical(value: int) -> str:
    """A cloze blank worth 1: ``{1:NUMERICAL:=104:0}``."""
    return f"{{1:NUMERICAL:={int(value)}:0}}"


def _question(quiz: ET.Element, exam: Exam, v: Variant, item: Item) -> None:
    t = exam.template
    name = f"{t.title} Q{item.number} {TYPES[item.type]} {v.label} (seed {v.seed})"
    cloze = item.blanks or isinstance(item.answer, tuple)
    kind = "multichoice" if item.choice and len(item.options) > 1 else (
        "cloze" if cloze else "numerical")
    q = ET.SubElement(quiz, "question", {"type": kind})
    _text(q, "name", name)
    body = _network_html(v, kind == "cloze") + "<p>" + render.html_segs(item.question,
                                                                      kind == "cloze") + "</p>"
    if kind == "cloze":
        if item.blanks:
            rows = []
            for row in v.derivation.rows:
                blanks = [b for b in item.blanks if b.row == row.index]
                shape = " × ".join(numerical(b.value) for b in blanks if b.label != "parameters")
                params = "".join(numerical(b.value) for b in blanks if b.label == "parameters")
                rows.append(f"<tr><td>{render.html_text(row.name, True)}</td><td>{shape}</td>"
                            f"<td>{params}</td></tr>")
            body += ("<table border=\"1\"><thead><tr><th>layer</th><th>output shape</th>"
                     f"<th>parameters</th></tr></thead><tbody>{''.join(rows)}</tbody></table>")
        else:
            body += "<p>" + " × ".join(numerical(x) for x in item.answer) + "</p>"
    _text(q, "questiontext", body, html=True, format="html")
    _text(q, "generalfeedback", _solution_html(item), html=True, format="html")
    ET.SubElement(q, "defaultgrade").text = str(item.points)
    ET.SubElement(q, "penalty").text = "0.3333333"
    ET.SubElement(q, "hidden").text = "0"
    ET.SubElement(q, "idnumber").text = f"{t.name[:40]}-{v.seed}-{item.number}"  # Moodle: <= 100
    if kind == "numerical":
        a = _text(q, "answer", str(int(item.answer)), fraction="100", format="moodle_auto_format")
        ET.SubElement(a, "tolerance").text = "0"
        _text(a, "feedback", "", html=True, format="html")
        for x in item.distractors:
            a = _text(q, "answer", str(int(x.answer)), fraction="0", format="moodle_auto_format")
            ET.SubElement(a, "tolerance").text = "0"
            _text(a, "feedback", render.html_text(x.mistake), html=True, format="html")
    elif kind == "multichoice":
        ET.SubElement(q, "single").text = "true"
        ET.SubElement(q, "shuffleanswers").text = "true"
        ET.SubElement(q, "answernumbering").text = "abc"
        for value, mistake in item.options:
            a = _text(q, "answer", render.html_segs(render.answer_segs(value)), html=True,
                      fraction="100" if mistake is None else "0", format="html")
            _text(a, "feedback", "Correct." if mistake is None else
                  "This is the result of " + render.html_text(mistake) + ".", html=True,
                  format="html")


def build(exam: Exam) -> ET.Element:
    quiz = ET.Element("quiz")
    t = exam.template
    for item0 in (exam.variants[0].items if exam.variants else []):
        cat = ET.SubElement(quiz, "question", {"type": "category"})
        _text(cat, "category", _category_path(t.title, f"Q{item0.number} {TYPES[item0.type]}"))
        _text(cat, "info", render.html_text(f"{t.title}: template {t.name}, seed {exam.seed}"),
              html=True, format="html")
        for v in exam.variants:
            _question(quiz, exam, v, v.items[item0.number - 1])
    return quiz


def serialize(root: ET.Element) -> str:
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']

    def clean(text: str) -> str:
        return _XML_BAD.sub("\ufffd", text)

    def walk(el: ET.Element, depth: int) -> None:
        attrs = "".join(f" {k}={quoteattr(clean(v))}" for k, v in el.attrib.items() if k != CDATA)
        pad = "  " * depth
        children = list(el)
        if children:
            out.append(f"{pad}<{el.tag}{attrs}>\n")
            for c in children:
                walk(c, depth + 1)
            out.append(f"{pad}</{el.tag}>\n")
            return
        text = clean(el.text or "")
        if el.get(CDATA):
            body = "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"
        else:
            body = escape(text)
        out.append(f"{pad}<{el.tag}{attrs}>{body}</{el.tag}>\n")

    walk(root, 0)
    return "".join(out)


def write(exam: Exam) -> str:
    return serialize(build(exam))


# -- validation: the rules Moodle's importer relies on ---------------------------------
CLOZE = re.compile(r"\{(\d*):(NUMERICAL|NM|MULTICHOICE|MC|SHORTANSWER|SA):([^}]*)\}")


def validate(text: str) -> list[dict[str, Any]]:
    """Parse a Moodle XML file back and check it; returns per question its type, name
    and answers (ints or lists of ints), or raises ValueError naming the problem."""
    root = ET.fromstring(text.encode("utf-8"))
    if root.tag != "quiz":
        raise ValueError("the root element is not <quiz>")
    found = []
    for q in root.findall("question"):
        kind = q.get("type")
        if kind == "category":
            if not (q.findtext("category/text") or "").startswith("$course$/"):
                raise ValueError("a category without a $course$ path")
            continue
        name = q.findtext("name/text") or ""
        if not name.strip():
            raise ValueError("a question without a name")
        qtext = q.findtext("questiontext/text") or ""
        if kind == "numerical":
            answers = q.findall("answer")
            best = [a for a in answers if a.get("fraction") == "100"]
            if not best:
                raise ValueError(f"{name}: no answer worth 100")
            for a in answers:
                int(a.findtext("text"))
                if float(a.findtext("tolerance")) != 0:
                    raise ValueError(f"{name}: tolerance is not 0")
            found.append({"type": kind, "name": name, "answer": int(best[0].findtext("text"))})
        elif kind == "cloze":
            blanks = CLOZE.findall(qtext)
            if not blanks or len(re.findall(r"\{\d*:", qtext)) != len(blanks):
                raise ValueError(f"{name}: text that reads as a malformed cloze blank")
            values = []
            for weight, btype, rest in blanks:
                m = re.fullmatch(r"=(-?\d+):0", rest)
                if btype != "NUMERICAL" or not m or weight != "1":
                    raise ValueError(f"{name}: malformed blank {rest!r}")
                values.append(int(m.group(1)))
            found.append({"type": kind, "name": name, "answer": values})
        elif kind == "multichoice":
            answers = q.findall("answer")
            best = [a for a in answers if a.get("fraction") == "100"]
            if len(best) != 1 or len(answers) < 2:
                raise ValueError(f"{name}: needs one answer worth 100 and a wrong one")
            texts = [a.findtext("text") for a in answers]
            if len(set(texts)) != len(texts):
                raise ValueError(f"{name}: two answers are the same")
            found.append({"type": kind, "name": name, "answer": _math_value(best[0].findtext("text"))})
        else:
            raise ValueError(f"unexpected question type {kind!r}")
    return found


def _math_value(html_text: str) -> Any:
    """``\\(24 \\times 24 \\times 8\\)`` as (24, 24, 8), ``\\(104\\)`` as 104."""
    inner = html_text.strip()
    if not (inner.startswith(r"\(") and inner.endswith(r"\)")):
        raise ValueError(f"an answer that is not maths: {inner!r}")
    parts = [int(p) for p in inner[2:-2].split(r"\times")]
    return tuple(parts) if len(parts) > 1 else parts[0]
