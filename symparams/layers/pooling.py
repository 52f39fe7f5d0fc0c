"""Max and average pooling, windowed and global."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.errors import SpecError, quote
from symparams.core.layer import Layer, hyper, padding_per_axis, register, spatial_input, suggest
from symparams.core.shape import AXIS_NAMES, Shape, at_least, brief, window_sizes

MODES = ("max", "avg")


def _check_mode(layer: Layer) -> None:
    mode = layer.mode
    if isinstance(mode, str) and mode.strip().lower() in MODES:
        object.__setattr__(layer, "mode", mode.strip().lower())
        return
    hint = suggest(mode, MODES) if isinstance(mode, str) else ""
    raise SpecError(f"pooling mode must be 'max' or 'avg', got {quote(mode)}{hint}")


@register("maxpool", mode="max")
@register("maxpool1d", mode="max", ndim=1)
@register("maxpool2d", mode="max", ndim=2)
@register("maxpool3d", mode="max", ndim=3)
@register("avgpool", mode="avg")
@register("avgpool1d", mode="avg", ndim=1)
@register("avgpool2d", mode="avg", ndim=2)
@register("avgpool3d", mode="avg", ndim=3)
@register("pool")
@dataclass(frozen=True)
class Pool(Layer):
    """Max or average pooling; ``stride`` defaults to the pool size.

    Sizes as PyTorch's ``MaxPoolNd``/``AvgPoolNd`` (``ceil_mode`` included, with its
    rule that the last window starts inside the input or left padding); padding may
    be at most half the pool size, as PyTorch requires.  ``padding='same'`` is
    Keras' ``ceil(n/s)``.
    """

    kind = "pool"
    prefix = "pool"
    letters = {"P": lambda i, spatial: {"size": f"q{i}"}}
    positional = ("size",)
    aliases = {"s": "stride", "p": "padding", "ceil": "ceil_mode"}
    spatial = True

    size: Any = hyper("pool size", per_axis=True)
    stride: Any = hyper("pool stride", default=None, per_axis=True)
    padding: Any = hyper("pool padding", default=0, nonnegative=True, per_axis=True,
                         words=("same", "valid"))
    ceil_mode: bool = False
    mode: str = "max"
    ndim: int | None = None

    def __post_init__(self) -> None:
        _check_mode(self)
        super().__post_init__()

    def resolved_kind(self, in_shape: Shape) -> str:
        return f"{self.mode}pool{in_shape.rank}d"

    def resolved_prefix(self, in_shape: Shape) -> str:
        return f"{self.mode}pool"

    def _axes(self, in_shape: Shape):
        spatial_input(self, in_shape)
        r = in_shape.rank
        k = self.per_axis(self.size, r, "pool size")
        s = k if self.stride is None else self.per_axis(self.stride, r, "stride")
        return k, s, padding_per_axis(self, self.padding, r)

    def output_shape(self, in_shape: Shape) -> Shape:
        k, s, p = self._axes(in_shape)
        return Shape(window_sizes(in_shape.spatial, k, s, p, ceil_mode=self.ceil_mode),
                     in_shape.channels)

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        k, s, p = self._axes(in_shape)
        if p == "same":
            return []
        out: list[tuple[sp.Basic, str]] = []
        for axis, n, ki, pi, si in zip(AXIS_NAMES[in_shape.rank], in_shape.spatial, k, p, s):
            if self.ceil_mode:  # PyTorch only needs one output: the window may overhang by s - 1
                out.append((at_least(n + 2 * pi + si - 1, ki),
                            f"the pool window ({brief(ki)}) must fit in the padded input {axis} "
                            f"({brief(n + 2 * pi)}) plus stride - 1 ({brief(si - 1)}) under ceil_mode"))
            else:
                out.append((at_least(n + 2 * pi, ki), f"the pool window ({brief(ki)}) must fit in the "
                            f"padded input {axis} ({brief(n + 2 * pi)})"))
            if self.mode == "avg" and in_shape.rank == 3:  # a check of PyTorch's avg_pool3d
                out.append((at_least(n, ki), f"avgpool3d: the input {axis} ({brief(n)}) must be at least "
                            f"the pool size ({brief(ki)}), padding aside"))
            if pi != 0:
                out.append((sp.Le(2 * pi, ki),
                            f"padding ({brief(pi)}) must be at most half the pool size ({brief(ki)})"))
        return out


@register("globalpool")
@register("globalavgpool", mode="avg")
@register("globalmaxpool", mode="max")
@dataclass(frozen=True)
class GlobalPool(Layer):
    """Global max or average pooling: one value per channel."""

    kind = "globalpool"
    prefix = "globalpool"
    letters = {"G": lambda i, spatial: {}}
    positional = ("mode",)
    spatial = True

    mode: str = "avg"

    def __post_init__(self) -> None:
        self._check_options()
        _check_mode(self)

    def resolved_kind(self, in_shape: Shape) -> str:
        return f"global{self.mode}pool"

    def resolved_prefix(self, in_shape: Shape) -> str:
        return f"global{self.mode}pool"

    def output_shape(self, in_shape: Shape) -> Shape:
        spatial_input(self, in_shape)
        return Shape((), in_shape.channels)


@register("adaptivepool")
@register("adaptiveavgpool", mode="avg")
@register("adaptiveavgpool1d", mode="avg", ndim=1)
@register("adaptiveavgpool2d", mode="avg", ndim=2)
@register("adaptiveavgpool3d", mode="avg", ndim=3)
@register("adaptivemaxpool", mode="max")
@register("adaptivemaxpool1d", mode="max", ndim=1)
@register("adaptivemaxpool2d", mode="max", ndim=2)
@register("adaptivemaxpool3d", mode="max", ndim=3)
@dataclass(frozen=True)
class AdaptivePool(Layer):
    """PyTorch's ``AdaptiveAvgPoolNd``/``AdaptiveMaxPoolNd``: the output has the given
    spatial size whatever the input's (``adaptiveavgpool(1)`` keeps ``1 × 1 × C``, where
    global pooling gives a vector of ``C``)."""

    kind = "adaptivepool"
    prefix = "adaptivepool"
    positional = ("size",)
    spatial = True

    size: Any = hyper("output size", per_axis=True)
    mode: str = "avg"
    ndim: int | None = None

    def __post_init__(self) -> None:
        _check_mode(self)
        super().__post_init__()

    def resolved_kind(self, in_shape: Shape) -> str:
        return f"adaptive{self.mode}pool{in_shape.rank}d"

    def resolved_prefix(self, in_shape: Shape) -> str:
        return f"adaptive{self.mode}pool"

    def output_shape(self, in_shape: Shape) -> Shape:
        spatial_input(self, in_shape)
        if self.ndim is not None and self.ndim != in_shape.rank:
            raise SpecError(f"{self.kind}{self.ndim}d on an input with {in_shape.rank} spatial axes")
        return Shape(self.per_axis(self.size, in_shape.rank, "output size"), in_shape.channels)
