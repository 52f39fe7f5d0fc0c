"""Normalization layers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symparams.core.working import Step, integer, mul
from symparams.core.layer import Layer, Weight, register
from symparams.core.shape import Shape


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


