"""Hugging Face config.json files read without transformers: the published sizes of the
hub's models from their configs (written here by hand, key for key as on the hub), the
closed forms, the errors; and, where transformers is installed (CI installs it), the
count of random small configs of each family against the model transformers builds from
the same config on the meta device."""

from __future__ import annotations

import json
import os

import pytest
import sympy as sp
from hypothesis import HealthCheck, given, settings, strategies as st

import symparams
from symparams import from_hf_config
from symparams.cli import main, spec_kind
from symparams.core.errors import NotSupportedError, ShapeError, SpecError
from symparams.interop.hf_config import MAX_CONFIG_BYTES, MAX_SIZE
from tests.torch_required import examples

# -- the hub's configs, copied key for key (the keys that count, and some that do not) ----
GPT2 = {"activation_function": "gelu_new", "architectures": ["GPT2LMHeadModel"],
        "attn_pdrop": 0.1, "bos_token_id": 50256, "embd_pdrop": 0.1, "eos_token_id": 50256,
        "initializer_range": 0.02, "layer_norm_epsilon": 1e-05, "model_type": "gpt2",
        "n_ctx": 1024, "n_embd": 768, "n_head": 12, "n_layer": 12, "n_positions": 1024,
        "resid_pdrop": 0.1, "summary_activation": None, "summary_first_dropout": 0.1,
        "summary_proj_to_labels": True, "summary_type": "cls_index", "summary_use_proj": True,
        "task_specific_params": {"text-generation": {"do_sample": True, "max_length": 50}},
        "vocab_size": 50257}
GPT2_MEDIUM = {**GPT2, "n_embd": 1024, "n_head": 16, "n_layer": 24}
BERT_BASE_UNCASED = {
    "architectures": ["BertForMaskedLM"], "attention_probs_dropout_prob": 0.1,
    "gradient_checkpointing": False, "hidden_act": "gelu", "hidden_dropout_prob": 0.1,
    "hidden_size": 768, "initializer_range": 0.02, "intermediate_size": 3072,
    "layer_norm_eps": 1e-12, "max_position_embeddings": 512, "model_type": "bert",
    "num_attention_heads": 12, "num_hidden_layers": 12, "pad_token_id": 0,
    "position_embedding_type": "absolute", "transformers_version": "4.6.0.dev0",
    "type_vocab_size": 2, "use_cache": True, "vocab_size": 30522}
