"""``symparams layers``: every layer kind with its notation letter, positional
arguments, keywords and defaults, read from the layer classes themselves."""

from __future__ import annotations

import re
from dataclasses import MISSING, fields

from symparams.core.layer import REGISTRY

_BASE_FIELDS = {"name", "spec", "trainable", "shares", "ties", "inputs"}


def _default(f) -> str:
    if f.default is MISSING:
        return "required"
    value = f.default
    if isinstance(value, bool):
        return "true" if value else "false"
    return "unset" if value is None else str(value)


def cheatsheet() -> str:
    """One block per layer class: kinds, letters, positional arguments, options."""
    classes: dict[type, list[str]] = {}
    for kind, (cls, _) in REGISTRY.items():
        if not cls.composite:
            classes.setdefault(cls, []).append(kind)
    out = ["Layer kinds (letters and kind names work in the notation; every kind also takes "
           "name=, trainable=, shares=, ties= and inputs=):", ""]
    for cls in sorted(classes, key=lambda c: c.kind):
        kinds = sorted(classes[cls], key=lambda k: (k != cls.kind, k))
        letters = " ".join(cls.letters)
        out.append(f"{cls.kind}" + (f"  [{letters}]" if letters else "")
                   + (f"  also: {', '.join(k for k in kinds if k != cls.kind)}"
                      if len(kinds) > 1 else ""))
        doc = (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
        doc = re.sub(r":\w+:`([^`]+)`", r"\1", doc).replace("``", "")
        if doc:
            out.append(f"  {' '.join(doc.split())}")
        if cls.positional:
            out.append(f"  positional: {', '.join(cls.positional)}")
        aliases = {v: k for k, v in cls.aliases.items()}
        options = []
        for f in fields(cls):
            if not f.init or f.name in _BASE_FIELDS:
                continue
            role = f.metadata.get("role") or f.metadata.get("label")
            short = f"{aliases[f.name]}/" if f.name in aliases else ""
            words = f.metadata.get("words", ())
            text = f"{short}{f.name}={_default(f)}"
            details = [d for d in (role, " or ".join(words) if words else "") if d]
            options.append(text + (f" ({'; '.join(details)})" if details else ""))
        if options:
            out.append("  options: " + ", ".join(options))
        out.append("")
    return "\n".join(out)
