"""Hugging Face ``config.json`` files, read without transformers.

:func:`from_hf_config` reads a model's ``config.json`` (``json.load`` only: the file is
data; nothing in it is evaluated or parsed as a formula) and builds the network from the
layer kinds symparams has, in the notation, one template per family:

========  ======================================================================  =================
family    what is built                                                           counts as
========  ======================================================================  =================
gpt2      token and learned position tables, ``L`` pre-norm blocks (MHA with      GPT2LMHeadModel
          biases, FF of ``n_inner``, default ``4d``), a final LayerNorm and the
          output matrix (no bias; tied to the token table unless
          ``tie_word_embeddings`` is false)
bert      word, position and token-type tables, a LayerNorm, ``L`` post-norm       BertModel (with
          blocks, and the pooler (dense ``d → d``, tanh, on the first token)      its pooler)
llama     token table, rotary positions, ``L`` pre-RMSNorm blocks (grouped-query  LlamaForCausalLM
          attention, SwiGLU of ``intermediate_size``), a final RMSNorm, the
          output matrix; ``attention_bias`` and ``mlp_bias`` honoured
mistral   as llama, without biases                                                MistralForCausalLM
qwen2     as llama, with biases on the query, key and value projections only     Qwen2ForCausalLM
gemma     as llama, ``head_dim`` given (default 256), tied by default             GemmaForCausalLM
========  ======================================================================  =================

The decoder families count what ``AutoModelForCausalLM`` builds (the language-model head
included, a tied head counted once); BERT counts the bare ``BertModel`` with its pooler,
the model whose published size is bert-base-uncased's 109,482,240 (the pre-training and
task heads add their own layers).  T5 (an encoder-decoder with cross-attention and a
relative attention bias) is not supported yet: a :class:`NotSupportedError` says so.

Every key a family's transformers class has a default for may be left out (that default
is used, as transformers does: ``tie_word_embeddings``, ``num_key_value_heads``,
``head_dim``, ``n_inner``, biases, ``type_vocab_size``, ``max_position_embeddings`` of
the rotary families); the sizes of the model (width, layers, heads, vocabulary,
feed-forward width, learned positions) must be given.  Keys that change no parameter
count (``layer_norm_eps``, dropouts, activations, rope settings) are not read.

``symbolic=True`` keeps ``V, T, d, L, h, h_kv, d_ff`` (and ``d_head`` when the config
gives ``head_dim``) as symbols, so the derivation is the family's closed form; the
network's :attr:`ConfigNetwork.values` are the config's values to substitute.

>>> from symparams.interop.hf_config import from_hf_config
>>> net = from_hf_config({"model_type": "gpt2", "vocab_size": 50257, "n_positions": 1024,
...                       "n_embd": 768, "n_layer": 12, "n_head": 12}, symbolic=True)
>>> net.derive().total
L*(12*d**2 + 13*d) + T*d + V*d + 2*d
>>> net.derive().subs(net.values).evaluate()
124439808
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any, Callable, Mapping

from symparams.core.files import read_text
from symparams.core.errors import NotSupportedError, SpecError, quote, shorten
from symparams.core.network import Network

MAX_CONFIG_BYTES = 1 << 20
"""A config.json larger than this (1 MiB; real ones are a few kB) is refused unread."""

MAX_SIZE = 1 << 32
"""The largest size (width, vocabulary, layers, positions …) accepted from a config."""


@dataclass(frozen=True)
class ConfigNetwork(Network):
    """A :class:`~symparams.Network` read from a Hugging Face config, with the config's
    ``model_type`` and its values (:attr:`values`: symbol name → number)."""

    model_type: str = ""
    config_values: tuple[tuple[str, int], ...] = ()

    @property
    def values(self) -> dict[str, int]:
        """The config's value of each symbol (``{"V": 50257, "d": 768, …}``): substitute
        them into a symbolic network's derivation; a numeric network already holds them."""
        return dict(self.config_values)


