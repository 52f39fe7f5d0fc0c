"""Sequential networks and their derivation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

import sympy as sp

from symparams.algebra.floors import depth
from symparams.core.derivation import CONVENTIONS, Condition, Derivation, Row
from symparams.core.errors import (NotSupportedError, ShapeError, SpecError, SymparamsError,
                                   quote, shorten)
from symparams.core.layer import Layer, substitute_layer
from symparams.core.shape import Shape, exact_division
from symparams.core.symbols import make_symbol

MAX_DEPTH = 120
"""The deepest a size expression may nest: past it, sympy's printers and Python's parser
(codegen) run out of recursion (a 240-layer I-C-P-C-P-… stack is within it)."""


@dataclass(frozen=True)
class Network:
    """A sequential network: an ``Input`` followed by layers.

    >>> from symparams.layers import Input, Conv, Dense
    >>> net = Network((Input((28, 28, 1)), Conv(4, 5), Dense(10)))
    >>> net.derive().evaluate()
    23154
    """

    layers: tuple[Layer, ...]
    name: str | None = None

    def __post_init__(self) -> None:
        from symparams.layers import Input

        layers = tuple(self.layers)
        object.__setattr__(self, "layers", layers)
        if not layers or not isinstance(layers[0], Input):
            raise SpecError("a network starts with an input layer")
        for i, layer in enumerate(layers[1:], 1):
            if isinstance(layer, Input):
                raise SpecError(f"layer {i} is a second input; a sequential network has one")
            if not isinstance(layer, Layer):
                raise SpecError(f"layer {i} is not a layer: {shorten(repr(layer))}")
        layers = _unify_symbols(layers)
        object.__setattr__(self, "layers", layers)
        names = [l.name for l in layers if l.name]
        dup = [n for n, c in Counter(names).items() if c > 1]
        if dup:
            raise SpecError(f"layer name {quote(dup[0])} is used twice")

    @property
    def input(self):
        return self.layers[0]

    def subs(self, mapping: dict) -> "Network":
        """The network with symbols replaced in every hyperparameter."""
        return Network(tuple(substitute_layer(l, mapping) for l in self.layers), self.name)

    def derive(self, *, convention: str = "pytorch",
               assume_divisible: bool | Iterable[str] = False) -> Derivation:
        """Shapes, weights, parameter counts and conditions of every layer.

        ``convention`` is ``"pytorch"`` (BatchNorm running statistics are buffers, not
        parameters) or ``"keras"`` (they are non-trainable parameters).
        ``assume_divisible`` (True, or a set of layer names) drops the floors of those
        layers' window sizes, recording "assuming s divides ..." as a condition.
        """
        if convention not in CONVENTIONS:
            raise SpecError(f"convention must be one of {', '.join(CONVENTIONS)}, got {quote(convention)}")
        from symparams.algebra.assume import divisible_option
        from symparams.algebra.conditions import simplify_conditions

        assume_divisible = divisible_option(assume_divisible)
        from symparams.layers import Dense, Flatten

        shape = self.input.output_shape()
        conditions = [Condition(rel, reason, 0, "input")
                      for rel, reason in self._checked(self.input, 0, "input", shape)]
        legend: dict[sp.Symbol, list[str]] = {}
        for value, role in self.input.roles():
            _note(legend, value, role, exact=True)
        rows: list[Row] = []
        counters: Counter[str] = Counter()
        taken = {l.name for l in self.layers if l.name}

        def add(layer: Layer) -> None:
            nonlocal shape
            index = len(rows) + 1
            try:
                prefix = layer.resolved_prefix(shape)
            except ShapeError as err:
                raise self._context(err, index, layer.name or layer.kind, layer, shape) from None
            name = layer.name or _auto_name(prefix, counters, taken)
            checked = self._checked(layer, index, name, shape)
            exact = assume_divisible is True or name in assume_divisible
            try:
                with exact_division(exact) as assumed:
                    out = layer.output_shape(shape)
                weights = layer.weights(shape)
            except ShapeError as err:
                raise self._context(err, index, name, layer, shape) from None
            if any(depth(d) > MAX_DEPTH for d in out.dims()):
                raise self._context(NotSupportedError(
                    f"its output size nests more than {MAX_DEPTH} levels deep, too deep to print "
                    "or evaluate; give some sizes numbers (--set NAME=VALUE)"), index, name,
                    layer, shape)
            conditions.extend(Condition(rel, reason, index, name) for rel, reason in checked)
            conditions.extend(Condition(rel, reason, index, name, assumed=True)
                              for rel, reason in assumed)
            for _, role, _, value in layer.hyperparameters():
                _note(legend, value, f"{role} of {name}", exact=value.is_Symbol)
            trainable = sum((w.size for w in weights if w.trainable), sp.Integer(0))
            frozen = sum((w.size for w in weights if not w.trainable), sp.Integer(0))
            rows.append(Row(index, name, layer.resolved_kind(shape), layer, shape, out, weights,
                            trainable, frozen if convention == "keras" else sp.Integer(0)))
            shape = out

        for layer in self.layers[1:]:
            if isinstance(layer, Dense) and not shape.is_vector:
                add(Flatten(spec="F (implied)"))
            add(layer)
        if assume_divisible is not True:
            unknown = sorted(assume_divisible - {r.name for r in rows})
            if unknown:
                raise SpecError(f"assume_divisible names no layer {quote(unknown[0])}; layers: "
                                f"{shorten(', '.join(r.name for r in rows), 300)}")
        derivation = Derivation(
            network=self, input_shape=self.input.output_shape(), rows=tuple(rows),
            conditions=simplify_conditions(conditions),
            legend=tuple((s, "; ".join(d)) for s, d in legend.items()),
            convention=convention, assume_divisible=assume_divisible)
        return derivation

    # -- helpers -----------------------------------------------------------------
    def _checked(self, layer: Layer, index: int, name: str, shape: Shape) -> list[tuple[sp.Basic, str]]:
        """Conditions not yet decided; raise on the first that is provably false."""
        try:
            conds = layer.all_conditions(shape)
        except ShapeError as err:
            raise self._context(err, index, name, layer, shape) from None
        open_ = []
        for rel, reason in conds:
            if rel is sp.false or rel == sp.false:
                raise self._context(ShapeError(reason), index, name, layer, shape)
            if rel is not sp.true:
                open_.append((rel, reason))
        return open_

    @staticmethod
    def _context(err: SymparamsError, index: int, name: str, layer: Layer,
                 shape: Shape) -> SymparamsError:
        where = "input" if index == 0 else f"layer {index} ({name}, {layer.describe()}) on input {shape.brief()}"
        return type(err)(f"{where}: {err}")

    def to_torch(self, *, device="cpu", **values):
        """The equivalent ``nn.Sequential`` for ``values`` (needs ``symparams[torch]``)."""
        from symparams.interop.torch import to_torch

        return to_torch(self, device=device, **values)


def _unify_symbols(layers: tuple[Layer, ...]) -> tuple[Layer, ...]:
    """A name used as a padding (may be 0) and as a size (at least 1) is one value,
    so it is at least 1: use the positive symbol everywhere."""
    found: dict[str, set[sp.Symbol]] = {}
    for layer in layers:
        for _, _, _, value in layer.hyperparameters():
            for sym in value.free_symbols:
                found.setdefault(sym.name, set()).add(sym)
    mapping = {s: make_symbol(name) for name, syms in found.items() if len(syms) > 1
               for s in syms if not s.is_positive}
    if not mapping:
        return layers
    return tuple(substitute_layer(l, mapping) for l in layers)


def _auto_name(prefix: str, counters: Counter, taken: set) -> str:
    while True:
        counters[prefix] += 1
        name = f"{prefix}{counters[prefix]}"
        if name not in taken:
            taken.add(name)
            return name


def _note(legend: dict, value: sp.Expr, role: str, exact: bool) -> None:
    for sym in sorted(value.free_symbols, key=lambda s: s.name):
        text = role if exact else f"in the {role}"
        entries = legend.setdefault(sym, [])
        if text not in entries:
            entries.append(text)
