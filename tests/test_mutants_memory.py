"""memory.py, written from reading the module (mutation testing, docs/testing.md).

Expected values are the published formulas written out here: ZeRO (Rajbhandari et al.
2020, Section 3.1) counts 2 bytes of fp16 weights, 2 of fp16 gradients and K = 12 of
fp32 optimizer state (master weights, momentum, variance) a parameter for mixed-precision
Adam, 16 bytes in all (120 GB for 7.5B parameters); in plain fp32 a parameter has 4
bytes of weight, 4 of gradient and 4 per optimizer state.  Korthikanti et al. 2022,
Section 4: a transformer layer keeps s b h (34 + 5 a s / h) bytes at 16-bit, 34 s b h
with selective recomputation, 2 s b h (its input) with full recomputation."""

import pytest
import sympy as sp

from symparams import SpecError
from symparams.algebra.memory import (OPTIMIZERS, PRECISIONS, RECOMPUTE, SOURCES, model_states,
                                      transformer_activations)

P, T = sp.symbols("P T", positive=True, integer=True)
s, b, h, a = sp.symbols("s b h a", positive=True, integer=True)

# bytes a parameter: (weights, gradients, optimizer) for (optimizer, precision), by hand
ZERO = {
    ("sgd", "fp32"): (4, 4, 0), ("momentum", "fp32"): (4, 4, 4),
    ("adam", "fp32"): (4, 4, 8), ("adamw", "fp32"): (4, 4, 8),
    ("sgd", "mixed"): (2, 2, 4), ("momentum", "mixed"): (2, 2, 8),
    ("adam", "mixed"): (2, 2, 12), ("adamw", "mixed"): (2, 2, 12),
}


@pytest.mark.parametrize("optimizer, precision", sorted(ZERO))
def test_model_states_per_parameter(optimizer, precision):
    w, g, o = ZERO[(optimizer, precision)]
    got = model_states(P, optimizer, precision)
    assert set(got) == {"weights", "gradients", "optimizer", "total"}
    assert got["weights"] == w * P and got["gradients"] == g * P
    assert got["optimizer"] == o * P and got["total"] == (w + g + o) * P
    assert list(got) == ["weights", "gradients", "optimizer", "total"]


@pytest.mark.parametrize("optimizer, precision", sorted(ZERO))
def test_frozen_parameters_have_weights_only(optimizer, precision):
    # only the T trainable parameters have gradients and optimizer state (and master
    # weights in mixed precision, which are part of ZeRO's K = 12)
    w, g, o = ZERO[(optimizer, precision)]
    got = model_states(P, optimizer, precision, trainable=T)
    assert got["weights"] == w * P and got["gradients"] == g * T
    assert got["optimizer"] == o * T and sp.expand(got["total"] - (w * P + (g + o) * T)) == 0
    numbers = model_states(1000, optimizer, precision, trainable=10)
    assert numbers["total"] == w * 1000 + (g + o) * 10
    assert model_states(1000, optimizer, precision, trainable=0)["total"] == w * 1000


def test_the_defaults_and_the_papers_example():
    assert model_states(P)["total"] == 16 * P  # adam, fp32: 4 + 4 + 8
    assert model_states(P, "sgd")["total"] == 8 * P
    assert model_states(P, precision="mixed")["total"] == 16 * P
    assert model_states(P, "sgd", precision="mixed")["total"] == 8 * P
    assert model_states(7_500_000_000, "adam", "mixed")["total"] == 120 * 10 ** 9  # 120 GB
    assert model_states(7_500_000_000, "adam", "mixed")["optimizer"] == 12 * 7_500_000_000
    assert OPTIMIZERS == {"sgd": 0, "momentum": 1, "adam": 2, "adamw": 2}
    assert PRECISIONS == ("fp32", "mixed") and RECOMPUTE == ("none", "selective", "full")
    assert SOURCES == {
        "model_states": "Rajbhandari et al. 2020 (ZeRO), Section 3.1",
        "activations": "Korthikanti et al. 2022, Section 4 (tensor and sequence parallelism 1)"}


def test_model_states_refuses_unknown_names():
    with pytest.raises(SpecError) as info:
        model_states(P, "lion")
    assert str(info.value) == "unknown optimizer 'lion'; known: sgd, momentum, adam, adamw"
    with pytest.raises(SpecError) as info:
        model_states(P, "adam", "bf16")
    assert str(info.value) == "unknown precision 'bf16'; known: fp32, mixed"
    with pytest.raises(SpecError) as info:
        model_states(P, "Adam")
    assert "unknown optimizer 'Adam'" in str(info.value)


def test_transformer_activations_follow_korthikanti():
    assert sp.expand(transformer_activations(s, b, h, a) - (34 * s * b * h + 5 * a * s * s * b)) == 0
    assert transformer_activations(s, b, h, a, "none") == transformer_activations(s, b, h, a)
    assert transformer_activations(s, b, h, a, "selective") == 34 * s * b * h
    assert transformer_activations(s, b, h, a, "full") == 2 * s * b * h
    # GPT-3 175B (the paper's Table 3 model): s = 2048, h = 12288, a = 96, b = 1:
    # 34 + 5 * 96 * 2048 / 12288 = 34 + 80 = 114 bytes per s b h
    assert transformer_activations(2048, 1, 12288, 96) == 2048 * 12288 * 114
    assert transformer_activations(2048, 4, 12288, 96, "selective") == 34 * 2048 * 4 * 12288
    assert transformer_activations(2048, 4, 12288, 96, "full") == 2 * 2048 * 4 * 12288
    # a fraction 5 a s / h that is not whole is kept exact (plain ints gave the float
    # 1520.0000000000002: 5 * 1 * 10 / 3 was Python's true division)
    got = transformer_activations(10, 1, 3, 1)
    assert got == 10 * 3 * sp.Rational(34 * 3 + 50, 3) == 1520 and got.is_Integer
    got = transformer_activations(7, 1, 3, 1)
    assert got == 7 * 3 * sp.Rational(34 * 3 + 35, 3) == 959 and got.is_Integer
    assert transformer_activations(1, 1, 3, 1, "full").is_Integer
    with pytest.raises(SpecError) as info:
        transformer_activations(s, b, h, a, "partial")
    assert str(info.value) == "unknown recomputation 'partial'; known: none, selective, full"
