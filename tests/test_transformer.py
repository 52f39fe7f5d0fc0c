"""Embeddings, norms, attention, feed-forward and tied weights: the closed forms against
formulas written here from the papers and framework documentation, and (with torch) the
counts against PyTorch's own modules built on the meta device."""

from __future__ import annotations

from functools import lru_cache

import pytest
import sympy as sp
from hypothesis import given, settings, strategies as st

import symparams
from symparams.core.errors import ShapeError, SpecError
from tests.torch_required import examples

SEQ = "I(T x d, sequence=true)"


@lru_cache(maxsize=None)
def derive(text: str):
    return symparams.parse(text).derive()


def zoo(stem: str):
    from pathlib import Path

    return symparams.load(Path(symparams.__file__).parent / "zoo" / f"{stem}.toml").derive()


def total_at(derivation, **values) -> int:
    """The closed form itself, evaluated at ``values`` by substitution."""
    syms = derivation.symbols
    return int(derivation.total.xreplace({syms[k]: v for k, v in values.items() if k in syms}))


GPT2 = ("I(T, sequence=true)-E(V,d,name=wte)-positions(T,name=wpe)"
        "-([LN-MHA(h)]+-[LN-FF(4*d)]+)xL-LN-O(V,bias=false,ties=wte)")


def test_gpt2_closed_form_is_the_papers():
    """V d + T d + L(12 d² + 13 d) + 2 d, leading term 12 L d² (issue 11)."""
    d = derive(GPT2)
    V, T, dd, L = (d.symbols[n] for n in ("V", "T", "d", "L"))
    assert sp.expand(d.total - (V * dd + T * dd + L * (12 * dd**2 + 13 * dd) + 2 * dd)) == 0
    assert sp.LT(sp.Poly(d.total, dd, L)) == 12 * L * dd**2
    assert total_at(d, T=1024, V=50257, d=768, h=12, L=12) == 124_439_808
    assert total_at(d, T=1024, V=50257, d=1024, h=16, L=24) == 354_823_168


def test_bert_llama_mistral_published_totals():
    for stem, values, total in (
            ("bert_base", dict(T=512, V=30522, d=768, h=12, f=3072, L=12), 109_482_240),
            ("llama2_7b", dict(T=4096, V=32000, d=4096, h=32, h_kv=32, f=11008, L=32),
             6_738_415_616),
            ("mistral_7b", dict(T=4096, V=32000, d=4096, h=32, h_kv=8, f=14336, L=32),
             7_241_732_096)):
        d = zoo(stem)
        assert total_at(d, **values) == total, stem


def attention_params(d, h, kv=None, k=None, v=None, bias=True, out_bias=None) -> int:
    """Query, key, value and output projections, written from Keras' MultiHeadAttention
    documentation (kernels (d, heads, size), biases (heads, size), output (heads, v, d))."""
    kv = h if kv is None else kv
    k = d // h if k is None else k
    v = k if v is None else v
    out_bias = bias if out_bias is None else out_bias
    return (d * h * k + d * kv * k + d * kv * v + h * v * d
            + (h * k + kv * k + kv * v if bias else 0) + (d if out_bias else 0))


def test_keras_multi_head_attention_figure():
    """Keras' MultiHeadAttention(num_heads=8, key_dim=64) on d = 512: 1,050,624."""
    d = derive("I(T x 512, sequence=true)-MHA(8, key_dim=64)")
    assert d.evaluate({"T": 10}) == 1_050_624
    steps = d.worked({"T": 10})
    assert r"4 \times (512 \times 512 + 512) = 1050624" in steps


@settings(deadline=None, max_examples=examples(60))
@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 4), st.booleans(), st.booleans())
def test_grouped_query_attention_closed_form(heads, group, k, bias, out_bias):
    kv = heads
    h = heads * group  # kv heads divide the heads
    d = derive(f"{SEQ}-MHA(h, kv=h_kv, key_dim=k, bias={str(bias).lower()}, "
               f"out_bias={str(out_bias).lower()})")
    for width in (3, 16):
        assert total_at(d, T=5, d=width, h=h, h_kv=kv, k=k) == attention_params(
            width, h, kv, k, k, bias, out_bias)


