"""Error hierarchy: one base class, each subclass also a matching built-in."""

from __future__ import annotations

MAX_QUOTE = 80
"""At most this many characters of user text appear in one message."""


def printable(text: str) -> str:
    """``text`` with control and other non-printable characters escaped (``\\n``,
    ``\\x1b``), so that no user text can move a terminal's cursor or start a line."""
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in text)


def shorten(text: str, limit: int = MAX_QUOTE) -> str:
    """``text`` made printable and cut to about ``limit`` characters (``…`` marks a cut)."""
    text = printable(str(text))
    return text if len(text) <= limit else text[:limit - 1] + "…"


def quote(text: object, limit: int = MAX_QUOTE) -> str:
    """User text quoted for a message: ``'conv1'``; printable and at most ``limit`` long."""
    return f"'{shorten(str(text), limit)}'"


class SymparamsError(Exception):
    """Base class of every error symparams raises on purpose."""


class SpecError(SymparamsError, ValueError):
    """A network description (notation, spec file, value) cannot be read.

    When the text and a position are known, ``str()`` shows the text with a caret
    under the offending character.
    """

    def __init__(self, message: str, text: str | None = None, position: int | None = None):
        self.message = message
        self.text = text
        self.position = position
        super().__init__(self._render())

    def _render(self) -> str:
        if self.text is None or self.position is None:
            return self.message
        # a window of at most MAX_QUOTE characters around the position, made printable
        start = max(0, min(self.position - MAX_QUOTE // 2, len(self.text) - MAX_QUOTE))
        window = self.text[start:start + MAX_QUOTE]
        before = printable(window[:self.position - start])
        line = ("…" if start else "") + printable(window) + \
            ("…" if start + MAX_QUOTE < len(self.text) else "")
        caret = (1 if start else 0) + len(before)
        return f"{self.message} at position {self.position + 1}\n  {line}\n  {' ' * caret}^"


class ShapeError(SymparamsError, ValueError):
    """A layer is impossible for its input (kernel larger than input, groups that do not divide)."""


class MissingValueError(SymparamsError, ValueError):
    """A number was asked for while symbols were still unset."""


class NotSupportedError(SymparamsError, NotImplementedError):
    """The request is understood but symparams does not support it."""