# ---------------------------------------------------------------------------------------
# reading the file
# ---------------------------------------------------------------------------------------
def read_config(path: str | Path) -> dict[str, Any]:
    """The JSON object in ``path``: a regular file of at most :data:`MAX_CONFIG_BYTES`,
    UTF-8, one JSON object; every problem is a :class:`SpecError` naming the file."""
    where = shorten(str(path))
    text = read_text(path, limit=MAX_CONFIG_BYTES, noun="a config.json",
                     give="a model's config.json")
    return parse_config(text, where)


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_config(text: str, where: str = "config") -> dict[str, Any]:
    """``json.loads(text)``, which must be an object; every failure a :class:`SpecError`."""
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as err:
        raise SpecError(f"{where}: not valid JSON: {shorten(str(err), 200)}") from None
    except ValueError:  # NaN/Infinity, or an integer longer than Python's digit limit
        raise SpecError(f"{where}: not valid JSON: a number that is not finite or has too "
                        "many digits") from None
    except RecursionError:
        raise SpecError(f"{where}: not valid JSON: nested too deeply") from None
    if not isinstance(data, dict):
        raise SpecError(f"{where}: a config.json holds one JSON object ({{\"model_type\": …}}), "
                        f"got {type(data).__name__}")
    return data


# ---------------------------------------------------------------------------------------
# reading values
# ---------------------------------------------------------------------------------------
_REQUIRED = object()


class _Config:
    """Typed access to a config's keys: whole numbers within bounds, true or false."""

    def __init__(self, data: Mapping[str, Any], model_type: str):
        self.data = data
        self.model_type = model_type

    def _raw(self, keys: tuple[str, ...]) -> tuple[str, Any]:
        for key in keys:
            if key in self.data:
                return key, self.data[key]
        return keys[0], None

    def size(self, *keys: str, default: Any = _REQUIRED, minimum: int = 1) -> Any:
        """The first of ``keys`` present (aliases, as transformers' ``attribute_map``): a
        whole number in ``[minimum, MAX_SIZE]``; absent or null: ``default``."""
        key, value = self._raw(keys)
        if value is None:
            if default is _REQUIRED:
                raise SpecError(f"{self.model_type}: missing key {quote(keys[0])}"
                                f"{' (or ' + quote(keys[1]) + ')' if len(keys) > 1 else ''}, "
                                "needed for the parameter count")
            return default
        if type(value) is not int:  # bool is an int subclass, and 768.0 is not a size
            raise SpecError(f"{self.model_type}: {quote(key)} must be a whole number, "
                            f"got {_describe(value)}")
        if not minimum <= value <= MAX_SIZE:
            raise SpecError(f"{self.model_type}: {quote(key)} must be between {minimum} "
                            f"and {MAX_SIZE:,}, got {_show(value)}")
        return value

    def flag(self, key: str, default: bool) -> bool:
        """``true`` or ``false``; absent: ``default``."""
        if key not in self.data:
            return default
        value = self.data[key]
        if type(value) is not bool:
            raise SpecError(f"{self.model_type}: {quote(key)} must be true or false, "
                            f"got {_describe(value)}")
        return value

    def refuse(self, key: str, bad: Callable[[Any], bool], why: str) -> None:
        if key in self.data and bad(self.data[key]):
            raise NotSupportedError(f"{self.model_type}: {quote(key)} = "
                                    f"{_show(self.data[key])}: {why}")


def _describe(value: Any) -> str:
    kind = {bool: "a boolean", float: "a number with a fraction", str: "a string",
            list: "a list", dict: "an object", int: "a whole number"}.get(type(value), "a value")
    return f"{kind} ({_show(value)})"


def _show(value: Any) -> str:
    """``value`` as JSON, escaped and at most 40 characters (any value of a mapping given
    from Python: a huge int, a set, a cycle)."""
    if type(value) is int and value.bit_length() > 128:
        return f"a number of {value.bit_length():,} bits"
    try:
        text = json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        text = type(value).__name__
    return shorten(text, 40)


# ---------------------------------------------------------------------------------------
# the families
# ---------------------------------------------------------------------------------------
def _gpt2(c: _Config) -> tuple[str, dict[str, int]]:
    c.refuse("add_cross_attention", lambda v: v is True,
             "cross-attention blocks are not supported")
    d = c.size("n_embd", "hidden_size")
    symbols = {"V": c.size("vocab_size"), "T": c.size("n_positions", "max_position_embeddings"),
               "d": d, "L": c.size("n_layer", "num_hidden_layers"),
               "h": c.size("n_head", "num_attention_heads")}
    inner = c.size("n_inner", default=None)
    if inner is not None:
        symbols["d_ff"] = inner
    tie = ",ties=wte" if c.flag("tie_word_embeddings", True) else ""
    text = ("I($T, sequence=true)-E($V,$d,name=wte)-positions($T,name=wpe)"
            f"-([LN-MHA($h)]+-[LN-FF({'4*$d' if inner is None else '$d_ff'})]+)x$L"
            f"-LN(name=ln_f)-O($V,bias=false{tie},name=lm_head)")
    return text, symbols


