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
