"""The memory of training, as formulas with their sources.

``model_states``: weights, gradients and optimizer state for ``P`` parameters
(Rajbhandari et al. 2020, ZeRO, Section 3.1: mixed-precision Adam keeps ``2P`` bytes of
fp16 weights, ``2P`` of fp16 gradients and ``12P`` of fp32 optimizer state, master
weights, momentum and variance: ``16P``, 120 GB for 7.5B parameters).
``transformer_activations``: the activations a transformer layer keeps for the backward
pass, in bytes at 16-bit (Korthikanti et al. 2022, "Reducing Activation Recomputation in
Large Transformer Models", Section 4: ``s b h (34 + 5 a s / h)`` per layer without
recomputation; ``34 s b h`` with selective recomputation of the attention; ``2 s b h``,
the layer's input, with full recomputation).
"""

from __future__ import annotations

import sympy as sp

from symparams.core.errors import SpecError, quote

OPTIMIZERS = {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
"""fp32 numbers of optimizer state per parameter (momentum; Adam's two moments)."""
PRECISIONS = ("fp32", "mixed")
RECOMPUTE = ("none", "selective", "full")

SOURCES = {
    "model_states": "Rajbhandari et al. 2020 (ZeRO), Section 3.1",
    "activations": "Korthikanti et al. 2022, Section 4 (tensor and sequence parallelism 1)",
}


def model_states(params: sp.Expr, optimizer: str = "adam", precision: str = "fp32",
                 trainable: sp.Expr | None = None) -> dict[str, sp.Expr]:
    """Bytes of ``weights``, ``gradients``, ``optimizer`` state and their ``total`` for
    ``params`` parameters, of which ``trainable`` (all, by default) have gradients and
    optimizer state.

    >>> model_states(sp.Symbol("P"), "adam", "mixed")["total"]
    16*P
    """
    if optimizer not in OPTIMIZERS:
        raise SpecError(f"unknown optimizer {quote(optimizer)}; known: {', '.join(OPTIMIZERS)}")
    if precision not in PRECISIONS:
        raise SpecError(f"unknown precision {quote(precision)}; known: {', '.join(PRECISIONS)}")
    states = OPTIMIZERS[optimizer]
    learned = params if trainable is None else trainable
    if precision == "fp32":
        parts = {"weights": 4 * params, "gradients": 4 * learned,
                 "optimizer": 4 * states * learned}
    else:  # fp16 weights and gradients; fp32 master weights and optimizer state
        parts = {"weights": 2 * params, "gradients": 2 * learned,
                 "optimizer": 4 * learned + 4 * states * learned}
    parts["total"] = sp.Add(*parts.values())
    return parts


def transformer_activations(seq: sp.Expr, batch: sp.Expr, width: sp.Expr, heads: sp.Expr,
                            recompute: str = "none") -> sp.Expr:
    """Bytes of activations one transformer layer keeps, at 16-bit (Korthikanti et al.)."""
    if recompute not in RECOMPUTE:
        raise SpecError(f"unknown recomputation {quote(recompute)}; known: {', '.join(RECOMPUTE)}")
    seq, batch, width, heads = (sp.sympify(v) for v in (seq, batch, width, heads))  # exact for ints
    sbh = seq * batch * width
    if recompute == "full":
        return 2 * sbh
    if recompute == "selective":
        return 34 * sbh
    return sbh * (34 + 5 * heads * seq / width)
