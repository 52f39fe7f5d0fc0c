"""The network input."""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from symparams.core.errors import SpecError
from symparams.core.layer import Layer, hyper, register
from symparams.core.shape import AXIS_NAMES, Shape


@register("input")
@dataclass(frozen=True)
class Input(Layer):
    """The input: sizes channels-last, as in Keras.

    ``Input((28, 28, 1))`` is a 28×28 image with one channel; ``Input((784,))`` a
    vector; ``Input((100, 3))`` a 1-D sequence of length 100 with 3 channels;
    four values are a 3-D volume.
    """

    kind = "input"
    prefix = "input"
    letters = {"I": lambda i, spatial: {"shape": ("n", "n", "l") if spatial else ("n",)}}
    positional = ("shape",)
    source = True

    shape: tuple = hyper("input size", per_axis=True)
    sequence: bool = False
    """Two sizes ``T × d`` are a sequence of ``T`` positions with ``d`` features each
    (embeddings), not a 1-D signal with channels: dense layers act on each position.
    One size ``T`` is a sequence of token ids (for an embedding)."""

    def __post_init__(self) -> None:
        shape = tuple(self.shape) if isinstance(self.shape, (tuple, list)) else (self.shape,)
        if not 1 <= len(shape) <= 4:
            raise SpecError(f"input takes 1 to 4 sizes (spatial sizes, then channels), "
                            f"got {len(shape)}")
        object.__setattr__(self, "shape", shape)
        super().__post_init__()
        if self.sequence and len(shape) > 2:
            raise SpecError(f"a sequence input has one size, its length (token ids: I(T)), or "
                            f"two, its length and its features (T x d), got {len(shape)}")

    def output_shape(self, in_shape: Shape | None = None) -> Shape:
        *spatial, channels = self.shape
        return Shape(tuple(spatial), channels, self.sequence and bool(spatial))

    def hyperparameters(self):
        """Each size with its own role, so errors say "input height" rather than "input size"."""
        *spatial, channels = self.shape
        if self.sequence:
            yield "shape", "sequence length", False, spatial[0] if spatial else channels
            if spatial:
                yield "shape", "features per position", False, channels
            return
        names = AXIS_NAMES.get(len(spatial), ())
        for value, axis in zip(spatial, names):
            yield "shape", f"input {axis}", False, value
        yield "shape", "input channels" if spatial else "input size", False, channels

    def roles(self) -> list[tuple[sp.Expr, str]]:
        """(value, role) of each size: ``(n, "input height and width")`` …"""
        *spatial, channels = self.shape
        if self.sequence and not spatial:
            return [(channels, "sequence length (token ids)")]
        if self.sequence:
            return [(spatial[0], "sequence length"), (channels, "features per position")]
        if not spatial:
            return [(channels, "input size")]
        groups: dict[sp.Expr, list[str]] = {}
        for value, axis in zip(spatial, AXIS_NAMES[len(spatial)]):
            groups.setdefault(value, []).append(axis)
        roles = [(v, "input " + _join(axes)) for v, axes in groups.items()]
        return roles + [(channels, "input channels")]


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]