def _bert(c: _Config) -> tuple[str, dict[str, int]]:
    for key in ("is_decoder", "add_cross_attention"):
        c.refuse(key, lambda v: v is True, "BERT as a decoder (cross-attention) is not supported")
    c.refuse("position_embedding_type", lambda v: v != "absolute",
             "only absolute (learned) position embeddings are supported")
    symbols = {"V": c.size("vocab_size"), "T": c.size("max_position_embeddings"),
               "d": c.size("hidden_size"), "L": c.size("num_hidden_layers"),
               "h": c.size("num_attention_heads"), "d_ff": c.size("intermediate_size")}
    types = c.size("type_vocab_size", default=2)
    text = ("I($T, sequence=true)-E($V,$d,name=word_embeddings)"
            "-positions($T,name=position_embeddings)"
            f"-positions({types},mode=types,name=token_type_embeddings)-LN"
            "-([MHA($h)]+-LN-[FF($d_ff)]+-LN)x$L"
            "-firsttoken-H($d,name=pooler)-A(tanh)")
    return text, symbols


@dataclass(frozen=True)
class _Decoder:
    """A Llama-like family: its transformers defaults and fixed biases."""

    positions: int            # max_position_embeddings default (only the shapes' T)
    kv_heads: int | None      # num_key_value_heads when absent (None: the heads)
    head_dim: int | None      # head_dim when absent (None: d // h)
    tie: bool                 # tie_word_embeddings default
    qkv_bias: bool | None     # None: attention_bias (default false) on all four
    mlp_bias: bool | None     # None: mlp_bias (default false)
    activation: str = "silu"  # shown, not counted
    kv_null: bool = True      # an explicit null num_key_value_heads means the heads
    #                           (else refused, as transformers 5 refuses it)


DECODERS = {
    "llama": _Decoder(positions=2048, kv_heads=None, head_dim=None, tie=False,
                      qkv_bias=None, mlp_bias=None),
    "mistral": _Decoder(positions=4096 * 32, kv_heads=8, head_dim=None, tie=False,
                        qkv_bias=False, mlp_bias=False, kv_null=False),
    "qwen2": _Decoder(positions=32768, kv_heads=32, head_dim=None, tie=False,
                      qkv_bias=True, mlp_bias=False),
    "gemma": _Decoder(positions=8192, kv_heads=16, head_dim=256, tie=True,
                      qkv_bias=None, mlp_bias=False, activation="gelu", kv_null=False),
}


def _decoder(family: _Decoder) -> Callable[[_Config], tuple[str, dict[str, int]]]:
    def build(c: _Config) -> tuple[str, dict[str, int]]:
        h = c.size("num_attention_heads")
        symbols = {"V": c.size("vocab_size"),
                   "T": c.size("max_position_embeddings", default=family.positions),
                   "d": c.size("hidden_size"), "L": c.size("num_hidden_layers"), "h": h}
        if "num_key_value_heads" in c.data and c.data["num_key_value_heads"] is None:
            if not family.kv_null:  # transformers refuses it too
                raise SpecError(f"{c.model_type}: \"num_key_value_heads\" must be a "
                                "whole number, got null")
            kv = h  # transformers: an explicit null means as many as the heads
        else:
            kv = c.size("num_key_value_heads", default=h if family.kv_heads is None
                        else family.kv_heads)
        symbols["h_kv"] = kv
        symbols["d_ff"] = c.size("intermediate_size")
        head_dim = c.size("head_dim", default=family.head_dim)
        key_dim = ""
        if head_dim is not None:
            symbols["d_head"] = head_dim
            key_dim = ",key_dim=$d_head"
        if family.qkv_bias is None:
            qkv_bias = out_bias = c.flag("attention_bias", False)
        else:
            qkv_bias, out_bias = family.qkv_bias, False
        mlp_bias = c.flag("mlp_bias", False) if family.mlp_bias is None else family.mlp_bias
        tie = ",ties=embed_tokens" if c.flag("tie_word_embeddings", family.tie) else ""
        text = ("I($T, sequence=true)-E($V,$d,name=embed_tokens)-positions(mode=rotary)"
                f"-([rmsnorm-MHA($h,kv=$h_kv{key_dim},bias={_b(qkv_bias)},"
                f"out_bias={_b(out_bias)})]+-[rmsnorm-FF($d_ff,gated=true,bias={_b(mlp_bias)},"
                f"activation={family.activation})]+)x$L"
                f"-rmsnorm(name=norm)-O($V,bias=false{tie},name=lm_head)")
        return text, symbols

    return build