def test_attention_needs_heads_dividing_the_width_and_kv_dividing_heads():
    with pytest.raises(ShapeError, match="heads"):
        derive("I(T x 10, sequence=true)-MHA(4)")
    with pytest.raises(ShapeError, match="key/value heads"):
        derive("I(T x 16, sequence=true)-MHA(4, kv=3)")
    with pytest.raises(ShapeError, match="sequence"):
        derive("I(28x28x8)-MHA(4)")


@pytest.mark.parametrize("gated, bias, expected", [
    (False, True, lambda d, f: 2 * d * f + f + d),
    (False, False, lambda d, f: 2 * d * f),
    (True, False, lambda d, f: 3 * d * f),
    (True, True, lambda d, f: 3 * d * f + 2 * f + d),
])
def test_feed_forward_forms(gated, bias, expected):
    d = derive(f"{SEQ}-FF(f, gated={str(gated).lower()}, bias={str(bias).lower()})")
    for width, hidden in ((4, 16), (768, 3072)):
        assert total_at(d, T=3, d=width, f=hidden) == expected(width, hidden)


def test_norms():
    assert derive(f"{SEQ}-LN").total == 2 * derive(f"{SEQ}-LN").symbols["d"]
    assert derive(f"{SEQ}-layernorm(bias=false)").evaluate({"T": 2, "d": 7}) == 7
    assert derive(f"{SEQ}-rmsnorm").evaluate({"T": 2, "d": 7}) == 7
    assert derive(f"{SEQ}-rmsnorm(affine=false)").evaluate({"T": 2, "d": 7}) == 0
    assert derive("I(8x8x12)-groupnorm(4)").evaluate() == 24
    with pytest.raises(ShapeError, match="groups"):
        derive("I(8x8x12)-groupnorm(5)")
    with pytest.raises(SpecError, match="no shift"):
        derive(f"{SEQ}-rmsnorm(bias=true)")


def test_ties_count_the_matrix_once_and_check_its_shape():
    untied = derive("I(T, sequence=true)-E(V,d)-O(V)")
    tied = derive("I(T, sequence=true)-E(V,d,name=wte)-O(V,ties=wte)")
    V = tied.symbols["V"]
    assert sp.expand(untied.total - tied.total - V * tied.symbols["d"]) == 0
    assert tied.rows[-1].params == V  # its bias only
    with pytest.raises(SpecError, match="no layer of that name"):
        derive("I(T, sequence=true)-E(V,d)-O(V,ties=wte)")
    with pytest.raises(ShapeError, match="another shape"):
        derive("I(T, sequence=true)-E(100,8,name=wte)-O(50,ties=wte)")
    with pytest.raises(SpecError, match="no matrix to tie"):
        derive("I(T, sequence=true)-E(V,d,name=wte)-LN(ties=wte)")


def test_embedding_reads_token_ids():
    d = derive("I(T, sequence=true)-E(V, d)")
    assert str(d.rows[0].output_shape) == "T × d" and d.rows[0].output_shape.sequence
    assert d.describe("T") == "sequence length (token ids)"
    with pytest.raises(ShapeError, match="token ids"):
        derive("I(8x8x3)-E(10, 4)")
    with pytest.raises(ShapeError, match="fit"):
        derive("I(600, sequence=true)-E(10,4)-positions(512)")


# -- against PyTorch ------------------------------------------------------------------
def _torch():
    from tests.torch_required import require_torch

    return require_torch()


def numel(module) -> int:
    return sum(p.numel() for p in module.parameters())


@settings(deadline=None, max_examples=examples(30))
@given(st.integers(1, 6), st.integers(1, 4), st.booleans())
def test_pytorch_multihead_attention_is_4e2_plus_4e(heads, per_head, bias):
    torch = _torch()
    e = heads * per_head
    with torch.device("meta"):
        m = torch.nn.MultiheadAttention(e, heads, bias=bias, batch_first=True)
    d = derive(f"{SEQ}-MHA(h, bias={str(bias).lower()})")
    assert total_at(d, T=3, d=e, h=heads) == numel(m) == 4 * e * e + (4 * e if bias else 0)


