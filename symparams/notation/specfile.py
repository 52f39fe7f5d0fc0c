"""Spec files in TOML (stdlib ``tomllib``): a network with per-layer names.

Either a notation string::

    notation = "I(28x28x1)-C(32,5)-P(2)-H(256)-O(10)"

or an input and a list of layers, keys named as the layer's options::

    input = [28, 28, 1]          # or "n x n x l"
    [[layers]]
    kind = "conv2d"
    name = "conv1"
    filters = 32
    kernel = 5                   # or [5, 3], or "k1"
    padding = "same"

Optional: ``name``, ``source``, ``convention`` ("pytorch" or "keras"), and a
``[published]`` table with the figures the source gives (``total``, per-layer
``[[published.layers]]`` with ``name``, ``output_shape``, ``params``), and under
``[published.values]`` the symbol values they hold for.  The tests check them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from symparams.core.errors import SpecError, SymparamsError, quote, shorten
from symparams.core.layer import make_layer, suggest
from symparams.core.network import Network
from symparams.layers import Input
from symparams.notation.compact import parse

TOP_KEYS = {"name", "source", "convention", "notation", "input", "layers", "published",
            "description"}


@dataclass(frozen=True)
class SpecFile:
    """A loaded spec file: the network and what else the file says."""

    network: Network
    name: str | None = None
    source: str | None = None
    convention: str = "pytorch"
    published: dict[str, Any] = field(default_factory=dict)

    def derive(self, convention: str | None = None):
        """Derive the network with the file's convention (or the one given)."""
        return self.network.derive(convention=convention or self.convention)


def load(path: str | Path) -> SpecFile:
    """Read a TOML spec file; every problem is a :class:`SpecError` naming the place."""
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise SpecError(f"cannot read {path}: {err.strerror}") from None
    except UnicodeDecodeError:
        raise SpecError(f"{path}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{path}: invalid TOML: {err}") from None
    try:
        return from_dict(data)
    except SymparamsError as err:
        raise SpecError(f"{path}: {err}") from None


def from_dict(data: dict[str, Any]) -> SpecFile:
    """Build a SpecFile from already-parsed TOML data."""
    if not isinstance(data, dict):
        raise SpecError("a spec is a table of keys (name, input, layers …)")
    unknown = sorted(set(data) - TOP_KEYS, key=str)
    if unknown:
        raise SpecError(f"unknown key {quote(unknown[0])}{suggest(str(unknown[0]), TOP_KEYS)}; "
                        f"keys are {', '.join(sorted(TOP_KEYS))}")
    name = _opt_str(data, "name")
    if "notation" in data:
        if "layers" in data or "input" in data:
            raise SpecError("give either 'notation' or 'input' with 'layers', not both")
        network = parse(_opt_str(data, "notation") or "", name=name)
    else:
        network = Network((_input(data.get("input")), *_layers(data.get("layers"))), name)
    convention = _opt_str(data, "convention") or "pytorch"
    published = data.get("published", {})
    if not isinstance(published, dict):
        raise SpecError("'published' must be a table")
    return SpecFile(network, name, _opt_str(data, "source"), convention, published)




def _opt_str(data: dict, key: str) -> str | None:
    value = data.get(key)
    if value is not None and not isinstance(value, str):
        raise SpecError(f"'{key}' must be a string")
    return value


def _input(value: Any) -> Input:
    if value is None:
        raise SpecError("missing 'input' (for example input = [28, 28, 1])")
    if isinstance(value, str):
        network = parse(f"I({value})")
        if len(network.layers) != 1:
            raise SpecError("'input' must be sizes such as \"n x n x 1\"")
        return network.input
    if isinstance(value, int):
        value = [value]
    if not isinstance(value, list):
        raise SpecError("'input' must be a list of sizes or a text such as \"n x n x 1\"")
    return Input(tuple(value))


def _layers(value: Any) -> list:
    from symparams.notation.compact import MAX_LAYERS

    if not isinstance(value, list) or not value:
        raise SpecError("missing [[layers]]")
    if len(value) > MAX_LAYERS:
        raise SpecError(f"more than {MAX_LAYERS} layers")
    out = []
    for i, table in enumerate(value, 1):
        if not isinstance(table, dict):
            raise SpecError(f"layer {i}: expected a table")
        options = dict(table)
        kind = options.pop("kind", None)
        where = f"layer {i}" + (f" ({shorten(options['name'], 40)})"
                                if isinstance(options.get("name"), str) else "")
        if kind is None:
            raise SpecError(f"{where}: missing kind (for example kind = \"conv2d\")")
        if not isinstance(kind, str):
            raise SpecError(f"{where}: kind must be a text such as \"conv2d\", got {quote(kind)}")
        options = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
        try:
            layer = make_layer(kind, **options)
        except SymparamsError as err:
            raise SpecError(f"{where}: {err}") from None
        out.append(replace(layer, spec=f"[[layers]] {i} kind={shorten(kind, 40)}"))
    return out
