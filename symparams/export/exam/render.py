"""Runs of text and maths (:class:`~symparams.export.exam.variants.Seg`) in each
format, the plain text escaped for that format."""

from __future__ import annotations

import html
from typing import Any, Iterable

from symparams.core.errors import printable


def markdown(segs: Iterable[Any]) -> str:
    from symparams.export.markdown import md_escape

    return "".join(f"${s.text}$" if s.math else md_escape(s.text) for s in segs)


def latex(segs: Iterable[Any]) -> str:
    from symparams.export.latex import tex_escape

    return "".join(f"${s.text}$" if s.math else tex_escape(s.text) for s in segs)


def html_text(text: str, cloze: bool = False) -> str:
    """Plain text as HTML; in a cloze question braces become entities so that no user
    text reads as a blank (``{1:NUMERICAL:=5}``)."""
    out = html.escape(printable(text), quote=True)
    if cloze:
        out = out.replace("{", "&#123;").replace("}", "&#125;")
    return out


def html_segs(segs: Iterable[Any], cloze: bool = False) -> str:
    return "".join(rf"\({html.escape(s.text, quote=False)}\)" if s.math else html_text(s.text, cloze)
                   for s in segs)


def plain(segs: Iterable[Any]) -> str:
    """For JSON: text as it is, maths between ``$``."""
    return "".join(f"${s.text}$" if s.math else s.text for s in segs)


def answer_segs(answer: Any) -> list[Any]:
    from symparams.export.exam.variants import M, shape_tex

    if isinstance(answer, tuple):
        return [M(shape_tex(answer))]
    return [M(str(answer))]
