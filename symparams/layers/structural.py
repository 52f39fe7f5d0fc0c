"""Layers that reshape or pass data through without weights."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any


import sympy as sp

from symparams.core.errors import SpecError, quote
from symparams.core.layer import Layer, hyper, register, suggest
from symparams.core.shape import AXIS_NAMES, Shape, at_least, brief
from symparams.layers.conv import spatial_input


@register("flatten")
@dataclass(frozen=True)
class Flatten(Layer):
    """All sizes into one vector: ``3 × 3 × 16`` becomes ``144``."""

    kind = "flatten"
    prefix = "flatten"

    def output_shape(self, in_shape: Shape) -> Shape:
        return Shape((), in_shape.size())


@register("dropout")
@dataclass(frozen=True)
class Dropout(Layer):
    """Dropout: the shape passes through; ``rate`` is kept for display only."""

    kind = "dropout"
    prefix = "dropout"

    rate: Any = None

    def __post_init__(self) -> None:
        self._check_options()
        if self.rate is None:
            return
        try:
            rate = (_fraction(self.rate) if isinstance(self.rate, str) else
                    Fraction(self.rate) if isinstance(self.rate, (int, float, Fraction))
                    and not isinstance(self.rate, bool) else None)
        except (ValueError, ZeroDivisionError, OverflowError):
            rate = None
        if rate is None or not 0 <= rate < 1:
            raise SpecError(f"dropout rate must be a number from 0 up to 1, got {quote(self.rate)}")
        object.__setattr__(self, "rate", rate)

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape


# Parameter-free, shape-preserving activations of torch.nn and keras.activations, by
# their name in lower case without "_" (keras' hard_sigmoid is hardsigmoid).
ACTIVATIONS = frozenset("""
    relu relu6 leakyrelu rrelu elu selu celu gelu silu swish mish tanh sigmoid hardtanh
    hardswish hardsilu hardsigmoid hardshrink softshrink tanhshrink softplus softsign
    logsigmoid threshold softmax softmax2d logsoftmax softmin identity linear exponential
    sparseplus sparsemax squareplus
""".split())
ACTIVATION_ALIASES = {"hardsilu": "hardswish"}  # the same function under another name
WITH_PARAMETERS = {"prelu": "prelu"}  # activations that learn weights: their own layer kind


def activation_name(function: object) -> str:
    """The canonical name of a known activation; a :class:`SpecError` otherwise."""
    if not isinstance(function, str):
        raise SpecError(f"activation must be a name such as relu, got {quote(function)}")
    key = function.strip().lower().replace("_", "").replace("-", "")
    if key in WITH_PARAMETERS:
        raise SpecError(f"{function} has parameters: use the layer kind "
                        f"{WITH_PARAMETERS[key]} (for example {WITH_PARAMETERS[key]}(channels))")
    if key not in ACTIVATIONS:
        raise SpecError(f"unknown activation {quote(function)}{suggest(key, ACTIVATIONS)}; "
                        f"known: {', '.join(sorted(ACTIVATIONS))}")
    return ACTIVATION_ALIASES.get(key, key)


def _fraction(text: str) -> Fraction:
    """A decimal text as a Fraction, its size bounded (``1e999999999`` is refused)."""
    text = text.strip().lower()
    mantissa, _, exponent = text.partition("e")
    if len(text) > 80 or exponent and not (exponent.lstrip("+-").isdecimal()
                                           and exponent.isascii() and abs(int(exponent)) <= 60):
        raise ValueError(text)
    return Fraction(text)


@register("activation")
@dataclass(frozen=True)
class Activation(Layer):
    """An element-wise activation without weights (``relu``, ``tanh`` …; the list is
    :data:`ACTIVATIONS`): shape unchanged.  PReLU learns weights: see ``prelu``."""

    kind = "activation"
    prefix = "activation"

    function: str = "relu"

    def __post_init__(self) -> None:
        self._check_options()
        object.__setattr__(self, "function", activation_name(self.function))

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape


PAD_MODES = ("zeros", "reflect", "replicate", "circular")


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


