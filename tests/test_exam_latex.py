"""The LaTeX exam sheets compile with a real pdflatex (the exam class is in Debian's
texlive-latex-extra).  Skipped without pdflatex, a failure under ``CI=true``."""

from __future__ import annotations

import pytest

from symparams.export.exam import builtin, generate
from symparams.export.exam.latex import write
from symparams.export.exam.template import BUILTIN
from tests.test_exam import hostile_exam
from tests.test_pdflatex import compile_ok


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_exam_sheets_compile_with_and_without_the_key(name, tmp_path):
    exam = generate(builtin(name), count=3, seed=7)
    compile_ok(write(exam, answers=True), tmp_path)
    (tmp_path / "plain").mkdir()
    compile_ok(write(exam), tmp_path / "plain")


def test_hostile_names_compile(tmp_path):
    compile_ok(write(hostile_exam(), answers=True), tmp_path)