LLAMA2_7B = {
    "architectures": ["LlamaForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
    "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02,
    "intermediate_size": 11008, "max_position_embeddings": 4096, "model_type": "llama",
    "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 32,
    "pretraining_tp": 1, "rms_norm_eps": 1e-05, "rope_scaling": None,
    "tie_word_embeddings": False, "torch_dtype": "float16", "transformers_version": "4.31.0.dev0",
    "use_cache": True, "vocab_size": 32000}
MISTRAL_7B = {
    "architectures": ["MistralForCausalLM"], "bos_token_id": 1, "eos_token_id": 2,
    "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02,
    "intermediate_size": 14336, "max_position_embeddings": 32768, "model_type": "mistral",
    "num_attention_heads": 32, "num_hidden_layers": 32, "num_key_value_heads": 8,
    "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "sliding_window": 4096,
    "tie_word_embeddings": False, "torch_dtype": "bfloat16", "transformers_version": "4.34.0.dev0",
    "use_cache": True, "vocab_size": 32000}
QWEN2_05B = {
    "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
    "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896,
    "initializer_range": 0.02, "intermediate_size": 4864, "max_position_embeddings": 131072,
    "max_window_layers": 24, "model_type": "qwen2", "num_attention_heads": 14,
    "num_hidden_layers": 24, "num_key_value_heads": 2, "rms_norm_eps": 1e-06,
    "rope_theta": 1000000.0, "sliding_window": 131072, "tie_word_embeddings": True,
    "torch_dtype": "bfloat16", "transformers_version": "4.40.1", "use_cache": True,
    "use_sliding_window": False, "vocab_size": 151936}
GEMMA_2B = {
    "architectures": ["GemmaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
    "bos_token_id": 2, "eos_token_id": 1, "head_dim": 256, "hidden_act": "gelu",
    "hidden_size": 2048, "initializer_range": 0.02, "intermediate_size": 16384,
    "max_position_embeddings": 8192, "model_type": "gemma", "num_attention_heads": 8,
    "num_hidden_layers": 18, "num_key_value_heads": 1, "pad_token_id": 0,
    "rms_norm_eps": 1e-06, "rope_scaling": None, "rope_theta": 10000.0,
    "torch_dtype": "bfloat16", "transformers_version": "4.38.0.dev0", "use_cache": True,
    "vocab_size": 256000}
# head_dim not d / h (16 heads of 256 on a width of 3072), and a grouped-query Llama 3
GEMMA_7B = {**GEMMA_2B, "hidden_size": 3072, "intermediate_size": 24576,
            "num_attention_heads": 16, "num_hidden_layers": 28, "num_key_value_heads": 16}
LLAMA3_8B = {**LLAMA2_7B, "intermediate_size": 14336, "max_position_embeddings": 8192,
             "num_key_value_heads": 8, "rope_theta": 500000.0, "vocab_size": 128256}

# The sizes published for these models: transformers' count of the class named, from
# the model cards and the zoo's sources; Qwen2-0.5B's and gemma-2b's were also counted
# by hand from the configs (see docs/transformers.md) and with transformers 5.25.
PUBLISHED = [
    ("gpt2", GPT2, 124_439_808),                   # GPT2LMHeadModel, tied
    ("gpt2-medium", GPT2_MEDIUM, 354_823_168),
    ("bert-base-uncased", BERT_BASE_UNCASED, 109_482_240),  # BertModel with its pooler
    ("Llama-2-7b-hf", LLAMA2_7B, 6_738_415_616),
    ("Mistral-7B-v0.1", MISTRAL_7B, 7_241_732_096),
    ("Qwen2-0.5B", QWEN2_05B, 494_032_768),        # tied
    ("gemma-2b", GEMMA_2B, 2_506_172_416),         # tied, head_dim 256
    ("gemma-7b", GEMMA_7B, 8_537_680_896),         # tied, 16 × 256 ≠ 3072
    ("Meta-Llama-3-8B", LLAMA3_8B, 8_030_261_248),  # 8 key/value heads, untied
]


@pytest.mark.parametrize("name, config, total", PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_published_totals(name, config, total, tmp_path):
    assert from_hf_config(config).derive().evaluate() == total
    symbolic = from_hf_config(config, symbolic=True)
    d = symbolic.derive()
    assert d.total.free_symbols, name
    assert d.subs(symbolic.values).evaluate() == total
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config, indent=2))
    assert from_hf_config(path).derive().evaluate() == total
    assert from_hf_config(str(path)).model_type == config["model_type"]


def test_gpt2_closed_form():
    """V d + T d + L(12 d² + 13 d) + 2 d, tied, d_ff = 4d (issue 11)."""
    net = from_hf_config(GPT2, symbolic=True)
    d = net.derive()
    V, T, dd, L = (d.symbols[n] for n in ("V", "T", "d", "L"))
    assert sp.expand(d.total - (V * dd + T * dd + L * (12 * dd**2 + 13 * dd) + 2 * dd)) == 0
    assert net.values == {"V": 50257, "T": 1024, "d": 768, "L": 12, "h": 12}
    assert net.model_type == "gpt2"
    # an explicit n_inner is the symbol d_ff; untied adds the output matrix
    d2 = from_hf_config({**GPT2, "n_inner": 3000, "tie_word_embeddings": False},
                        symbolic=True).derive()
    V, dd, L, f = (d2.symbols[n] for n in ("V", "d", "L", "d_ff"))
    assert sp.expand(d2.total - d.total.xreplace({d.symbols["V"]: V, d.symbols["d"]: dd,
                                                  d.symbols["L"]: L})
                     - V * dd - L * (2 * dd * f + f - 8 * dd**2 - 4 * dd)) == 0
    assert from_hf_config({**GPT2, "n_inner": None}).derive().evaluate() == 124_439_808


def test_llama_family_closed_form_and_symbols():
    d = from_hf_config(MISTRAL_7B, symbolic=True).derive()
    assert set(d.symbols) == {"V", "T", "d", "L", "h", "h_kv", "d_ff"}
    V, dd, L, h, kv, f = (d.symbols[n] for n in ("V", "d", "L", "h", "h_kv", "d_ff"))
    assert sp.simplify(d.total - (2 * V * dd + dd + L * (2 * dd**2 + 2 * dd**2 * kv / h
                                                         + 3 * dd * f + 2 * dd))) == 0
    g = from_hf_config(GEMMA_2B, symbolic=True).derive()
    assert "d_head" in g.symbols  # head_dim given: a symbol of its own


@pytest.mark.parametrize("key, extra", [
    ("attention_bias", lambda d, h, kv, f, L: L * (2 * d + 2 * d * kv // h)),
    ("mlp_bias", lambda d, h, kv, f, L: L * (2 * f + d)),
])
def test_llama_bias_flags(key, extra):
    base = from_hf_config(LLAMA2_7B).derive().evaluate()
    flagged = from_hf_config({**LLAMA2_7B, key: True}).derive().evaluate()
    assert flagged - base == extra(4096, 32, 32, 11008, 32)


def test_qwen2_biases_are_on_query_key_value_only():
    base = from_hf_config(QWEN2_05B).derive()
    per_layer = 896 + 128 + 128  # b_q, b_k, b_v; no b_o
    no_bias = 494_032_768 - 24 * per_layer
    assert base.evaluate() - no_bias == 24 * per_layer
    assert from_hf_config({**QWEN2_05B, "attention_bias": True}).derive().evaluate() \
        == 494_032_768  # not a Qwen2 setting: its biases are fixed, as in transformers


def test_ties_and_defaults_follow_transformers():
    untied_gpt2 = from_hf_config({**GPT2, "tie_word_embeddings": False}).derive().evaluate()
    assert untied_gpt2 - 124_439_808 == 50257 * 768
    no_tie_key = {k: v for k, v in GEMMA_2B.items() if k != "tie_word_embeddings"}
    assert from_hf_config(no_tie_key).derive().evaluate() == 2_506_172_416  # gemma: tied
    tied_llama = from_hf_config({**LLAMA2_7B, "tie_word_embeddings": True}).derive().evaluate()
    assert 6_738_415_616 - tied_llama == 32000 * 4096
    # absent num_key_value_heads: the class's default (Mistral 8), null: the heads
    absent = {k: v for k, v in MISTRAL_7B.items() if k != "num_key_value_heads"}
    assert from_hf_config(absent).values["h_kv"] == 8
    assert from_hf_config({**QWEN2_05B, "num_key_value_heads": None}).values["h_kv"] == 14
    llama = {k: v for k, v in LLAMA2_7B.items() if k != "num_key_value_heads"}
    assert from_hf_config(llama).values["h_kv"] == 32
    with pytest.raises(SpecError, match="num_key_value_heads.*null"):
        from_hf_config({**GEMMA_2B, "num_key_value_heads": None})  # as transformers 5
    with pytest.raises(SpecError, match="num_key_value_heads.*null"):
        from_hf_config({**MISTRAL_7B, "num_key_value_heads": None})
    gemma = {k: v for k, v in GEMMA_2B.items() if k != "head_dim"}
    assert from_hf_config(gemma).values["d_head"] == 256
    bert = {k: v for k, v in BERT_BASE_UNCASED.items() if k != "type_vocab_size"}
    assert from_hf_config(bert).derive().evaluate() == 109_482_240
    assert from_hf_config({**BERT_BASE_UNCASED, "type_vocab_size": 3}).derive().evaluate() \
        == 109_482_240 + 768


def test_gpt2_accepts_transformers_attribute_names():
    renamed = {"model_type": "gpt2", "vocab_size": 50257, "max_position_embeddings": 1024,
               "hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12}
    assert from_hf_config(renamed).derive().evaluate() == 124_439_808


# -- errors --------------------------------------------------------------------------------
def test_unknown_and_missing_model_type():
    with pytest.raises(SpecError, match="unknown model_type 'gpt5'.*gpt2"):
        from_hf_config({**GPT2, "model_type": "gpt5"})
    with pytest.raises(SpecError, match="model_type"):
        from_hf_config({k: v for k, v in GPT2.items() if k != "model_type"})
    with pytest.raises(SpecError, match="model_type.*string"):
        from_hf_config({**GPT2, "model_type": ["gpt2"]})
    with pytest.raises(NotSupportedError, match="t5"):
        from_hf_config({"model_type": "t5", "d_model": 512, "num_layers": 6})
    with pytest.raises(SpecError, match="path, a mapping or a transformers config"):
        from_hf_config(42)  # type: ignore[arg-type]


REQUIRED = [
    (GPT2, ("vocab_size", "n_positions", "n_embd", "n_layer", "n_head")),
    (BERT_BASE_UNCASED, ("vocab_size", "max_position_embeddings", "hidden_size",
                         "num_hidden_layers", "num_attention_heads", "intermediate_size")),
    *((c, ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads",
           "intermediate_size")) for c in (LLAMA2_7B, MISTRAL_7B, QWEN2_05B, GEMMA_2B)),
]


@pytest.mark.parametrize("config, key", [(c, k) for c, keys in REQUIRED for k in keys],
                         ids=lambda x: x if isinstance(x, str) else x["model_type"])
def test_a_missing_key_is_named(config, key):
    with pytest.raises(SpecError, match=f"missing key '{key}'"):
        from_hf_config({k: v for k, v in config.items() if k != key})
    with pytest.raises(SpecError, match=f"missing key '{key}'"):
        from_hf_config({**config, key: None})


@pytest.mark.parametrize("value, what", [
    ("768", "a string"), (True, "a boolean"), (768.0, "a number with a fraction"),
    ([768], "a list"), ({"n": 768}, "an object"), (10**40, "between"), (0, "between"),
    (-5, "between"), (MAX_SIZE + 1, "between"),
])
@pytest.mark.parametrize("config, key", [(GPT2, "n_embd"), (LLAMA2_7B, "num_key_value_heads"),
                                         (GEMMA_2B, "head_dim"), (BERT_BASE_UNCASED,
                                                                  "type_vocab_size")])
def test_a_value_of_the_wrong_type_is_one_clean_error(config, key, value, what):
    with pytest.raises(SpecError, match=f"'{key}'.*{what}") as err:
        from_hf_config({**config, key: value})
    assert type(err.value) is SpecError
    assert len(str(err.value)) < 300


@pytest.mark.parametrize("value", [10**5000, [10**5000], {1, 2}, 2**200, 3 + 0j],
                         ids=["huge", "list-of-huge", "set", "2**200", "complex"])
def test_python_values_of_a_mapping_are_clean_errors(value):
    """A mapping given from Python may hold what JSON cannot: still one short SpecError."""
    with pytest.raises(SpecError, match="'n_embd' must be") as err:
        from_hf_config({**GPT2, "n_embd": value})
    assert len(str(err.value)) < 200


@pytest.mark.parametrize("key", ["tie_word_embeddings", "attention_bias", "mlp_bias"])
@pytest.mark.parametrize("value", [1, 0, "true", None])
def test_a_flag_is_true_or_false(key, value):
    with pytest.raises(SpecError, match=f"'{key}' must be true or false"):
        from_hf_config({**LLAMA2_7B, key: value})


def test_what_cannot_be_counted_is_refused():
    with pytest.raises(NotSupportedError, match="add_cross_attention"):
        from_hf_config({**GPT2, "add_cross_attention": True})
    with pytest.raises(NotSupportedError, match="position_embedding_type"):
        from_hf_config({**BERT_BASE_UNCASED, "position_embedding_type": "relative_key"})
    with pytest.raises(NotSupportedError, match="is_decoder"):
        from_hf_config({**BERT_BASE_UNCASED, "is_decoder": True})
    # heads that do not divide the width, kv heads that do not divide the heads
    with pytest.raises(ShapeError, match="heads"):
        from_hf_config({**GPT2, "n_head": 7}).derive()
    with pytest.raises(ShapeError, match="key/value heads"):
        from_hf_config({**MISTRAL_7B, "num_key_value_heads": 5}).derive()


def test_config_text_is_data():
    """Strings of the config never reach the notation or Python: only checked integers do."""
    hostile = {**LLAMA2_7B, "hidden_act": "__import__('os').system('false')",
               "rope_scaling": {"type": ")-O(1"}, "name_or_path": "$V"}
    assert from_hf_config(hostile).derive().evaluate() == 6_738_415_616
    for model_type in ("gpt2)-O(10", "$d", "__class__", "FAMILIES", ""):
        with pytest.raises(SpecError, match="unknown model_type"):
            from_hf_config({**GPT2, "model_type": model_type})


# -- files ---------------------------------------------------------------------------------
def test_files_that_are_not_a_config(tmp_path):
    bad = tmp_path / "config.json"
    for text, match in (("{\"model_type\": ", "not valid JSON"), ("[1, 2]", "one JSON object"),
                        ("model_type = 'gpt2'", "not valid JSON"),
                        ("{\"model_type\": \"gpt2\", \"n_embd\": NaN}", "not finite"),
                        ("{\"n\": " + "9" * 5000 + "}", "too many digits"),
                        ("[" * 100_000 + "]" * 100_000, "JSON")):
        bad.write_text(text)
        with pytest.raises(SpecError, match=match):
            from_hf_config(bad)
    bad.write_bytes(b"\xff\xfe{}")
    with pytest.raises(SpecError, match="UTF-8"):
        from_hf_config(bad)
    bad.write_text(" " * (MAX_CONFIG_BYTES + 1) + json.dumps(GPT2))
    with pytest.raises(SpecError, match="at most"):
        from_hf_config(bad)
    with pytest.raises(SpecError, match="folder"):
        from_hf_config(tmp_path)
    with pytest.raises(SpecError, match="cannot read"):
        from_hf_config(tmp_path / "absent.json")
    with pytest.raises(SpecError, match="not a valid path"):
        from_hf_config("con\0fig.json")
    if hasattr(os, "mkfifo"):
        fifo = tmp_path / "fifo.json"
        os.mkfifo(fifo)
        with pytest.raises(SpecError, match="not a regular file"):
            from_hf_config(fifo)  # refused without waiting for a writer


def test_a_bom_is_fine(tmp_path):
    path = tmp_path / "config.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(QWEN2_05B).encode())
    assert from_hf_config(path).derive().evaluate() == 494_032_768


# -- command line --------------------------------------------------------------------------
def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_cli_derives_a_config_json(capsys, tmp_path, monkeypatch):
    path = tmp_path / "config.json"
    path.write_text(json.dumps(QWEN2_05B))
    code, out, err = run(capsys, "derive", str(path))
    assert code == 0, err
    assert "Total params: 494,032,768" in out and "embed_tokens" in out
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys, "derive", "config.json", "--format", "json")
    assert code == 0 and json.loads(out)
    code, _, err = run(capsys, "derive", "config.json", "-o", "config.json")
    assert code == 2 and "is the input spec" in err
    assert json.loads(path.read_text()) == QWEN2_05B


def test_cli_errors_name_the_problem(capsys, tmp_path):
    path = tmp_path / "x.json"
    path.write_text(json.dumps({**GPT2, "model_type": "gpt5"}))
    code, _, err = run(capsys, "derive", str(path))
    assert code == 2 and "unknown model_type 'gpt5'" in err and "Traceback" not in err
    path.write_text(json.dumps({"model_type": "t5"}))
    code, _, err = run(capsys, "derive", str(path))
    assert code == 2 and "t5" in err
    code, _, err = run(capsys, "derive", str(tmp_path / "absent.json"))
    assert code == 2 and "cannot read" in err


def test_spec_kind_of_json():
    assert spec_kind("config.json") == "hf"
    assert spec_kind("./models/config.json") == "hf"
    assert spec_kind("~/config.json") == "hf"
    assert spec_kind("spec.toml") == "file"
    assert spec_kind("I-C-P-H-O") == "notation"


def test_help_mentions_config_json(capsys):
    with pytest.raises(SystemExit):
        main(["derive", "--help"])
    out = capsys.readouterr().out
    assert ".json is a Hugging Face config.json" in out


def test_exported_from_the_package():
    assert symparams.from_hf_config is from_hf_config
    assert "from_hf_config" in symparams.__all__


# -- against transformers ------------------------------------------------------------------
def _transformers():
    from tests.torch_required import require_transformers

    return require_transformers()


def transformers_config(config: dict):
    return _transformers().AutoConfig.for_model(**config)


def transformers_count(config: dict) -> int:
    """``sum(p.numel() for p in model.parameters())`` of the model transformers builds from
    ``config`` on the meta device (no weights, nothing downloaded): the CausalLM class of
    a decoder family (a tied head's matrix is one parameter, counted once), BertModel."""
    transformers = _transformers()
    import torch

    cfg = transformers_config(config)
    cls = transformers.AutoModel if config["model_type"] == "bert" \
        else transformers.AutoModelForCausalLM
    with torch.device("meta"):
        model = cls.from_config(cfg)
    return sum(p.numel() for p in model.parameters())


def maybe(key: str, values: st.SearchStrategy) -> st.SearchStrategy:
    """``{key: value}`` or ``{}`` (the key left out: the family's default applies)."""
    return st.one_of(st.just({}), values.map(lambda v: {key: v}))


@st.composite
def gpt2_configs(draw):
    h = draw(st.integers(1, 4))
    return {"model_type": "gpt2", "vocab_size": draw(st.integers(1, 60)),
            "n_positions": draw(st.integers(1, 40)), "n_embd": h * draw(st.integers(1, 6)),
            "n_layer": draw(st.integers(1, 3)), "n_head": h,
            **draw(maybe("n_inner", st.none() | st.integers(1, 40))),
            **draw(maybe("tie_word_embeddings", st.booleans()))}


@st.composite
def bert_configs(draw):
    h = draw(st.integers(1, 4))
    return {"model_type": "bert", "vocab_size": draw(st.integers(1, 60)),
            "max_position_embeddings": draw(st.integers(1, 40)),
            "hidden_size": h * draw(st.integers(1, 6)),
            "num_hidden_layers": draw(st.integers(1, 3)),
            "num_attention_heads": h, "intermediate_size": draw(st.integers(1, 40)),
            **draw(maybe("type_vocab_size", st.integers(1, 3))),
            **draw(maybe("tie_word_embeddings", st.booleans()))}


DEFAULT_KV = {"llama": None, "mistral": 8, "qwen2": 32, "gemma": 16}


@st.composite
def decoder_configs(draw, model_type: str):
    # an explicit null: as many as the heads (llama, qwen2; transformers 5 refuses it
    # for mistral and gemma)
    nulls = ["null"] if model_type in ("llama", "qwen2") else []
    kv_mode = draw(st.sampled_from(["given", "absent", *nulls]))
    group = draw(st.integers(1, 3))
    if kv_mode == "given":
        kv = draw(st.integers(1, 4))
        h = kv * group
        extra = {"num_key_value_heads": kv}
    elif kv_mode == "absent" and DEFAULT_KV[model_type] is not None:
        h = DEFAULT_KV[model_type] * group  # the class's default must divide the heads
        extra = {}
    else:  # null (or absent for llama): as many as the heads
        h = draw(st.integers(1, 4))
        extra = {"num_key_value_heads": None} if kv_mode == "null" else {}
    even = st.integers(1, 4).map(lambda n: 2 * n)  # rotary positions need an even head size
    if model_type == "gemma":  # gemma's head_dim defaults to 256, not d / h
        extra.update(draw(maybe("head_dim", even)))
        d = draw(st.integers(1, 24))
    elif draw(st.booleans()):
        extra["head_dim"] = draw(even)
        # transformers 5's LlamaConfig wants heads dividing the width even then
        d = h * draw(st.integers(1, 6)) if model_type == "llama" else draw(st.integers(1, 24))
    else:
        d = h * draw(even)
    if model_type in ("llama", "gemma"):
        extra.update(draw(maybe("attention_bias", st.booleans())))
    if model_type == "llama":
        extra.update(draw(maybe("mlp_bias", st.booleans())))
    return {"model_type": model_type, "vocab_size": draw(st.integers(3, 60)),  # bos, eos ids
            "hidden_size": d, "num_hidden_layers": draw(st.integers(1, 3)),
            "num_attention_heads": h, "intermediate_size": draw(st.integers(1, 40)),
            **draw(maybe("max_position_embeddings", st.integers(1, 64))),
            **draw(maybe("tie_word_embeddings", st.booleans())), **extra}


FAMILY_CONFIGS = {"gpt2": gpt2_configs(), "bert": bert_configs(),
                  **{t: decoder_configs(t) for t in DEFAULT_KV}}


@pytest.mark.parametrize("family", sorted(FAMILY_CONFIGS))
def test_random_configs_equal_transformers(family):
    _transformers()

    @settings(deadline=None, max_examples=examples(40),
              suppress_health_check=[HealthCheck.too_slow])
    @given(FAMILY_CONFIGS[family])
    def check(config):
        expected = transformers_count(config)
        assert from_hf_config(config).derive().evaluate() == expected, config
        net = from_hf_config(config, symbolic=True)
        assert net.derive().subs(net.values).evaluate() == expected, config
        # transformers' own config object (its to_dict(), every default filled in)
        assert from_hf_config(transformers_config(config)).derive().evaluate() == expected

    check()


@pytest.mark.parametrize("name, config, total", PUBLISHED, ids=[p[0] for p in PUBLISHED])
def test_published_configs_equal_transformers(name, config, total):
    assert transformers_count(config) == total
