"""Max and average pooling, windowed and global."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.errors import SpecError, quote
from symparams.core.framework import axes_of, ints, one_value, padded, per_axis_ints, same_pads
from symparams.core.working import Step, axis_steps, axis_value, integer, window_term
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

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """One comparison (max) or addition (average) per window element."""
        k = self.per_axis(self.size, in_shapes[0].rank, "pool size")
        return out_shape.size() * sp.Mul(*k)

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = tuple(f"{mode}Pool{d}d" for mode in ("Max", "Avg") for d in (1, 2, 3))
    torch_functions = tuple(f"{mode}_pool{d}d" for mode in ("max", "avg") for d in (1, 2, 3))

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        name = type(m).__name__
        ndim = int(name[-2])
        if name.startswith("Max"):
            if any(d != 1 for d in axes_of(m.dilation)):
                return "dilation other than 1 is not supported for pooling"
            if m.return_indices:
                return "return_indices=True returns a tuple"
        k = per_axis_ints(m.kernel_size, ndim)
        s = per_axis_ints(m.stride, ndim) if m.stride else k
        return dict(ndim=ndim, mode=name[:3].lower(), size=one_value(k),
                    stride=None if s == k else one_value(s),
                    padding=one_value(axes_of(m.padding)), ceil_mode=bool(m.ceil_mode))

    @classmethod
    def torch_read_call(cls, name: str, args: tuple, kwargs: dict) -> dict[str, Any] | str:
        """``F.max_pool2d(x, 3, stride=2)`` and ``F.avg_pool2d``: the module's options."""
        names = ("kernel_size", "stride", "padding") + (
            ("dilation", "ceil_mode", "return_indices") if name.startswith("max")
            else ("ceil_mode", "count_include_pad", "divisor_override"))
        given = {**dict(zip(names, args)), **kwargs}
        ndim = int(name[-2])
        values = [given.get(key) for key in ("kernel_size", "stride", "padding")]
        if any(v is not None and not all(isinstance(x, int) for x in axes_of(v)) for v in values):
            return "sizes that are not numbers"
        if given.get("dilation", 1) not in (1, (1,) * ndim) or given.get("return_indices"):
            return "dilation or return_indices is not supported"
        k = per_axis_ints(given.get("kernel_size"), ndim)
        stride = given.get("stride")
        s = per_axis_ints(stride, ndim) if stride else k
        return dict(ndim=ndim, mode=name[:3], size=one_value(k),
                    stride=None if s == k else one_value(s),
                    padding=one_value(axes_of(given.get("padding", 0))),
                    ceil_mode=bool(given.get("ceil_mode", False)))

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "Pool":
        return cls(names("kernel", o["size"], "q"),
                   stride=names("stride", o["stride"], "s", index=None),
                   padding=names("padding", o["padding"], "p", index=None),
                   ceil_mode=o["ceil_mode"], mode=o["mode"], ndim=o["ndim"])

    def to_torch(self, nn: Any, row: Any) -> Any:
        rank = row.input_shape.rank
        k = ints(self.per_axis(self.size, rank, ""))
        s = k if self.stride is None else ints(self.per_axis(self.stride, rank, ""))
        module = getattr(nn, f"{self.mode.capitalize()}Pool{rank}d")
        if self.padding == "same":
            pool = module(k, s, 0, ceil_mode=self.ceil_mode)
            fill = float("-inf") if self.mode == "max" else 0.0
            return padded(nn, row, pool, same_pads(row, k, s, (1,) * rank), fill)
        p = (0,) * rank if self.padding == "valid" else ints(self.per_axis(self.padding, rank, ""))
        return module(k, s, p, ceil_mode=self.ceil_mode)

    # -- worked solution -------------------------------------------------------------
    def worked_sizes(self, row: Any) -> list[Step]:
        rank = row.input_shape.rank

        def term(axis: int, n: int, out: int):
            at = lambda v: integer(axis_value(v, rank, axis))  # noqa: E731
            padding = self.padding if isinstance(self.padding, str) else at(self.padding)
            k = at(self.size)
            s = k if self.stride is None else at(self.stride)
            return window_term(n, out, k=k, s=s, padding=padding, ceil_mode=self.ceil_mode,
                               pool=True)

        return axis_steps(row, term)



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

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """One per input element."""
        return in_shapes[0].size()

    # -- PyTorch: AdaptiveAvgPool2d(1) then flatten (see AdaptivePool), or a mean ------
    torch_functions = ("mean",)

    @classmethod
    def torch_read_call(cls, name: str, args: tuple, kwargs: dict) -> dict[str, Any] | str:
        dims = args[0] if args else kwargs.get("dim")
        keep = args[1] if len(args) > 1 else kwargs.get("keepdim", False)
        dims = tuple(axes_of(dims)) if dims is not None else ()
        if not keep and dims in ((2,), (2, 3), (2, 3, 4)):
            return {"mode": "avg", "ndim": len(dims)}
        return "only a mean over every spatial axis (dim=(2, 3)) is supported"

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "GlobalPool":
        return cls(o["mode"])

    def to_torch(self, nn: Any, row: Any) -> Any:
        pool = getattr(nn, f"Adaptive{self.mode.capitalize()}Pool{row.input_shape.rank}d")(1)
        return nn.Sequential(pool, nn.Flatten())



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

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """About one per input element (windows overlap at most by one)."""
        return in_shapes[0].size()

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = tuple(f"Adaptive{mode}Pool{d}d" for mode in ("Avg", "Max") for d in (1, 2, 3))
    torch_functions = tuple(f"adaptive_{mode}_pool{d}d" for mode in ("avg", "max")
                            for d in (1, 2, 3))

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        name = type(m).__name__
        if getattr(m, "return_indices", False):
            return "return_indices=True returns a tuple"
        if any(v is None for v in axes_of(m.output_size)):
            return f"output_size {m.output_size}: None (keep the input size) is not supported"
        return dict(mode=name[8:11].lower(), ndim=int(name[-2]),
                    size=one_value(axes_of(m.output_size)))

    @classmethod
    def torch_read_call(cls, name: str, args: tuple, kwargs: dict) -> dict[str, Any] | str:
        size = args[0] if args else kwargs.get("output_size")
        if not isinstance(size, (int, tuple, list)) or any(
                not isinstance(v, int) or isinstance(v, bool) for v in axes_of(size)):
            return f"output_size {size!r} is not numbers"
        return dict(mode="avg" if "avg" in name else "max", ndim=int(name[-2]),
                    size=one_value(axes_of(size)))

    @classmethod
    def torch_before_flatten(cls, o: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        if set(axes_of(o["size"])) == {1}:  # one value per channel: a global pooling
            return "globalpool", {"mode": o["mode"], "ndim": o["ndim"]}
        return None

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "AdaptivePool":
        return cls(o["size"], mode=o["mode"])

    def to_torch(self, nn: Any, row: Any) -> Any:
        rank = row.input_shape.rank
        size = ints(self.per_axis(self.size, rank, ""))
        return getattr(nn, f"Adaptive{self.mode.capitalize()}Pool{rank}d")(size)

