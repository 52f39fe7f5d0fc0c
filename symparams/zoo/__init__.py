"""The zoo: the spec files of ``derivations/`` (this folder), installed with the package.

Each file is one network or one family with its published figures.  A zoo name is a
file's stem (``resnet_bottleneck``: the family's formula) or the name of a published
figure set without punctuation (``resnet50``, ``resnet101``: the family at those values).

>>> from symparams.zoo import entries
>>> entries()["resnet50"].values["L3"]
6
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Entry:
    """One zoo name: its file, the values it sets (none for a family) and its figure."""

    key: str
    path: Path
    title: str
    values: dict[str, int] = field(default_factory=dict)
    total: int | None = None
    total_at: dict[str, int] = field(default_factory=dict)
    """The values the published total holds for, when the entry keeps its symbols."""


def key_of(name: str) -> str:
    """``ResNet-50`` -> ``resnet50``."""
    return re.sub(r"[^a-z0-9_]", "", name.lower())


@lru_cache(maxsize=1)
def entries() -> dict[str, Entry]:
    """Every zoo name, in file order: the file's stem, then its published figure sets."""
    out: dict[str, Entry] = {}
    for path in sorted(FOLDER.glob("*.toml")):
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        title = str(data.get("name", path.stem))
        published = data.get("published", {})
        # the stem is the file as written (a family keeps its symbols); the figures it
        # publishes hold at published.values
        out[path.stem] = Entry(path.stem, path, title, {}, published.get("total"),
                               dict(published.get("values", {})))
        sets = [published] + list(published.get("variants", []))
        for figure in sets:
            if figure.get("name") and figure.get("values"):
                key = key_of(figure["name"])
                out.setdefault(key, Entry(key, path, str(figure["name"]),
                                          dict(figure["values"]), figure.get("total"),
                                          dict(figure["values"])))
    return out


def find(name: str) -> Entry | None:
    """The zoo entry called ``name`` (case and punctuation ignored), or None."""
    return entries().get(key_of(name)) if re.fullmatch(r"[A-Za-z][A-Za-z0-9_\-]*", name) else None


def load_entry(entry: Entry) -> Any:
    """The entry's network, with its values set: a :class:`~symparams.core.network.Network`."""
    from symparams.notation.specfile import load

    spec = load(entry.path)
    network = spec.network
    if entry.values:
        symbols = spec.derive().symbols
        network = network.subs({symbols[k]: v for k, v in entry.values.items() if k in symbols})
    return spec, network
