"""Normalization layers."""

from __future__ import annotations

from dataclasses import dataclass

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
    letters = {"B": lambda i, spatial: {}}

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape

    def weights(self, in_shape: Shape) -> tuple[Weight, ...]:
        c = (in_shape.channels,)
        return (Weight("gamma", c), Weight("beta", c),
                Weight("running_mean", c, trainable=False, conventions=("keras",)),
                Weight("running_var", c, trainable=False, conventions=("keras",)))
