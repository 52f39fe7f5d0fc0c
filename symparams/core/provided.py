"""Functions that the packages above core lend to core's convenience methods.

core never imports export/, notation/ or interop/ (DESIGN.md, Layout); those packages
register here when imported, and importing :mod:`symparams` imports them all, so
``derivation.latex()`` works as soon as the package is imported.
"""

from __future__ import annotations

from typing import Any, Callable

from symparams.core.errors import NotSupportedError

PROVIDED: dict[str, Callable[..., Any]] = {}


def provide(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function under ``name`` (``"latex"``, ``"to_torch"`` …)."""

    def deco(fn: Callable[..., Any]) -> Callable[..., Any]:
        PROVIDED[name] = fn
        return fn

    return deco


def provided(name: str) -> Callable[..., Any]:
    """The function registered under ``name``."""
    try:
        return PROVIDED[name]
    except KeyError:
        raise NotSupportedError(f"{name} is not available: import symparams (which loads its "
                                "exporters and interop) first") from None