@pytest.mark.parametrize("spec, module", [
    ("LN", lambda nn, d: nn.LayerNorm(d)),
    ("layernorm(bias=false)", lambda nn, d: nn.LayerNorm(d, bias=False)),
    ("rmsnorm", lambda nn, d: nn.RMSNorm(d)),
    ("E(V, d)", None),
])
def test_norms_and_embedding_equal_torch(spec, module):
    torch = _torch()
    nn = torch.nn
    for width in (1, 5, 64):
        if module is None:
            d = derive(f"I(T, sequence=true)-{spec}")
            m = nn.Embedding(37, width, device="meta")
            assert total_at(d, T=4, V=37, d=width) == numel(m)
        else:
            d = derive(f"{SEQ}-{spec}")
            assert total_at(d, T=4, d=width) == numel(module(nn, width))


def test_from_torch_reads_a_small_transformer():
    torch = _torch()
    nn = torch.nn

    class Tiny(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(50, 16)
            self.norm = nn.LayerNorm(16)
            self.attn = nn.MultiheadAttention(16, 4, batch_first=True)
            self.head = nn.Linear(16, 50)

        def forward(self, ids):
            x = self.embed(ids)
            y = self.norm(x)
            x = x + self.attn(y, y, y, need_weights=False)[0]
            return self.head(x)

    model = Tiny()
    d = symparams.from_torch(model, (8,)).derive()
    assert d.evaluate() == numel(model)
    assert [r.kind for r in d.rows] == ["embedding", "layernorm", "attention", "add", "dense"]
    assert str(d.rows[-1].output_shape) == "8 × 50"


def test_to_torch_builds_the_zoo_transformers_with_tied_weights():
    torch = _torch()
    from symparams.interop import to_torch

    for stem, values in (("gpt2", dict(T=8, V=50, d=16, h=4, L=2)),
                         ("llama2_7b", dict(T=8, V=50, d=16, h=4, h_kv=2, f=24, L=2)),
                         ("bert_base", dict(T=8, V=50, d=16, h=4, f=24, L=2))):
        d = zoo(stem)
        model = to_torch(d, **values)
        assert numel(model) == d.subs(values).evaluate(), stem
        out = model(torch.randint(0, 50, (2, 8)))
        assert tuple(out.shape[1:]) == tuple(int(x) for x in d.subs(values).rows[-1]
                                             .output_shape.dims()), stem


def test_encoder_layer_closed_form():
    """Attention 4d² + 4d, feed-forward 2df + f + d, two layer norms 4d."""
    d = derive(f"{SEQ}-encoderlayer(h, f)")
    dd, f = d.symbols["d"], d.symbols["f"]
    assert sp.expand(d.total - (4 * dd**2 + 4 * dd + 2 * dd * f + f + dd + 4 * dd)) == 0
    no_bias = derive(f"{SEQ}-encoderlayer(h, f, bias=false)")
    assert sp.expand(no_bias.total - (4 * dd**2 + 2 * dd * f + 2 * dd)) == 0


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("norm_first", [True, False])
def test_encoder_layers_read_from_torch_and_built_back(bias, norm_first):
    torch = _torch()
    nn = torch.nn
    model = nn.Sequential(
        nn.TransformerEncoderLayer(16, 4, 40, batch_first=True, bias=bias, norm_first=norm_first),
        nn.TransformerEncoderLayer(16, 2, 24, batch_first=True, bias=bias))
    d = symparams.from_torch(model, (7, 16)).derive()
    assert d.evaluate() == numel(model)
    assert [r.kind for r in d.rows] == ["encoderlayer", "encoderlayer"]
    from symparams.interop import to_torch

    again = to_torch(d)
    assert numel(again) == numel(model)
    assert tuple(again(torch.zeros(2, 7, 16)).shape) == (2, 7, 16)
