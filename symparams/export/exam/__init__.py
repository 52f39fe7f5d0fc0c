"""Exam authoring: seeded question variants over a network template, answered by the
engine, with worked solutions and distractors from the classic mistakes, written as
Markdown, a LaTeX ``exam`` sheet, Moodle XML or JSON.  See docs/exams.md."""

from symparams.export.exam.variants import Exam, generate
from symparams.export.exam.template import BUILTIN, Template, builtin, from_dict, load, resolve

__all__ = ["BUILTIN", "Exam", "Template", "builtin", "from_dict", "generate", "load", "resolve"]