def _b(flag: bool) -> str:
    return "true" if flag else "false"


def _t5(c: _Config) -> Any:
    raise NotSupportedError(
        f"model_type {quote(c.model_type)} (T5, an encoder-decoder) is not supported yet: "
        "its decoder's cross-attention reads the encoder's output (a second input) and its "
        "first blocks hold a relative attention bias, neither of which symparams' layers "
        "express yet")


FAMILIES: dict[str, Callable[[_Config], Any]] = {
    "gpt2": _gpt2, "bert": _bert, **{name: _decoder(f) for name, f in DECODERS.items()},
}
NOT_SUPPORTED: dict[str, Callable[[_Config], Any]] = {"t5": _t5, "mt5": _t5, "umt5": _t5}


def from_hf_config(config: str | Path | Mapping[str, Any] | Any, *,
                   symbolic: bool = False) -> ConfigNetwork:
    """The network a Hugging Face ``config.json`` describes (a path, the already loaded
    mapping, or a transformers config object: its ``to_dict()``), for the families gpt2,
    bert, llama, mistral, qwen2 and gemma.

    With numbers by default; ``symbolic=True`` keeps ``V, T, d, L, h, h_kv, d_ff`` (and
    ``d_head``) as symbols, the config's numbers in the result's ``values``.  An unknown
    ``model_type``, a missing key or a value of the wrong type is a :class:`SpecError`
    naming it; a setting symparams cannot count (T5, cross-attention) is a
    :class:`NotSupportedError`.
    """
    if isinstance(config, (str, Path)):
        data: Mapping[str, Any] = read_config(config)
        where = shorten(str(config))
    elif isinstance(config, Mapping):
        data, where = config, "config"
    elif callable(getattr(config, "to_dict", None)):  # a transformers PretrainedConfig
        data, where = config.to_dict(), type(config).__name__
        if not isinstance(data, Mapping):
            raise SpecError(f"{where}.to_dict() did not give a mapping")
    else:
        raise SpecError(f"from_hf_config reads a path, a mapping or a transformers config, "
                        f"got {type(config).__name__}")
    try:
        return _build(data, symbolic)
    except SpecError as err:
        raise SpecError(f"{where}: {err}") from None
    except NotSupportedError as err:
        raise NotSupportedError(f"{where}: {err}") from None


def _build(data: Mapping[str, Any], symbolic: bool) -> ConfigNetwork:
    model_type = data.get("model_type")
    if model_type is None:
        raise SpecError("missing key \"model_type\" (gpt2, bert, llama …): which family "
                        "of model the config describes")
    if not isinstance(model_type, str):
        raise SpecError(f"\"model_type\" must be a string, got {_describe(model_type)}")
    known = ", ".join(sorted(FAMILIES))
    if model_type in NOT_SUPPORTED:
        NOT_SUPPORTED[model_type](_Config(data, model_type))
    if model_type not in FAMILIES:
        raise SpecError(f"unknown model_type {quote(model_type)}; symparams reads the "
                        f"families {known}")
    text, symbols = FAMILIES[model_type](_Config(data, model_type))
    from symparams.notation.compact import parse

    # each placeholder becomes its symbol's name, or the config's number (an int checked
    # above): the notation text is ours, no text of the config enters it
    filled = Template(text).substitute({k: k if symbolic else str(v) for k, v in symbols.items()})
    network = parse(filled, name=f"{model_type} (Hugging Face config)")
    return ConfigNetwork(network.layers, network.name, model_type=model_type,
                         config_values=tuple(symbols.items()))
