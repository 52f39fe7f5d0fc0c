"""An exam as Markdown: per variant the network as a table, the questions, the answers
(multiple choice options marked with their mistakes) and the worked solutions."""

from __future__ import annotations

from symparams.export.exam import render
from symparams.export.exam.variants import Exam, network_rows


def _cell(text: str) -> str:
    from symparams.export.markdown import md_escape

    return md_escape(text).replace("|", r"\|")


def write(exam: Exam) -> str:
    from symparams.export.markdown import md_escape

    t = exam.template
    out = [f"# {md_escape(t.title)}", "",
           f"Template {md_escape(t.name)}, seed {exam.seed}, {len(exam.variants)} variants.", ""]
    for v in exam.variants:
        out += [f"## Version {v.label} (seed {v.seed})", "",
                "Values: " + md_escape(", ".join(f"{k} = {val}" for k, val in v.values.items())),
                "", "| # | layer | notation |", "|---|---|---|"]
        out += [f"| {i} | {_cell(name)} | {_cell(spec)} |" for i, name, spec in
                network_rows(v.derivation)]
        out.append("")
        for item in v.items:
            pts = "point" if item.points == 1 else "points"
            out += [f"### Question {item.number} ({item.points} {pts})", "",
                    render.markdown(item.question), ""]
            if item.choice and item.options:
                for letter, (value, _) in zip("abcdefghij", item.options):
                    out.append(f"- ({letter}) {render.markdown(render.answer_segs(value))}")
                out.append("")
            if item.blanks:
                out += ["**Answer:**", "", "| layer | output shape | parameters |", "|---|---|---|"]
                for row in v.derivation.rows:
                    dims = " × ".join(str(int(x)) for x in row.output_shape.dims())
                    out.append(f"| {_cell(row.name)} | {dims} | {int(row.params)} |")
                out.append("")
            if not item.blanks:
                out += ["**Answer:** " + render.markdown(item.answer_text), ""]
            if item.choice and item.distractors:
                out.append("Distractors: " + "; ".join(
                    f"{render.markdown(render.answer_segs(x.answer))} ({md_escape(x.mistake)})"
                    for x in item.distractors))
                out.append("")
            out.append("**Worked solution:**")
            out.append("")
            out += [f"{i}. {render.markdown(line)}" for i, line in enumerate(item.solution, 1)]
            out.append("")
    return "\n".join(out).rstrip() + "\n"
