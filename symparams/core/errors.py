"""Error hierarchy: one base class, each subclass also a matching built-in."""

from __future__ import annotations


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
        line = self.text.replace("\n", " ")
        return f"{self.message} at position {self.position + 1}\n  {line}\n  {' ' * self.position}^"


class ShapeError(SymparamsError, ValueError):
    """A layer is impossible for its input (kernel larger than input, groups that do not divide)."""


class MissingValueError(SymparamsError, ValueError):
    """A number was asked for while symbols were still unset."""


class NotSupportedError(SymparamsError, NotImplementedError):
    """The request is understood but symparams does not support it."""
