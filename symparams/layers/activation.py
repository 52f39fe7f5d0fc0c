"""Element-wise activations without weights (PReLU, which learns weights, is in prelu.py)."""

from __future__ import annotations

from dataclasses import dataclass

from symparams.core.errors import SpecError, quote
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
    letters = {"A": lambda i, spatial: {}}
    positional = ("function",)
    word_kinds = WITH_PARAMETERS  # A(prelu): PyTorch's nn.PReLU(), one parameter

    function: str = "relu"

    def __post_init__(self) -> None:
        self._check_options()
        object.__setattr__(self, "function", activation_name(self.function))

    def output_shape(self, in_shape: Shape) -> Shape:
        return in_shape
