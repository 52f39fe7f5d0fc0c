"""An exam as a LaTeX document of the ``exam`` class: one version (A, B, C …) per
variant, each with its network as a booktabs table, ``\\question[points]``, choices
(``\\CorrectChoice`` for the answer), and a ``solution`` environment with the worked
solution.  ``answers=True`` sets the class's ``answers`` option: the same file prints
the answer key."""

from __future__ import annotations

from symparams.export.exam import render
from symparams.export.exam.variants import Exam, network_rows

PREAMBLE = r"""\usepackage[utf8]{inputenc}
\usepackage[margin=2cm]{geometry}
\usepackage{amsmath}
\usepackage{booktabs}
\usepackage{array}
\pagestyle{headandfoot}
\footer{}{Page \thepage\ of \numpages}{}
\renewcommand{\solutiontitle}{\noindent\textbf{Solution:}\par\noindent}
"""


def write(exam: Exam, *, answers: bool = False) -> str:
    from symparams.export.latex import tex_escape

    t = exam.template
    out = [r"\documentclass[" + ("answers," if answers else "") + "11pt]{exam}", PREAMBLE.rstrip(),
           r"\firstpageheader{" + tex_escape(t.title) + r"}{}{seed " + str(exam.seed) + "}",
           r"\runningheader{" + tex_escape(t.title) + r"}{}{seed " + str(exam.seed) + "}",
           r"\begin{document}"]
    for i, v in enumerate(exam.variants):
        if i:
            out.append(r"\newpage")
        out += [r"\begin{center}", r"{\Large\bfseries " + tex_escape(t.title) + r" --- Version "
                + v.label + r"}\\[2pt]",
                r"{\small seed " + str(v.seed) + ": " +
                tex_escape(", ".join(f"{k} = {val}" for k, val in v.values.items())) + "}",
                r"\end{center}", "",
                r"\begin{center}", r"\begin{tabular}{rl>{\raggedright\arraybackslash}p{7cm}}",
                r"\toprule", r"\# & layer & notation \\", r"\midrule"]
        out += [f"{n} & {tex_escape(name)} & {tex_escape(spec)} \\\\" for n, name, spec in
                network_rows(v.derivation)]
        out += [r"\bottomrule", r"\end{tabular}", r"\end{center}", "", r"\begin{questions}"]
        for item in v.items:
            out.append(rf"\question[{item.points}] " + render.latex(item.question))
            if item.choice and item.options:
                out.append(r"\begin{choices}")
                for value, mistake in item.options:
                    cmd = r"\CorrectChoice" if mistake is None else r"\choice"
                    out.append(f"  {cmd} " + render.latex(render.answer_segs(value)))
                out.append(r"\end{choices}")
            if item.blanks:
                out += [r"\begin{center}", r"\begin{tabular}{lll}", r"\toprule",
                        r"layer & output shape & parameters \\", r"\midrule"]
                for row in v.derivation.rows:
                    out.append(tex_escape(row.name) + r" & \rule{3cm}{0.4pt} & \rule{2cm}{0.4pt} \\")
                out += [r"\bottomrule", r"\end{tabular}", r"\end{center}"]
            out.append(r"\begin{solution}")
            if item.blanks:
                out += [r"\begin{tabular}{lll}", r"\toprule",
                        r"layer & output shape & parameters \\", r"\midrule"]
                for row in v.derivation.rows:
                    dims = r" \times ".join(str(int(x)) for x in row.output_shape.dims())
                    out.append(f"{tex_escape(row.name)} & ${dims}$ & {int(row.params)} \\\\")
                out += [r"\bottomrule", r"\end{tabular}\par"]
            else:
                out.append(r"\textbf{Answer:} " + render.latex(item.answer_text) + r"\par")
            if item.choice and item.distractors:
                out.append(r"Distractors: " + "; ".join(
                    render.latex(render.answer_segs(x.answer)) + " (" + tex_escape(x.mistake) + ")"
                    for x in item.distractors) + r"\par")
            out.append(r"\begin{enumerate}")
            out += [r"  \item " + render.latex(line) for line in item.solution]
            out += [r"\end{enumerate}", r"\end{solution}"]
        out.append(r"\end{questions}")
    out.append(r"\end{document}")
    return "\n".join(out) + "\n"
