"""Element-wise activations without weights (PReLU, which learns weights, is in prelu.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from symparams.core.errors import NotSupportedError, SpecError, quote
from symparams.core.layer import Layer, register, suggest
from symparams.core.shape import Shape

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

# PyTorch's activation modules (their lower-case names are ours) and the torch,
# torch.nn.functional and Tensor functions read as activations in a traced graph.
TORCH_CLASSES = ("ReLU", "ReLU6", "LeakyReLU", "RReLU", "ELU", "SELU", "CELU", "GELU", "SiLU",
                 "Mish", "Tanh", "Sigmoid", "Hardtanh", "Hardswish", "Hardsigmoid", "Hardshrink",
                 "Softshrink", "Tanhshrink", "Softplus", "Softsign", "LogSigmoid", "Threshold",
                 "Softmax", "Softmax2d", "LogSoftmax", "Softmin", "Identity")
TORCH_FUNCTIONS = {
    "relu": "relu", "relu_": "relu", "relu6": "relu6", "leaky_relu": "leakyrelu", "elu": "elu",
    "selu": "selu", "celu": "celu", "gelu": "gelu", "silu": "silu", "mish": "mish",
    "tanh": "tanh", "sigmoid": "sigmoid", "hardtanh": "hardtanh", "hardswish": "hardswish",
    "hardsigmoid": "hardsigmoid", "softplus": "softplus", "softsign": "softsign",
    "logsigmoid": "logsigmoid", "softmax": "softmax", "log_softmax": "logsoftmax",
    "softmin": "softmin", "tanhshrink": "tanhshrink",
}


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


@register("activation")
@dataclass(frozen=True)
class Activation(Layer):
    """An element-wise activation without weights (``relu``, ``tanh`` …; the list is
    :data:`ACTIVATIONS`): shape unchanged.  PReLU learns weights: see ``prelu``."""

    kind = "activation"
    prefix = "activation"
    keeps_shape = True
    letters = {"A": lambda i, spatial: {}}
    positional = ("function",)
    word_kinds = WITH_PARAMETERS  # A(prelu): PyTorch's nn.PReLU(), one parameter

    function: str = "relu"

    def __post_init__(self) -> None:
        self._check_options()
        object.__setattr__(self, "function", activation_name(self.function))

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape

    def elementwise(self, in_shapes: tuple[Shape, ...], out_shape: Shape) -> sp.Expr:
        """One per element."""
        return out_shape.size()

    # -- PyTorch ---------------------------------------------------------------------
    torch_modules = TORCH_CLASSES
    torch_functions = tuple(TORCH_FUNCTIONS)

    @classmethod
    def torch_read(cls, m: Any) -> dict[str, Any] | str:
        name = type(m).__name__
        if name == "Softmax2d":
            return {"function": "softmax2d", "ndim": 2}
        return {"function": name.lower()}

    @classmethod
    def torch_read_call(cls, name: str, args: tuple, kwargs: dict) -> dict[str, Any] | str:
        return {"function": TORCH_FUNCTIONS[name]}

    def to_torch(self, nn: Any, row: Any) -> Any:
        name = self.function.lower()
        name = {"swish": "silu", "linear": "identity"}.get(name, name)
        classes = {c.lower(): c for c in TORCH_CLASSES}
        if name not in classes:
            raise NotSupportedError(f"layer {row.index} ({row.name}): no PyTorch module for "
                                    f"activation {self.function!r}; known: "
                                    f"{', '.join(sorted(classes))}")
        module = getattr(nn, classes[name])
        return module(dim=1) if name in ("softmax", "logsoftmax", "softmin") else module()

