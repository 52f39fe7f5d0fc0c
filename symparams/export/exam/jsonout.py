"""An exam as JSON: one entry per question of each variant, with the variant's seed,
values and ``spec`` (the compact notation with the numbers filled in, which
``symparams.parse`` reads back), the question, the ``answer`` (an int, or a list for a
shape or a table), the distractors with their mistakes and the worked solution
(text with ``$…$`` maths)."""

from __future__ import annotations

import json
from typing import Any

from symparams.export.exam import render
from symparams.export.exam.variants import Exam


def _answer(value: Any) -> Any:
    return list(value) if isinstance(value, (tuple, list)) else value


def data(exam: Exam) -> dict[str, Any]:
    t = exam.template
    items = []
    for v in exam.variants:
        for item in v.items:
            entry = {"version": v.label, "seed": v.seed, "values": v.values, "spec": v.spec,
                     "number": item.number, "type": item.type, "points": item.points,
                     "question": render.plain(item.question), "answer": _answer(item.answer),
                     "distractors": [{"mistake": x.mistake, "answer": _answer(x.answer)}
                                     for x in item.distractors],
                     "solution": [render.plain(line) for line in item.solution]}
            if item.other_spec is not None:
                entry["other_spec"] = item.other_spec
            if item.blanks:
                entry["blanks"] = [{"layer": b.row, "what": b.label, "answer": b.value}
                                   for b in item.blanks]
            items.append(entry)
    return {"template": t.name, "title": t.title, "network": t.network, "seed": exam.seed,
            "report": {"draws": exam.report.draws, "invalid": len(exam.report.invalid),
                       "duplicates": [d for d in exam.report.duplicates]},
            "variants": items}


def write(exam: Exam) -> str:
    return json.dumps(data(exam), indent=2, ensure_ascii=False) + "\n"
