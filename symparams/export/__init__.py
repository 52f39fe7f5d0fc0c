"""Output formats of a Derivation.  Each format is one function ``(derivation, **options) -> str``
registered in :data:`FORMATS`; the CLI offers every registered format."""

from __future__ import annotations

from typing import Callable

FORMATS: dict[str, Callable[..., str]] = {}


def register_format(name: str) -> Callable[[Callable[..., str]], Callable[..., str]]:
    def deco(fn: Callable[..., str]) -> Callable[..., str]:
        FORMATS[name] = fn
        return fn

    return deco


BUILTIN = ("text", "latex", "markdown", "worked", "pyfunc", "html", "widgets")


def load_formats() -> None:
    """Import the format modules so that they register themselves."""
    import importlib

    for module in BUILTIN:
        importlib.import_module(f"symparams.export.{module}")


def render(derivation, fmt: str, **options) -> str:
    """Render ``derivation`` in format ``fmt``."""
    load_formats()

    if fmt not in FORMATS:
        from symparams.core.errors import SpecError, quote

        raise SpecError(f"unknown format {quote(fmt)}; formats: {', '.join(sorted(FORMATS))}")
    return FORMATS[fmt](derivation, **options)
