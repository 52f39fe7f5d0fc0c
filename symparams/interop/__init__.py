"""Bridges to training frameworks.  Each bridge imports its framework lazily, so
``import symparams`` works without them.

>>> from symparams.interop import from_torch, to_torch  # torch is imported on first call
"""

from __future__ import annotations

from typing import Any

from symparams.core.provided import provide


def from_torch(module: Any, input_shape: Any, symbolize: Any = None) -> Any:
    """A :class:`~symparams.Network` from a PyTorch module; see :mod:`symparams.interop.torch`."""
    from symparams.interop.torch import from_torch as impl

    return impl(module, input_shape, symbolize=symbolize)


def to_torch(network: Any, *, device: Any = "cpu", **values: Any) -> Any:
    """An ``nn.Sequential`` equal to ``network`` for the given values; see :mod:`symparams.interop.torch`."""
    from symparams.interop.torch import to_torch as impl

    return impl(network, device=device, **values)


provide("to_torch")(to_torch)


__all__ = ["from_torch", "to_torch"]
