"""Normalization layers."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import sympy as sp

from symparams.core.working import Step, integer, mul, num
from symparams.core.errors import NotSupportedError, SpecError
from symparams.core.layer import Layer, Weight, hyper, register
from symparams.core.shape import Shape, brief


@register("batchnorm")
@dataclass(frozen=True)
class BatchNorm(Layer):
    """Batch normalization over the channels (the features of a vector).

    ``gamma`` and ``beta`` are trainable (2C); the running mean and variance (2C)
    are non-trainable: Keras counts them as parameters, PyTorch keeps them as
    buffers.  The derivation's ``convention`` decides.
    """

    kind = "batchnorm"
    prefix = "batchnorm"
    keeps_shape = True
    letters = {"B": lambda i, spatial: {}}

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """Normalise, then scale and shift: 2 per element."""
        return 2 * out_shape.size()

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        c = (in_shape.channels,)
        return (Weight("gamma", c), Weight("beta", c),
                Weight("running_mean", c, trainable=False, conventions=("keras",)),
                Weight("running_var", c, trainable=False, conventions=("keras",)))

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = ("BatchNorm1d", "BatchNorm2d", "BatchNorm3d")

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        if not m.affine:
            return "affine=False (no parameters) is not supported"
        return dict(ndim=int(type(m).__name__[-2]), num_features=m.num_features)

    @classmethod
    def torch_input_ranks(cls, options: dict[str, Any]) -> tuple[int, ...] | None:
        # BatchNorm1d normalises a vector (N, C) or a sequence (N, C, L)
        return (0, 1) if options["ndim"] == 1 else (options["ndim"],)

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "BatchNorm":
        return cls()

    def to_torch(self, nn: Any, row: Any) -> Any:
        return getattr(nn, f"BatchNorm{max(row.input_shape.rank, 1)}d")(int(row.input_shape.channels))

    # -- worked solution -------------------------------------------------------------
    def worked_params(self, row: Any, convention: str) -> list[Step] | None:
        c = integer(row.input_shape.channels)
        steps = [Step(row.name, "trainable parameters (scale and shift)", r"2 \times c",
                      "$c$ channels", mul(2, c), integer(row.trainable))]
        if convention == "keras":
            steps.append(Step(row.name, "non-trainable parameters (running mean and variance)",
                              r"2 \times c", "$c$ channels", mul(2, c), integer(row.non_trainable)))
        return steps




@dataclass(frozen=True)
class _FeatureNorm(Layer):
    """A normalization of each position's (or pixel's) features, with a learned scale
    ``gamma`` (``affine``) and shift ``beta`` (``bias``) per feature."""

    keeps_shape = True
    has_shift: ClassVar[bool] = True

    affine: bool = field(default=True, kw_only=True)
    bias: bool = field(default=True, kw_only=True)

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """Normalise, then scale (and shift): 2 per element with weights, 1 without."""
        return (2 if self.affine else 1) * out_shape.size()

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        if not self.affine:
            return ()
        c = (in_shape.channels,)
        return (Weight("gamma", c),) + ((Weight("beta", c),) if self.bias and self.has_shift
                                        else ())

    def worked_params(self, row: Any, convention: str) -> list[Step] | None:
        count = len(row.weights)
        c = integer(row.input_shape.channels)
        what = "parameters (scale and shift)" if count == 2 else "parameters (scale)"
        return [Step(row.name, what, r"2 \times c" if count == 2 else "c", "$c$ features",
                     mul(count, c) if count == 2 else num(c), integer(row.trainable))]

    # -- PyTorch ---------------------------------------------------------------------
    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        shape = tuple(m.normalized_shape)
        if len(shape) != 1:
            return (f"normalized_shape {shape}: only the last axis (one size, the features) "
                    "is supported")
        affine = bool(m.elementwise_affine)
        return {"affine": affine, "bias": affine and getattr(m, "bias", None) is not None,
                "in_channels": shape[0]}

    @classmethod
    def torch_input_ranks(cls, options: dict[str, Any]) -> tuple[int, ...] | None:
        return None

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "Layer":
        return cls(affine=o["affine"], bias=o["bias"]) if cls.has_shift else cls(affine=o["affine"])


@register("layernorm")
@dataclass(frozen=True)
class LayerNorm(_FeatureNorm):
    """Layer normalization over the features (the last axis): PyTorch's
    ``nn.LayerNorm(d)`` and Keras' ``LayerNormalization``, ``2d`` parameters (``d`` without
    the shift: ``bias=false``; none with ``affine=false``)."""

    kind = "layernorm"
    prefix = "layernorm"
    letters = {"LN": lambda i, spatial: {}}
    torch_modules = ("LayerNorm",)

    def to_torch(self, nn: Any, row: Any) -> Any:
        return nn.LayerNorm(int(row.input_shape.channels), elementwise_affine=self.affine,
                            bias=self.bias)


@register("rmsnorm")
@dataclass(frozen=True)
class RMSNorm(_FeatureNorm):
    """Root-mean-square normalization (Llama, Mistral): a scale per feature, no shift;
    PyTorch's ``nn.RMSNorm(d)``, ``d`` parameters."""

    kind = "rmsnorm"
    prefix = "rmsnorm"
    has_shift = False
    torch_modules = ("RMSNorm",)

    bias: bool = field(default=False, kw_only=True)

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.bias:
            raise SpecError("rmsnorm has no shift (bias); use layernorm")

    def to_torch(self, nn: Any, row: Any) -> Any:
        return nn.RMSNorm(int(row.input_shape.channels), elementwise_affine=self.affine)


@register("groupnorm")
@dataclass(frozen=True)
class GroupNorm(_FeatureNorm):
    """Group normalization: channels in ``groups`` groups, a scale and shift per channel
    (PyTorch's ``nn.GroupNorm(groups, C)``, Keras' ``GroupNormalization(groups)``)."""

    kind = "groupnorm"
    prefix = "groupnorm"
    positional = ("groups",)
    torch_modules = ("GroupNorm",)

    groups: Any = hyper("number of groups", default=1)

    def conditions(self, in_shape: Shape) -> list[tuple[sp.Basic, str]]:
        return [(sp.Eq(sp.Mod(in_shape.channels, self.groups), 0),
                 f"groups ({brief(self.groups)}) must divide the channels "
                 f"({brief(in_shape.channels)})")]

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        return {"groups": m.num_groups, "affine": bool(m.affine), "bias": bool(m.affine),
                "in_channels": m.num_channels}

    @classmethod
    def from_torch(cls, o: dict[str, Any], names: Any) -> "GroupNorm":
        return cls(groups=o["groups"], affine=o["affine"], bias=o["bias"])

    def to_torch(self, nn: Any, row: Any) -> Any:
        if self.affine and not self.bias:
            raise NotSupportedError("PyTorch's GroupNorm has a shift whenever it has a scale")
        return nn.GroupNorm(int(self.groups), int(row.input_shape.channels), affine=self.affine)
