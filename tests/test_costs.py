"""Compute and memory (issue 12): MACs against PyTorch's FlopCounterMode, the published
ResNet-50 figure, the scaling-law papers' formulas, and ZeRO's and Korthikanti et al.'s
memory accounting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

import symparams
from symparams.cli import main
from tests.torch_required import examples, require_torch, require_torchvision

ZOO = Path(symparams.__file__).parent / "zoo"


def zoo(stem: str):
    return symparams.load(ZOO / f"{stem}.toml").derive()


def counted_flops(torch, model, x) -> int:
    """FLOPs by PyTorch's FlopCounterMode (2 per multiply–accumulate of convolutions and
    matrix products); attention through the math kernel, whose matrix products it counts."""
    from torch.nn.attention import SDPBackend, sdpa_kernel
    from torch.utils.flop_counter import FlopCounterMode

    with sdpa_kernel(SDPBackend.MATH), FlopCounterMode(display=False) as counter:
        model(x)
    return counter.get_total_flops()


def test_mac_of_a_convolution_is_the_textbook_one():
    d = symparams.parse("I(28x28x1)-C(4,5)").derive()
    assert d.macs == 24 * 24 * 4 * (5 * 5 * 1) == 57_600
    assert d.flops() == 115_200 and d.flops(per_mac=1) == 57_600


def test_resnet50_is_torchvisions_4_09_gmacs():
    """torchvision's table gives ResNet-50 4.09 "GFLOPS", which are MACs."""
    d = zoo("resnet_bottleneck").subs(dict(n=224, L1=3, L2=4, L3=6, L4=3))
    assert round(int(d.macs) / 1e9, 2) == 4.09


def test_resnet50_macs_equal_flop_counter_mode():
    torch = require_torch()
    tv = require_torchvision()
    with torch.device("meta"):
        model = tv.models.resnet50()
        flops = counted_flops(torch, model, torch.zeros(1, 3, 224, 224))
    d = zoo("resnet_bottleneck").subs(dict(n=224, L1=3, L2=4, L3=6, L4=3))
    assert flops == 2 * d.macs


CNN_LAYERS = st.sampled_from([
    "C({c},{k},s={s},p={p})", "C({c},{k},d=2,p={p})", "C({c},1)", "P(2)", "B", "A(relu)",
    "convtranspose({c},{k},s={s})", "Z(1)"])


@st.composite
def cnn_specs(draw):
    layers = []
    for _ in range(draw(st.integers(1, 4))):
        layers.append(draw(CNN_LAYERS).format(c=draw(st.integers(1, 6)), k=draw(st.integers(1, 3)),
                                              s=draw(st.integers(1, 2)), p=draw(st.integers(0, 1))))
    tail = draw(st.sampled_from(["", "-G(avg)-O(3)", "-F-H(5)"]))
    return f"I({draw(st.integers(8, 14))}x{draw(st.integers(8, 14))}x{draw(st.integers(1, 3))})-" \
        + "-".join(layers) + tail


@settings(deadline=None, max_examples=examples(40))
@given(cnn_specs())
def test_macs_of_random_cnns_equal_flop_counter_mode(spec):
    torch = require_torch()
    from symparams.interop import to_torch

    try:
        d = symparams.parse(spec).derive()
    except symparams.SymparamsError:
        return  # an impossible network: no count to compare
    model = to_torch(d)
    shape = tuple(int(v) for v in d.input_shape.channels_first())
    with torch.no_grad():
        assert counted_flops(torch, model, torch.zeros(1, *shape)) == 2 * d.macs, spec


@pytest.mark.parametrize("spec", [
    "I(10 x 16, sequence=true)-MHA(4)",
    "I(10 x 16, sequence=true)-MHA(4, kv=2, key_dim=8, value_dim=6, bias=false)",
    "I(7 x 12, sequence=true)-MHA(6, kv=1)",
    "I(10 x 16, sequence=true)-FF(32)-FF(24, gated=true, bias=false)",
    "I(10 x 16, sequence=true)-encoderlayer(4, 32)",
    "I(10 x 16, sequence=true)-[LN-MHA(2)]+-[LN-FF(64)]+-O(11)",
    "I(9, sequence=true)-E(20, 8)-positions(9)-MHA(2)-O(20)",
])
def test_macs_of_sequence_layers_equal_flop_counter_mode(spec):
    torch = require_torch()
    from symparams.interop import to_torch

    d = symparams.parse(spec).derive()
    model = to_torch(d)  # training mode: the encoder layer's plain (counted) path
    ids = d.input_shape.is_vector
    x = torch.zeros((1, *(int(v) for v in d.input_shape.channels_first())),
                    dtype=torch.long if ids else torch.float32)
    assert counted_flops(torch, model, x) == 2 * d.macs


