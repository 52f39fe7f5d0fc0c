"""The cost columns that the exporters add when asked (``--costs macs,flops,activations``):
compute and activation sizes per layer and in total, with their convention stated."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import sympy as sp

from symparams.core.errors import SpecError, quote

# name -> (column heading, per row, total)
COSTS: dict[str, tuple[str, Callable[[Any], sp.Expr], Callable[[Any], sp.Expr]]] = {
    "macs": ("MACs", lambda r: r.macs, lambda d: d.macs),
    "flops": ("FLOPs", lambda r: 2 * r.macs, lambda d: d.flops()),
    "activations": ("Activations", lambda r: r.activations, lambda d: d.activations),
}

CONVENTION = ("one MAC is one multiply and one add; FLOPs = 2 × MACs, as PyTorch's "
              "FlopCounterMode counts (torchvision's and fvcore's \"FLOPs\" are MACs); bias "
              "additions, normalisations, activations, pooling and softmax are not counted; "
              "activations are the elements of each layer's output; all per sample, forward")


def cost_names(costs: Any) -> tuple[str, ...]:
    """``"macs,flops"`` or a sequence of names, checked; an empty tuple for None."""
    if costs is None or costs == ():
        return ()
    names = [c.strip().lower() for c in costs.split(",")] if isinstance(costs, str) \
        else [str(c).lower() for c in costs]
    for name in names:
        if name not in COSTS:
            raise SpecError(f"unknown cost {quote(name)}; costs: {', '.join(COSTS)}")
    return tuple(dict.fromkeys(names))


def headings(names: Iterable[str]) -> list[str]:
    return [COSTS[n][0] for n in names]


def row_values(row: Any, names: Iterable[str]) -> list[sp.Expr]:
    return [COSTS[n][1](row) for n in names]


def total_values(derivation: Any, names: Iterable[str]) -> list[tuple[str, sp.Expr]]:
    """(label, total) per cost: ``("MACs", …)``, ``("activations", …)``."""
    return [(COSTS[n][0] if COSTS[n][0].isupper() or n != "activations" else n,
             COSTS[n][2](derivation)) for n in names]
