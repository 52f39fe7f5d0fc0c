"""An independent integer reference for the tests: plain Python arithmetic written
from the PyTorch and Keras documentation, sharing no code with symparams."""

from __future__ import annotations

import math


def conv_size(n: int, k: int, s: int = 1, p: int = 0, d: int = 1) -> int:
    """torch.nn.Conv2d docs: floor((n + 2p - d(k-1) - 1)/s + 1)."""
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def same_size(n: int, s: int) -> int:
    """Keras 'same' padding: ceil(n / s)."""
    return -(-n // s)


def pool_size(n: int, k: int, s: int | None = None, p: int = 0, ceil_mode: bool = False) -> int:
    """ATen pooling_output_shape: ceil_mode rounds up, but the last window must start
    inside the input or the left padding."""
    s = k if s is None else s
    numerator = n + 2 * p - (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    out = numerator // s + 1
    if ceil_mode and (out - 1) * s >= n + p:
        out -= 1
    return out


def conv_params(c_in: int, c_out: int, kernel: tuple[int, ...], groups: int = 1,
                bias: bool = True) -> int:
    return math.prod(kernel) * (c_in // groups) * c_out + (c_out if bias else 0)


def dense_params(n_in: int, units: int, bias: bool = True) -> int:
    return n_in * units + (units if bias else 0)


def zero_padding_size(n: int, z: int) -> int:
    """torch.nn.ZeroPad2d / Keras ZeroPadding2D: z zeros on both sides."""
    return n + 2 * z


def batchnorm_params(c: int, convention: str) -> tuple[int, int]:
    """(trainable, non-trainable) of a batch normalisation over c channels.

    PyTorch's BatchNorm has weight and bias (2c parameters); its running mean and
    variance are buffers.  Keras' BatchNormalization counts gamma and beta as trainable
    and moving_mean and moving_variance as non-trainable parameters (2c + 2c).
    """
    return 2 * c, (2 * c if convention == "keras" else 0)


class Refused(Exception):
    """PyTorch would refuse the network at layer ``index`` (1-based)."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"layer {index}: {reason}")
        self.index = index
        self.reason = reason


class Inexact(Refused):
    """A division assumed exact (``assume_divisible``) is not."""


def network(spatial: tuple[int, ...], channels: int, layers, convention: str = "pytorch",
            exact: bool = False) -> list[tuple[tuple[int, ...], int, int]]:
    """``(output sizes channels-last, trainable, non-trainable)`` of every layer of a
    sequential network, or :class:`Refused` at the first layer PyTorch refuses.

    ``layers`` are ``(kind, options)`` with numbers only: ``conv`` (filters, kernel,
    stride, padding (a tuple or ``"same"``), dilation: tuples of one int per axis; groups,
    bias), ``pool`` (kernel, stride, padding, ceil, mode), ``zeropad`` (padding),
    ``bn``, ``act``, ``dropout``, ``flatten``, ``global``, ``dense`` (units, bias).
    The rules, from the PyTorch documentation: groups divide both channel counts; the
    dilated kernel fits in the padded input (output size at least 1); pooling padding
    is at most half the window and the output has at least one window; AvgPool3d also
    wants every input size at least the window ("input image smaller than kernel size").
    ``exact=True`` also refuses a window size whose division by the stride is inexact.
    """
    rows = []
    sizes, c = tuple(spatial), channels
    for i, (kind, o) in enumerate(layers, 1):
        trainable = frozen = 0
        if kind == "conv":
            if c % o["groups"] or o["filters"] % o["groups"]:
                raise Refused(i, "groups must divide the input channels and the filters")
            if o["padding"] == "same":
                if exact and any(n % s for n, s in zip(sizes, o["stride"])):
                    raise Inexact(i, "stride does not divide the size")
                new = tuple(same_size(n, s) for n, s in zip(sizes, o["stride"]))
            else:
                axes = list(zip(sizes, o["kernel"], o["stride"], o["padding"], o["dilation"]))
                if any(n + 2 * p < d * (k - 1) + 1 for n, k, s, p, d in axes):
                    raise Refused(i, "the dilated kernel is larger than the padded input")
                if exact and any((n + 2 * p - d * (k - 1) - 1) % s for n, k, s, p, d in axes):
                    raise Inexact(i, "stride does not divide the span")
                new = tuple(conv_size(*a) for a in axes)
            trainable = conv_params(c, o["filters"], o["kernel"], o["groups"], o["bias"])
            sizes, c = new, o["filters"]
        elif kind == "pool":
            axes = list(zip(sizes, o["kernel"], o["stride"], o["padding"]))
            if any(2 * p > k for _, k, _, p in axes):
                raise Refused(i, "pad should be at most half of kernel size")
            if any(pool_size(n, k, s, p, o["ceil"]) < 1 for n, k, s, p in axes):
                raise Refused(i, "output size is too small")
            if o["mode"] == "avg" and len(sizes) == 3 and any(n < k for n, k, _, _ in axes):
                raise Refused(i, "input image smaller than kernel size")
            if exact and any((n + 2 * p - k) % s for n, k, s, p in axes):
                raise Inexact(i, "stride does not divide the span")
            sizes = tuple(pool_size(n, k, s, p, o["ceil"]) for n, k, s, p in axes)
        elif kind == "zeropad":
            sizes = tuple(zero_padding_size(n, z) for n, z in zip(sizes, o["padding"]))
        elif kind == "bn":
            trainable, frozen = batchnorm_params(c, convention)
        elif kind == "flatten":
            sizes, c = (), math.prod(sizes) * c
        elif kind == "global":
            sizes = ()
        elif kind == "dense":
            trainable = dense_params(c, o["units"], o["bias"])
            c = o["units"]
        elif kind not in ("act", "dropout"):
            raise ValueError(f"unknown kind {kind}")
        rows.append(((*sizes, c), trainable, frozen))
    return rows