def test_attention_macs_closed_form():
    """Projections T·d·(hk + 2·h_kv·k) + T·hk·d, scores and weighted sum T²·h·(k + k)."""
    d = symparams.parse("I(T x d, sequence=true)-MHA(h, kv=g)").derive()
    T, dd, h, g = (d.symbols[n] for n in ("T", "d", "h", "g"))
    k = dd / h
    assert sp.simplify(d.macs - (T * dd * (h * k + 2 * g * k) + T * h * k * dd
                                 + T**2 * h * 2 * k)) == 0


@pytest.mark.parametrize("kind, gates", [("rnn", 1), ("lstm", 4), ("gru", 3)])
def test_recurrent_macs_follow_the_equations(kind, gates):
    """PyTorch's equations: each step, G gates of W_ih x + W_hh h (G·h·(x + h) MACs);
    stacked layers read D·h; both directions run."""
    d = symparams.parse(f"I(T x i, sequence=true)-{kind}(h, num_layers=2, "
                        "bidirectional=true)").derive()
    T, i, h = (d.symbols[n] for n in ("T", "i", "h"))
    first = 2 * gates * h * (i + h)
    second = 2 * gates * h * (2 * h + h)
    assert sp.expand(d.macs - T * (first + second)) == 0


def test_gpt2_forward_compute_against_kaplan():
    """Kaplan et al. 2020: forward FLOPs per token ≈ 2N + 2 n_layer n_ctx d_model with N
    the non-embedding parameters (12 L d²). The exact count adds the de-embedding 2Vd
    and the weighted sum of the values 2 L T d (Kaplan counts only the scores)."""
    d = zoo("gpt2")
    T, V, dd, L = (d.symbols[n] for n in ("T", "V", "d", "L"))
    per_token = d.flops() / T
    kaplan = 2 * (12 * L * dd**2) + 2 * L * T * dd
    assert sp.expand(per_token - kaplan - (2 * V * dd + 2 * L * T * dd)) == 0
    small = {T: 1024, V: 50257, dd: 768, L: 12}
    assert 0.6 < float((kaplan / per_token).subs(small)) < 1  # the same order


def test_training_iteration_flops_against_narayanan():
    """Narayanan et al. 2021: 96 B s l h² (1 + s/6h + V/16lh) FLOPs per iteration for GPT
    layers with d_ff = 4h: the transformer layers four forward passes' worth (forward,
    recomputation, backward twice), the output logits three (not recomputed)."""
    d = zoo("gpt2")
    T, V, h, L = (d.symbols[n] for n in ("T", "V", "d", "L"))
    B = sp.Symbol("B", positive=True)
    narayanan = 96 * B * T * L * h**2 * (1 + T / (6 * h) + V / (16 * L * h))
    logits = 2 * d.rows[-1].macs  # the output layer, tied to the embedding
    iteration = B * (4 * (d.flops() - logits) + 3 * logits)
    assert sp.simplify(iteration - narayanan) == 0
    gpt3 = {T: 2048, V: 51200, h: 12288, L: 96, B: 1536}
    assert int(iteration.subs(gpt3)) == int(narayanan.subs(gpt3))


def test_model_states_follow_zero():
    """ZeRO: mixed-precision Adam keeps 16Ψ bytes: 120 GB for Ψ = 7.5B."""
    P = sp.Symbol("P")
    from symparams.algebra.memory import model_states

    assert model_states(P, "adam", "mixed")["total"] == 16 * P
    assert model_states(7_500_000_000, "adam", "mixed")["total"] == 120 * 10**9
    assert model_states(P, "adam", "fp32")["total"] == 16 * P
    assert model_states(P, "sgd", "fp32")["total"] == 8 * P
    assert model_states(P, "momentum", "fp32")["total"] == 12 * P
    frozen = symparams.parse("I(8)-H(4,trainable=false)-O(2)").derive()
    states = frozen.training_memory("sgd", "fp32")
    assert states["weights"] == 4 * (36 + 10) and states["gradients"] == 4 * 10
    with pytest.raises(symparams.SpecError, match="optimizer"):
        model_states(P, "lion")


