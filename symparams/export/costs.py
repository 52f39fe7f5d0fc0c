"""The cost columns that the exporters add when asked (``--costs macs,flops,activations``):
compute, activation sizes and training memory per layer and in total, with their
conventions stated."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import sympy as sp

from symparams.algebra.memory import SOURCES, model_states
from symparams.core.derivation import transformer_activation_memory
from symparams.core.errors import SpecError, quote
from symparams.core.symbols import is_valid_name

DTYPE_BYTES = {"fp32": 4, "float32": 4, "fp16": 2, "float16": 2, "bf16": 2, "bfloat16": 2,
               "fp64": 8, "float64": 8, "int8": 1, "fp8": 1}


def _memory(count: sp.Expr, trainable: sp.Expr, o: dict) -> sp.Expr:
    return model_states(count, o.get("optimizer", "adam"), o.get("precision", "fp32"),
                        trainable=trainable)["total"]


# name -> (heading, per row, total), each of (thing, options)
COSTS: dict[str, tuple[str, Callable[..., sp.Expr], Callable[..., sp.Expr]]] = {
    "macs": ("MACs", lambda r, o: r.macs, lambda d, o: d.macs),
    "flops": ("FLOPs", lambda r, o: 2 * r.macs, lambda d, o: d.flops()),
    "extended_flops": ("FLOPs (extended)", lambda r, o: 2 * r.macs + r.elementwise,
                       lambda d, o: d.flops(extended=True)),
    "activations": ("Activations", lambda r, o: r.activations, lambda d, o: d.activations),
    "activation_bytes": ("Activation bytes",
                         lambda r, o: r.activations * DTYPE_BYTES[o.get("dtype", "fp32")],
                         lambda d, o: d.activations * DTYPE_BYTES[o.get("dtype", "fp32")]),
    "memory": ("Training memory", lambda r, o: _memory(r.params, r.trainable, o),
               lambda d, o: _memory(d.total, d.trainable, o)),
    "transformer_activations": (
        "Transformer activations",
        lambda r, o: transformer_activation_memory((r,), o.get("batch", "b"),
                                                   o.get("recompute", "none")),
        lambda d, o: d.transformer_activation_memory(o.get("batch", "b"),
                                                     o.get("recompute", "none"))),
}

CONVENTION = ("one MAC is one multiply and one add; FLOPs = 2 × MACs, as PyTorch's "
              "FlopCounterMode counts (torchvision's and fvcore's \"FLOPs\" are MACs); bias "
              "additions, normalisations, activations, pooling and softmax are not counted "
              "(extended_flops counts them: one per element, two per normalised element, a "
              "window's size per pooled element); activations are the elements "
              "of each layer's output; all per sample, forward")


def convention(names: Iterable[str], options: dict) -> str:
    """The conventions of the costs shown, with the sources of the memory formulas."""
    names = set(names)
    text = CONVENTION
    if "activation_bytes" in names:
        text += f"; activation bytes at {options.get('dtype', 'fp32')}"
    if "transformer_activations" in names:
        text += (f"; transformer activations: bytes at 16-bit kept for the backward pass, "
                 f"batch {options.get('batch', 'b')}, recomputation "
                 f"{options.get('recompute', 'none')} ({SOURCES['activations']})")
    if "memory" in names:
        text += (f"; training memory: weights, gradients and {options.get('optimizer', 'adam')} "
                 f"state in bytes at {options.get('precision', 'fp32')} "
                 f"({SOURCES['model_states']}), activations not included")
    return text


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


def check_options(options: dict) -> dict:
    """``dtype``, ``optimizer`` and ``precision``, checked."""
    dtype = options.get("dtype", "fp32")
    if dtype not in DTYPE_BYTES:
        raise SpecError(f"unknown dtype {quote(dtype)}; known: {', '.join(DTYPE_BYTES)}")
    model_states(sp.Integer(1), options.get("optimizer", "adam"), options.get("precision", "fp32"))
    batch = options.get("batch", "b")
    if isinstance(batch, str) and not is_valid_name(batch):
        raise SpecError(f"--batch is a number or a name, got {quote(batch)}")
    return options


def input_values(derivation: Any, names: Iterable[str], options: dict | None = None
                 ) -> list[sp.Expr]:
    """The input row's cells: its elements (or bytes) for the activation columns, 0 else."""
    size = derivation.input_shape.size()
    dtype = DTYPE_BYTES[(options or {}).get("dtype", "fp32")]
    return [size if n == "activations" else size * dtype if n == "activation_bytes"
            else sp.Integer(0) for n in names]


def headings(names: Iterable[str]) -> list[str]:
    return [COSTS[n][0] for n in names]


def row_values(row: Any, names: Iterable[str], options: dict | None = None) -> list[sp.Expr]:
    return [COSTS[n][1](row, options or {}) for n in names]


def total_values(derivation: Any, names: Iterable[str], options: dict | None = None
                 ) -> list[tuple[str, sp.Expr]]:
    """(label, total) per cost: ``("MACs", …)``, ``("activations", …)``."""
    def label(heading: str) -> str:  # "MACs", "FLOPs (extended)", "training memory"
        return heading if heading[:2].isupper() else heading[0].lower() + heading[1:]

    return [(label(COSTS[n][0]), COSTS[n][2](derivation, options or {})) for n in names]
