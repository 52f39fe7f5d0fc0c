"""``symparams exam``: seeded exam variants from a template (built-in or TOML)."""

from __future__ import annotations

import argparse
from typing import Any

FORMATS = ("markdown", "latex", "moodle", "json")


def add_command(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "exam", help="seeded exam questions with worked solutions (Markdown, LaTeX, Moodle, JSON)",
        description="Draw --count distinct valid variants of an exam template (a built-in name "
        "or a .toml file; see --list and docs/exams.md), answer every question with the "
        "engine, and write them with worked solutions and distractors from the classic "
        "mistakes. The same --seed gives the same bytes.")
    p.add_argument("template", metavar="TEMPLATE", nargs="?",
                   help="a built-in template name or a .toml template file")
    p.add_argument("--list", action="store_true", help="list the built-in templates")
    p.add_argument("--count", type=int, default=None,
                   help="number of variants (default 10; 1000 with --stress)")
    p.add_argument("--seed", type=int, default=0, help="the seed (default 0)")
    p.add_argument("--format", choices=FORMATS, default="markdown",
                   help="output format (default: markdown)")
    p.add_argument("--answers", action="store_true",
                   help="latex: print the answer key (the exam class's answers option)")
    p.add_argument("--stress", action="store_true",
                   help="draw --count times and report invalid draws, answer ranges and "
                   "repeated answers instead of writing the exam")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="write to FILE instead of stdout (replaced only once everything succeeded)")
    p.set_defaults(run=run, _parser=p)


def run(args: argparse.Namespace) -> str:
    from symparams.core.errors import SpecError
    from symparams.export.exam import variants as gen
    from symparams.export.exam.template import BUILTIN, builtin, resolve

    if args.list:
        lines = ["Built-in exam templates:"]
        for name in BUILTIN:
            t = builtin(name)
            lines.append(f"  {name:<10} {t.title}: {t.network}")
            lines.append(f"  {'':<10} questions: {', '.join(q.type for q in t.questions)}")
        return "\n".join(lines) + "\n"
    if not args.template:
        args._parser.error("give a TEMPLATE (or --list)")
    if args.output:
        from symparams.cli import check_not_input

        check_not_input(args.template, args.output)
    template = resolve(args.template)
    if args.stress:
        result = gen.stress(template, 1000 if args.count is None else args.count, args.seed)
        return "\n".join(result.lines(template)) + "\n"
    if args.answers and args.format != "latex":
        raise SpecError("--answers is for --format latex (the other formats always hold the answers)")
    exam = gen.generate(template, 10 if args.count is None else args.count, args.seed)
    if exam.report.invalid or exam.report.duplicates:  # which values collided, on stderr
        import sys

        print("symparams exam: " + "\n".join(exam.report.lines()), file=sys.stderr)
    if args.format == "markdown":
        from symparams.export.exam.markdown import write

        return write(exam)
    if args.format == "latex":
        from symparams.export.exam.latex import write as write_latex

        return write_latex(exam, answers=args.answers)
    if args.format == "moodle":
        from symparams.export.exam.moodle import validate, write as write_moodle

        text = write_moodle(exam)
        validate(text)  # never write a file Moodle's importer would misread
        return text
    from symparams.export.exam.jsonout import write as write_json

    return write_json(exam)
