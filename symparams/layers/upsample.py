"""Upsampling by an integer factor or to a given size: PyTorch's ``nn.Upsample`` and
``F.interpolate``, Keras' ``UpSampling1D/2D/3D``.  No parameters, whatever the mode.

``scale`` is the factor per axis (Keras calls it ``size``: ``UpSampling2D(size=2)`` is
``upsample(2)``); ``size`` is PyTorch's ``size``, the output's spatial sizes.  Give one
of them.  A factor is a whole number: PyTorch's ``floor(n × 1.5)`` is not supported.

>>> import symparams
>>> symparams.parse("I(n x n x c)-upsample(2)").derive().rows[0].output_shape.dims()
(2*n, 2*n, c)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symparams.core.errors import ShapeError, SpecError, quote
from symparams.core.framework import axes_of, ints, one_value
from symparams.core.layer import Layer, hyper, register, spatial_input, suggest
from symparams.core.shape import Shape
from symparams.core.working import Step, axis_steps, axis_value, integer, mul

MODES = {"nearest": None, "nearest-exact": None, "linear": 1, "bilinear": 2, "bicubic": 2,
         "trilinear": 3, "area": None}
"""PyTorch's interpolation modes and the spatial rank each needs (None: any)."""
KERAS_MODES = {"bilinear": "bilinear", "nearest": "nearest", "bicubic": "bicubic",
               "lanczos3": None, "lanczos5": None}


def _as_factor(value: Any) -> Any:
    """An integer factor from torch's float ``scale_factor`` (2.0 -> 2), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer() and value >= 1:
        return int(value)
    return None


@register("upsample")
@register("upsample1d", ndim=1)
@register("upsample2d", ndim=2)
@register("upsample3d", ndim=3)
@register("upsampling1d", ndim=1)
@register("upsampling2d", ndim=2)
@register("upsampling3d", ndim=3)
@dataclass(frozen=True)
class Upsample(Layer):
    """Each spatial size times ``scale`` (or set to ``size``); the channels stay.

    >>> from symparams import Network
    >>> from symparams.layers import Input
    >>> Network((Input((7, 5, 3)), Upsample(scale=(2, 3)))).derive().rows[0].output_shape.dims()
    (14, 15, 3)
    """

    kind = "upsample"
    prefix = "upsample"
    positional = ("scale",)
    aliases = {"scale_factor": "scale", "f": "scale"}
    spatial = True

    scale: Any = hyper("scale factor", default=None, per_axis=True)
    size: Any = hyper("output size", default=None, per_axis=True)
    mode: str = "nearest"
    ndim: int | None = None

    def __post_init__(self) -> None:
        if isinstance(self.mode, str):
            low = self.mode.strip().lower()
            if low not in MODES:
                raise SpecError(f"upsample: unknown mode {quote(self.mode)}"
                                f"{suggest(low, MODES)}; modes: {', '.join(MODES)}")
            object.__setattr__(self, "mode", low)
        super().__post_init__()
        if (self.scale is None) == (self.size is None):
            raise SpecError("upsample takes a scale factor or an output size (one of them)")

    def resolved_kind(self, in_shape: Shape) -> str:
        return f"upsample{in_shape.rank}d" if in_shape.rank else self.kind

    def output_shape(self, in_shape: Shape) -> Shape:
        spatial_input(self, in_shape)
        need = MODES[self.mode]
        if need is not None and need != in_shape.rank:
            raise ShapeError(f"mode {self.mode} needs a {need}-D input, got "
                             f"{in_shape.rank}-D ({in_shape.brief()})")
        r = in_shape.rank
        if self.size is not None:
            return Shape(self.per_axis(self.size, r, "output size"), in_shape.channels)
        f = self.per_axis(self.scale, r, "scale factor")
        return Shape(tuple(n * fi for n, fi in zip(in_shape.spatial, f)), in_shape.channels)

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = ("Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d")
    torch_functions = ("interpolate", "upsample")

    @classmethod
    def _options(cls, size: Any, scale: Any, mode: str, align: Any = None,
                 recompute: Any = None) -> dict[str, Any] | str:
        if recompute:
            return "recompute_scale_factor=True is not supported"
        if size is not None:
            values = axes_of(size)
            if any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
                return f"size {size!r} is not positive whole numbers"
            return dict(size=one_value(values), mode=mode)
        if scale is None:
            return "neither size nor scale_factor is given"
        factors = tuple(_as_factor(v) for v in axes_of(scale))
        if None in factors:
            return f"scale_factor {scale!r}: only whole factors (2 or 2.0) are supported"
        return dict(scale=one_value(factors), mode=mode)

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        options = cls._options(m.size, m.scale_factor, m.mode,
                               recompute=getattr(m, "recompute_scale_factor", None))
        if isinstance(options, dict) and type(m).__name__ != "Upsample":
            options["ndim"] = 2  # UpsamplingNearest2d, UpsamplingBilinear2d
        if isinstance(options, dict) and MODES.get(m.mode):
            options["ndim"] = MODES[m.mode]
        return options

    @classmethod
    def torch_read_call(cls, name: str, args: tuple, kwargs: dict) -> dict[str, Any] | str:
        keys = ("size", "scale_factor", "mode", "align_corners", "recompute_scale_factor")
        given = {**dict(zip(keys, args)), **kwargs}
        mode = given.get("mode", "nearest")
        if mode not in MODES:
            return f"mode {mode!r} is not supported"
        options = cls._options(given.get("size"), given.get("scale_factor"), mode,
                               recompute=given.get("recompute_scale_factor"))
        if isinstance(options, dict) and MODES.get(mode):
            options["ndim"] = MODES[mode]
        return options

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "Upsample":
        return cls(scale=o.get("scale"), size=o.get("size"), mode=o["mode"])

    def to_torch(self, nn: Any, row: Any) -> Any:
        rank = row.input_shape.rank
        align = False if self.mode in ("linear", "bilinear", "bicubic", "trilinear") else None
        if self.size is not None:
            return nn.Upsample(size=ints(self.per_axis(self.size, rank, "")), mode=self.mode,
                               align_corners=align)
        factors = tuple(float(v) for v in ints(self.per_axis(self.scale, rank, "")))
        return nn.Upsample(scale_factor=factors, mode=self.mode, align_corners=align)

    # -- worked solution -------------------------------------------------------------
    def worked_sizes(self, row: Any) -> list[Step]:
        if self.scale is None:
            return []
        rank = row.input_shape.rank

        def term(axis: int, n: int, out: int):
            f = integer(axis_value(self.scale, rank, axis))
            return r"n \times f", "input size $n$, scale factor $f$", mul(n, f)

        return axis_steps(row, term)
