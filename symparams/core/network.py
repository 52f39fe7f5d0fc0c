"""Networks (an input, then a graph of layers) and their derivation."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Iterable

from symparams.core.derivation import CONVENTIONS, Condition, Derivation
from symparams.core.errors import SpecError, quote, shorten
from symparams.core.graph import MAX_DEPTH, unify_symbols  # noqa: F401  (MAX_DEPTH: re-exported)
from symparams.core.provided import provided
from symparams.core.layer import Layer, substitute_layer


@dataclass(frozen=True)
class Network:
    """A network: an ``Input`` followed by layers, each reading the layer before it or
    the nodes its ``inputs`` name (see :mod:`symparams.core.graph`).

    >>> from symparams.layers import Input, Conv, Dense
    >>> net = Network((Input((28, 28, 1)), Conv(4, 5), Dense(10)))
    >>> net.derive().evaluate()
    23154
    """

    layers: tuple[Layer, ...]
    name: str | None = None

    def __post_init__(self) -> None:
        layers = tuple(self.layers)
        object.__setattr__(self, "layers", layers)
        if not layers or not getattr(layers[0], "source", False):
            raise SpecError("a network starts with an input layer")
        for i, layer in enumerate(layers[1:], 1):
            if getattr(layer, "source", False):
                raise SpecError(f"layer {i} is a second input; a network has one input (named "
                                "\"input\")")
            if not isinstance(layer, Layer):
                raise SpecError(f"layer {i} is not a layer: {shorten(repr(layer))}")
        layers = unify_symbols(layers)
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
        from symparams.core.graph import Context, checked_conditions, derive_body

        shape = self.input.output_shape()
        ctx = Context(convention, assume_divisible)
        ctx.conditions = [Condition(rel, reason, 0, "input") for rel, reason in
                          checked_conditions(self.input, shape,
                                             lambda err: type(err)(f"input: {err}"))]
        for value, role in self.input.roles():
            ctx.note(value, role, exact=True)
        rows, _ = derive_body(self.layers[1:], shape, ctx)
        conditions, legend = ctx.conditions, ctx.legend
        if assume_divisible is not True:
            unknown = sorted(assume_divisible - ctx.names)
            if unknown:
                raise SpecError(f"assume_divisible names no layer {quote(unknown[0])}; layers: "
                                f"{shorten(', '.join(r.name for r in rows), 300)}")
        derivation = Derivation(
            network=self, input_shape=shape, rows=tuple(rows),
            conditions=simplify_conditions(conditions),
            legend=tuple((s, _uses(d)) for s, d in legend.items()),
            convention=convention, assume_divisible=assume_divisible)
        return derivation

    def to_torch(self, *, device="cpu", **values):
        """The equivalent ``nn.Sequential`` for ``values`` (needs ``symparams[torch]``)."""
        return provided("to_torch")(self, device=device, **values)


LEGEND_USES = 3
"""A symbol's description names at most this many uses (DenseNet's growth rate has 116)."""


def _uses(texts: list[str]) -> str:
    if len(texts) <= LEGEND_USES:
        return "; ".join(texts)
    more = len(texts) - LEGEND_USES
    return "; ".join(texts[:LEGEND_USES]) + f"; and {more} more use{'s' if more > 1 else ''}"
