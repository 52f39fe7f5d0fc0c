"""Padding on both sides of every spatial axis: zeros, reflection, replication, circular."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.errors import SpecError, quote
from symparams.core.framework import ints, one_value, per_axis_ints
from symparams.core.working import Step, add, axis_steps, axis_value, integer, mul
from symparams.core.layer import Layer, hyper, register, spatial_input, suggest
from symparams.core.shape import AXIS_NAMES, Shape, at_least, brief


PAD_MODES = ("zeros", "reflect", "replicate", "circular")
TORCH_WORDS = {"Zero": "zeros", "Reflection": "reflect", "Replication": "replicate",
               "Circular": "circular"}  # ZeroPad2d, ReflectionPad2d …


@register("zeropadding")
@register("reflectionpad", mode="reflect")
@register("replicationpad", mode="replicate")
@register("circularpad", mode="circular")
@dataclass(frozen=True)
class ZeroPadding(Layer):
    """Padding of ``padding`` on both sides of every spatial axis (or per axis): zeros,
    or PyTorch's ``ReflectionPad``/``ReplicationPad``/``CircularPad`` (``mode``), which
    give the same shape and need the padding below (reflect) or at most (circular) the
    input size."""

    kind = "zeropadding"
    prefix = "zeropadding"
    letters = {"Z": lambda i, spatial: {}}
    positional = ("padding",)
    spatial = True

    padding: Any = hyper("zero padding", default=1, nonnegative=True, per_axis=True)
    mode: str = "zeros"

    def __post_init__(self) -> None:
        if self.mode not in PAD_MODES:
            raise SpecError(f"padding mode must be one of {', '.join(PAD_MODES)}, got "
                            f"{quote(self.mode)}{suggest(str(self.mode), PAD_MODES)}")
        super().__post_init__()

    def resolved_kind(self, in_shape: Shape) -> str:
        word = {"zeros": "zero", "reflect": "reflection", "replicate": "replication",
                "circular": "circular"}[self.mode]
        return f"{word}padding{in_shape.rank}d"

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        if self.mode not in ("reflect", "circular") or in_shape.is_vector:
            return []
        p = self.per_axis(self.padding, in_shape.rank, "padding")
        out = []
        for axis, n, pi in zip(AXIS_NAMES[in_shape.rank], in_shape.spatial, p):
            if self.mode == "reflect":
                out.append((at_least(n - 1, pi), f"reflection padding ({brief(pi)}) must be "
                            f"less than the input {axis} ({brief(n)})"))
            else:
                out.append((at_least(n, pi), f"circular padding ({brief(pi)}) must be at most "
                            f"the input {axis} ({brief(n)})"))
        return out

    def output_shape(self, in_shape: Shape) -> Shape:
        spatial_input(self, in_shape)
        p = self.per_axis(self.padding, in_shape.rank, "zero padding")
        return Shape(tuple(n + 2 * pi for n, pi in zip(in_shape.spatial, p)), in_shape.channels)

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = tuple(f"{word}Pad{d}d" for word in TORCH_WORDS for d in (1, 2, 3))

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        name = type(m).__name__
        ndim = int(name[-2])
        pads = per_axis_ints(m.padding, 2 * ndim)
        pairs = [pads[i:i + 2] for i in range(0, len(pads), 2)][::-1]  # last axis first
        if any(a != b for a, b in pairs):
            return f"asymmetric padding {m.padding} is not supported"
        return dict(padding=one_value(tuple(a for a, _ in pairs)), ndim=ndim,
                    mode=TORCH_WORDS[name[:-5]])

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "ZeroPadding":
        return cls(o["padding"], mode=o["mode"])

    def to_torch(self, nn: Any, row: Any) -> Any:
        rank = row.input_shape.rank
        p = ints(self.per_axis(self.padding, rank, ""))
        pads = tuple(v for pi in reversed(p) for v in (pi, pi))
        if self.mode == "zeros":
            return getattr(nn, f"ConstantPad{rank}d")(pads, 0.0)
        word = next(w for w, mode in TORCH_WORDS.items() if mode == self.mode)
        return getattr(nn, f"{word}Pad{rank}d")(pads)

    # -- worked solution -------------------------------------------------------------
    def worked_sizes(self, row: Any) -> list[Step]:
        rank = row.input_shape.rank

        def term(axis: int, n: int, out: int):
            p = integer(axis_value(self.padding, rank, axis))
            return "n + 2p", "input size $n$, padding $p$", add(n, mul(2, p))

        return axis_steps(row, term)