def test_transformer_activations_follow_korthikanti():
    """s b h (34 + 5 a s / h) bytes per layer at 16-bit; 34 sbh selective; 2 sbh full."""
    d = zoo("gpt2")
    T, dd, h, L = (d.symbols[n] for n in ("T", "d", "h", "L"))
    b = sp.Symbol("b", integer=True, positive=True)
    per_layer = T * b * dd * (34 + 5 * h * T / dd)
    assert sp.simplify(d.transformer_activation_memory("b") - L * per_layer) == 0
    assert sp.simplify(d.transformer_activation_memory("b", "selective") - L * 34 * T * b * dd) == 0
    assert sp.simplify(d.transformer_activation_memory("b", "full") - L * 2 * T * b * dd) == 0
    gpt3 = {T: 2048, dd: 12288, h: 96, L: 96}
    assert d.transformer_activation_memory(1).subs(gpt3) == 96 * 2048 * 12288 * (34 + 5 * 96 * 2048 // 12288)


def test_activation_sizes():
    d = symparams.parse("I(28x28x1)-C(4,5)-P(2)-H(10)").derive()
    assert [r.activations for r in d.rows] == [2304, 576, 576, 10]
    assert d.activations == 2304 + 576 + 576 + 10


def test_cli_costs_columns(capsys):
    assert main(["derive", "I(28x28x1)-C(4,5)-P(2)-H(10)", "--costs", "macs,flops,activations"]) == 0
    out = capsys.readouterr().out
    assert "57,600" in out and "Total MACs: 63,360" in out and "Total FLOPs: 126,720" in out
    assert "FlopCounterMode" in out
    assert main(["derive", "I(28x28x1)-C(4,5)-P(2)-H(10)", "--costs", "macs", "--format",
                 "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["costs"] == {"macs": 63360} and data["layers"][0]["macs"] == 57600
    assert main(["derive", "I(28x28x1)-C(4,5)", "--costs", "watts"]) == 2
    assert "unknown cost 'watts'" in capsys.readouterr().err
    assert main(["derive", "I(28x28x1)-C(4,5)", "--costs", "macs", "--format", "python"]) == 2


def test_solve_bounds_a_cost(capsys):
    """The widest layer under 1 GFLOP: 2 × (224² × c × 27 + 224² × c × 9c + 10c)."""
    def flops(c: int) -> int:
        return 2 * (224 * 224 * c * 3 * 9 + 224 * 224 * c * c * 9 + c * 10)

    d = symparams.parse("I(224x224x3)-C(c,3,p=1)-C(c,3,p=1)-G(avg)-O(10)").derive()
    solution = d.solve("c", max_params=10**9, of="flops")
    assert solution.value == max(c for c in range(1, 100) if flops(c) <= 10**9) == 31
    assert solution.total == flops(31) and solution.quantity == "FLOPs"
    assert main(["solve", "I(224x224x3)-C(c,3,p=1)-C(c,3,p=1)-G(avg)-O(10)", "--for", "c",
                 "--of", "macs", "--max-params", str(10**9)]) == 0
    assert "MACs" in capsys.readouterr().out
    ids = symparams.parse("I(n, sequence=true)-E(5, 4)").derive()  # 20 parameters, any n
    with pytest.raises(symparams.SpecError, match="the total does not depend on n"):
        ids.solve("n", max_params=10)
    assert ids.solve("n", max_params=400, of="activations").value == 100  # 4n elements


def test_worked_solution_writes_the_macs_as_a_textbook_does(capsys):
    assert main(["derive", "I(28x28x1)-C(4,5)-P(2)-H(10)", "--format", "worked",
                 "--costs", "macs"]) == 0
    out = capsys.readouterr().out
    assert r"24 \times 24 \times 4 \times (5 \times 5 \times 1) = 57600" in out  # 24·24·4·25
    assert r"576 \times 10 = 5760" in out
    assert r"**Total MACs:** $57600 + 5760 = 63360$" in out
    grouped = symparams.parse("I(8x8x4)-C(6,3,g=2)-G(avg)-O(2)").derive()
    text = grouped.worked(costs=("macs",))
    assert r"6 \times 6 \times 6 \times (3 \times 3 \times 4 / 2) = 3888" in text  # 216 · 18


def test_sweep_of_a_cost(capsys):
    """MACs of a 3×3 conv on 32×32×3 with c filters, then a dense layer: 32²·c·27 + 10c."""
    assert main(["sweep", "I(n x n x 3)-C(c,3,p=1)-G(avg)-O(10)", "--set", "n=32",
                 "--grid", "c=8,16", "--of", "macs"]) == 0
    assert capsys.readouterr().out == "c,macs\n" + "".join(
        f"{c},{32 * 32 * c * 27 + 10 * c}\n" for c in (8, 16))
    assert main(["sweep", "I(n x n x 3)-C(c,3,p=1)-G(avg)-O(10)", "--set", "n=32",
                 "--grid", "c=8", "--of", "flops", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"c": 8, "flops": 2 * (32 * 32 * 8 * 27 + 80)}]


def test_latex_table_has_the_cost_columns(tmp_path):
    from tests.test_pdflatex import compile_ok

    d = zoo("gpt2")
    tex = d.latex(standalone=True, costs=("macs", "activations"))
    # wrapped headings may hyphenate (\hspace{0pt}: TeX never hyphenates a first word)
    assert r"\hspace{0pt}Parameters & \hspace{0pt}MACs & \hspace{0pt}Activations \\" in tex
    # wider than a line: the shape and the three number columns wrap, numbers right-aligned
    assert r"\begin{tabularx}{\linewidth}" in tex and tex.count(r"\raggedleft") == 3
    assert "FlopCounterMode" in tex
    compile_ok(tex, tmp_path)


def test_extended_flops_count_the_element_wise_work():
    """2 × MACs, plus: conv bias 24·24·4, batch norm 2 per element, relu 1 per element,
    2×2 max pooling 4 per output element, dense bias 10 (counted by hand)."""
    d = symparams.parse("I(28x28x1)-C(4,5)-B-A(relu)-P(2)-H(10)").derive()
    conv_out = 24 * 24 * 4
    by_hand = 2 * (conv_out * 25 + 576 * 10) + conv_out + 2 * conv_out + conv_out \
        + 12 * 12 * 4 * 4 + 10
    assert d.flops(extended=True) == by_hand == 138_250
    assert d.flops() == 2 * (conv_out * 25 + 576 * 10)
    residual = symparams.parse("I(8x8x4)-[C(4,3,p=1)]+").derive()
    assert residual.flops(extended=True) - residual.flops() == 256 + 256  # bias, then the add


def test_activation_peak_keeps_a_shortcut_alive():
    chain = symparams.parse("I(28x28x1)-C(4,5)-B-P(2)-H(10)").derive()
    assert chain.activation_peak() == 2304 + 2304  # batch norm: its input and output
    residual = symparams.parse("I(8x8x4)-[C(4,3,p=1)-A(relu)-C(4,3,p=1)]+").derive()
    assert residual.activation_peak() == 3 * 256  # the shortcut waits for the add


def test_cost_columns_in_bytes(capsys):
    assert main(["derive", "I(28x28x1)-C(4,5)-P(2)-H(10)", "--costs",
                 "activation_bytes,memory", "--dtype", "fp16", "--precision", "mixed",
                 "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["costs"]["activation_bytes"] == 2 * (2304 + 576 + 576 + 10)
    assert data["costs"]["memory"] == 16 * 5874  # ZeRO: 16 bytes a parameter, mixed Adam
    assert data["layers"][0]["memory"] == 16 * 104
    assert "ZeRO" in data["cost_convention"]
    assert main(["derive", "I(8)-H(2)", "--costs", "activation_bytes", "--dtype", "fp13"]) == 2
    assert "unknown dtype" in capsys.readouterr().err


def test_transformer_activations_column(capsys):
    """Korthikanti et al.: 34 s b h per layer with selective recomputation."""
    assert main(["derive", "gpt2", "--costs", "transformer_activations", "--recompute",
                 "selective", "--batch", "8", "--set", "T=1024", "d=768", "L=12", "V=50257",
                 "h=12", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["costs"]["transformer_activations"] == 12 * 34 * 1024 * 8 * 768
    assert "Korthikanti" in data["cost_convention"]
    assert main(["derive", "gpt2", "--costs", "transformer_activations", "--batch", "1x"]) == 2
