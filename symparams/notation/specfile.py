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
``[published.values]`` the symbol values they hold for; ``[[published.variants]]``
(``name``, ``values``, ``total``) give the same formula's figures at other values (the
ResNet-50/101/152 family).  The tests check them.

Graphs: a layer table may say which layers it reads (``inputs = ["conv1", "proj"]``,
``"input"`` for the network's input); ``[blocks.NAME]`` tables define blocks
(``params = ["c", "s"]`` and ``notation = "..."`` or ``[[blocks.NAME.layers]]``), used
as ``kind = "NAME"`` with the parameters as keys; ``kind = "repeat"`` with
``times = "L"`` and ``notation`` or ``[[layers.layers]]`` repeats a body.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from symparams.core.files import read_text
from symparams.core.errors import SpecError, SymparamsError, quote, shorten
from symparams.core.layer import make_layer, suggest
from symparams.core.network import Network
from symparams.layers import Input
from symparams.notation.compact import parse

TOP_KEYS = {"name", "source", "convention", "notation", "input", "layers", "published",
            "description", "blocks"}
BLOCK_KEYS = {"params", "notation", "layers", "description"}


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


MAX_SPEC_BYTES = 1 << 20
"""A spec file (or spec on stdin) larger than this (1 MiB) is refused before it is read."""


def load(path: str | Path) -> SpecFile:
    """Read a TOML spec file; every problem is a :class:`SpecError` naming the place.

    Only a regular file of at most :data:`MAX_SPEC_BYTES` is read: a folder, FIFO,
    device or socket (or a symlink to one) is refused without reading from it.
    """
    where = shorten(str(path))
    text = read_text(path, limit=MAX_SPEC_BYTES, noun="a spec file", give="a .toml spec file",
                     give_folder="a .toml spec file or a notation such as \"I-C-P-H-O\"")
    data = toml_data(text, where)
    try:
        return from_dict(data)
    except SpecError as err:
        raise SpecError(f"{where}: {err}") from None
    except SymparamsError as err:  # keep the class (an impossible network stays a ShapeError)
        raise type(err)(f"{where}: {err}") from None


def toml_data(text: str, where: str) -> dict[str, Any]:
    """``tomllib.loads(text)``, every failure a :class:`SpecError` naming ``where``.

    Besides invalid TOML, tomllib raises ValueError for an integer longer than Python's
    int-string limit and RecursionError for arrays nested thousands deep.
    """
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"{where}: invalid TOML: {shorten(str(err), 200)}") from None
    except ValueError:
        raise SpecError(f"{where}: invalid TOML: a number with too many digits") from None
    except RecursionError:
        raise SpecError(f"{where}: invalid TOML: nested too deeply") from None


def from_dict(data: dict[str, Any]) -> SpecFile:
    """Build a SpecFile from already-parsed TOML data."""
    if not isinstance(data, dict):
        raise SpecError("a spec is a table of keys (name, input, layers …)")
    unknown = sorted(set(data) - TOP_KEYS, key=str)
    if unknown:
        raise SpecError(f"unknown key {quote(unknown[0])}{suggest(str(unknown[0]), TOP_KEYS)}; "
                        f"keys are {', '.join(sorted(TOP_KEYS))}")
    name = _opt_str(data, "name")
    blocks = _blocks(data.get("blocks", {}))
    if "notation" in data:
        if "layers" in data or "input" in data:
            raise SpecError("give either 'notation' or 'input' with 'layers', not both")
        network = parse(_opt_str(data, "notation") or "", name=name, blocks=blocks)
    else:
        network = Network((_input(data.get("input")), *_layers(data.get("layers"), blocks)),
                          name)
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


def _blocks(value: Any) -> dict:
    """``[blocks.NAME]`` tables: ``params`` and either ``notation`` or ``[[blocks.NAME.layers]]``."""
    from symparams.core.graph import Block

    if not isinstance(value, dict):
        raise SpecError("'blocks' must be a table of blocks ([blocks.NAME])")
    from symparams.core.layer import REGISTRY

    blocks: dict = {}
    for name, table in value.items():
        where = f"block {quote(name)}"
        if name.lower().replace("_", "") in REGISTRY or name == "repeat":
            raise SpecError(f"{where}: the name of a layer kind; name the block otherwise")
        if not isinstance(table, dict):
            raise SpecError(f"{where}: expected a table with params and notation or layers")
        unknown = sorted(set(table) - BLOCK_KEYS, key=str)
        if unknown:
            raise SpecError(f"{where}: unknown key {quote(unknown[0])}"
                            f"{suggest(str(unknown[0]), BLOCK_KEYS)}; keys are "
                            f"{', '.join(sorted(BLOCK_KEYS))}")
        params = table.get("params", [])
        if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
            raise SpecError(f"{where}: params must be a list of names such as [\"c\", \"s\"]")
        try:
            body = _body(table, where, blocks)
            blocks[name] = Block(name, tuple(params), body)
        except SpecError as err:
            raise SpecError(f"{where}: {err}" if not str(err).startswith(where) else str(err)) \
                from None
    return blocks


MAX_NESTING = 20
"""The deepest repeats may nest in a spec file's tables."""


def _body(table: dict, where: str, blocks: dict, nesting: int = 0) -> tuple:
    """The layers of a block or repeat: ``notation = "..."`` or ``[[...layers]]``."""
    from symparams.notation.compact import parse_body

    if nesting > MAX_NESTING:
        raise SpecError(f"{where}: repeats nested more than {MAX_NESTING} deep")
    if ("notation" in table) == ("layers" in table):
        raise SpecError(f"{where}: give its layers as notation = \"...\" or as [[layers]] tables")
    if "notation" in table:
        text = table["notation"]
        if not isinstance(text, str):
            raise SpecError(f"{where}: notation must be a text")
        return parse_body(text, blocks=blocks)
    return tuple(_layers(table["layers"], blocks, where=f"{where}: ", nesting=nesting + 1))


def _layers(value: Any, blocks: dict | None = None, where: str = "", nesting: int = 0) -> list:
    from symparams.core.graph import Repeat
    from symparams.notation.compact import MAX_LAYERS

    blocks = blocks or {}
    if not isinstance(value, list) or not value:
        raise SpecError(f"{where}missing [[layers]]")
    if len(value) > MAX_LAYERS:
        raise SpecError(f"more than {MAX_LAYERS} layers")
    out = []
    where_prefix = where
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
        where = where_prefix + where
        try:
            if kind == "repeat":
                body = _body(options, where, blocks, nesting)
                options.pop("notation", None)
                options.pop("layers", None)
            options = {k: tuple(v) if isinstance(v, list) else v for k, v in options.items()}
            if kind == "repeat":
                layer = Repeat(body=body, **options)
            elif kind in blocks:
                layer = blocks[kind](**options)
            else:
                layer = make_layer(kind, **options)
        except SymparamsError as err:
            raise SpecError(f"{where}: {err}") from None
        except TypeError:  # Repeat(...) given an option it does not have
            raise SpecError(f"{where}: a repeat takes times, inputs, name and notation or "
                            "layers") from None
        out.append(replace(layer, spec=f"[[layers]] {i} kind={shorten(kind, 40)}"))
    return out
