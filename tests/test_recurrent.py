"""SimpleRNN, LSTM and GRU (symparams/layers/recurrent.py) in PyTorch's and Keras'
conventions.  Expected counts: the published figures (LSTM 10 → 20: PyTorch 2,560,
Keras 2,480; GRU 4 → 5 in Keras: 165 with reset_after, 150 without), torch's own
``numel`` of modules built on the meta device, and for Keras the arithmetic of
``keras_params`` below, written from Keras' weight shapes (kernel ``x × G·u``,
recurrent kernel ``u × G·u``, bias ``G·u``, or ``2 × 3u`` for a GRU with reset_after)."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

import symparams
from symparams.core.errors import NotSupportedError, ShapeError, SpecError
from symparams.export.worked import param_steps
from symparams.interop import to_torch
from symparams.layers import GRU, LSTM, Conv, Dense, Input, SimpleRNN
from tests.torch_required import examples, require_torch

KINDS = {"rnn": (SimpleRNN, 1, "RNN"), "lstm": (LSTM, 4, "LSTM"), "gru": (GRU, 3, "GRU")}


def seq(*layers, t=30, i=10, convention="pytorch"):
    return symparams.Network((Input((t, i), sequence=True), *layers)).derive(convention=convention)


def keras_params(kind: str, i: int, u: int, layers: int = 1, directions: int = 1,
                 bias: bool = True, reset_after: bool = True) -> int:
    """Keras: each stacked layer a Keras layer, each direction a Bidirectional copy."""
    gates = KINDS[kind][1]
    biases = 0 if not bias else (2 if kind == "gru" and reset_after else 1)
    total, x = 0, i
    for _ in range(layers):
        total += directions * (x * gates * u + u * gates * u + biases * gates * u)
        x = directions * u
    return total


# -- published figures -------------------------------------------------------------------
def test_lstm_10_to_20_pytorch_2560_keras_2480():
    assert seq(LSTM(20)).total == 2560  # 4 × (20 × (10 + 20) + 2 × 20)
    assert seq(LSTM(20), convention="keras").total == 2480  # 4 × (20 × (10 + 20) + 20)


def test_gru_4_to_5_keras_165_with_reset_after_150_without():
    assert seq(GRU(5), i=4, convention="keras").total == 165
    assert seq(GRU(5, reset_after=False), i=4, convention="keras").total == 150
    assert seq(GRU(5), i=4).total == 165  # PyTorch: 3 × (5 × (4 + 5) + 2 × 5)


def test_simple_rnn_both_conventions():
    assert seq(SimpleRNN(20)).total == 20 * (10 + 20) + 2 * 20
    assert seq(SimpleRNN(20), convention="keras").total == 20 * (10 + 20) + 20


def test_keras_weights_are_kernel_recurrent_kernel_bias():
    row = seq(GRU(5), i=4, convention="keras").rows[0]
    assert [str(w) for w in row.weights] == ["kernel: 4 × 15", "recurrent_kernel: 5 × 15",
                                             "bias: 2 × 15"]
    row = seq(LSTM(20, bidirectional=True), convention="keras").rows[0]
    assert [w.name for w in row.weights] == ["kernel", "recurrent_kernel", "bias",
                                             "kernel_backward", "recurrent_kernel_backward",
                                             "bias_backward"]


@pytest.mark.parametrize("kind", sorted(KINDS))
@pytest.mark.parametrize("layers,directions,bias,reset_after", [
    (1, 1, True, True), (1, 2, True, True), (3, 1, True, False), (2, 2, False, True),
    (4, 2, True, False)])
def test_keras_counts_follow_keras_weight_shapes(kind, layers, directions, bias, reset_after):
    cls = KINDS[kind][0]
    extra = {"reset_after": reset_after} if kind == "gru" else {}
    d = seq(cls(7, num_layers=layers, bidirectional=directions == 2, bias=bias, **extra), i=3,
            convention="keras")
    assert d.total == keras_params(kind, 3, 7, layers, directions, bias, reset_after)


# -- shapes -------------------------------------------------------------------------------
def test_return_sequences_gives_the_sequence_else_the_last_vector():
    row = seq(LSTM(20, bidirectional=True)).rows[0]
    assert row.output_shape.dims() == (30, 40) and row.output_shape.sequence
    row = seq(LSTM(20, bidirectional=True, return_sequences=False)).rows[0]
    assert row.output_shape.dims() == (40,) and row.output_shape.is_vector
    row = seq(LSTM(20, proj_size=5, bidirectional=True)).rows[0]
    assert row.output_shape.dims() == (30, 10)


def test_a_1d_signal_is_read_as_a_sequence():
    d = symparams.Network((Input((100, 3)), Conv(8, 5), LSTM(16, return_sequences=False),
                           Dense(2))).derive()
    assert [r.output_shape.dims() for r in d.rows] == [(96, 8), (16,), (2,)]
    assert d.rows[1].params == 4 * (16 * (8 + 16) + 2 * 16)


def test_a_dense_layer_after_a_sequence_acts_on_each_position():
    d = seq(GRU(6), Dense(2), i=4)
    assert d.rows[1].output_shape.dims() == (30, 2) and d.rows[1].params == 6 * 2 + 2


@pytest.mark.parametrize("shape,words", [((10,), "vector"), ((8, 8, 3), "2-D")])
def test_a_vector_or_an_image_is_refused(shape, words):
    with pytest.raises(ShapeError, match=f"lstm reads a sequence.*{words}"):
        symparams.Network((Input(shape), LSTM(4))).derive()


# -- closed forms ------------------------------------------------------------------------
def test_closed_forms_are_short():
    h, i = sp.symbols("h i", integer=True, positive=True)
    d = symparams.parse("I(T x i, sequence=true)-lstm(h)").derive()
    total = d.total.xreplace({d.symbols["h"]: h, d.symbols["i"]: i})
    assert sp.expand(total - (4 * h * (h + i) + 8 * h)) == 0
    assert sp.factor(total) == 4 * h * (h + i + 2)
    keras = symparams.parse("I(T x i, sequence=true)-gru(h, reset_after=false)") \
        .derive(convention="keras").total.xreplace({d.symbols["h"]: h, d.symbols["i"]: i})
    assert sp.expand(keras - 3 * (h * (i + h) + h)) == 0


def test_symbolic_num_layers_is_first_plus_l_minus_1_times_rest():
    text = "I(T x i, sequence=true)-lstm(h, num_layers=L, bidirectional=true)"
    d = symparams.parse(text).derive()
    h, i, L = (d.symbols[n] for n in "hiL")
    first = 2 * (4 * h * (i + h) + 8 * h)
    rest = 2 * (4 * h * (2 * h + h) + 8 * h)
    assert sp.expand(d.total - (first + (L - 1) * rest)) == 0
    names = [w.name for w in d.rows[0].weights]
    assert names[:4] == ["W_ih_l0", "W_hh_l0", "b_ih_l0", "b_hh_l0"]
    assert "W_ih_rest_reverse" in names
    assert d.rows[0].weights[names.index("W_ih_rest")].shape == (L - 1, 4 * h, 2 * h)
    assert L.is_positive  # L >= 1: a hyperparameter's symbol (num_layers=0 is refused)
    assert d.subs(L=1).total == d.total.xreplace({L: 1})
    assert d.evaluate(h=20, i=10, L=3, T=5) == 24960  # torch: nn.LSTM(10, 20, 3, bidirectional)


def test_many_numeric_layers_are_grouped():
    d = seq(SimpleRNN(4, num_layers=100), i=2)
    assert [w.name for w in d.rows[0].weights][-4:] == ["W_ih_rest", "W_hh_rest", "b_ih_rest",
                                                       "b_hh_rest"]
    assert d.total == (4 * 2 + 16 + 8) + 99 * (16 + 16 + 8)


def test_symbolic_proj_size_is_a_projection_with_its_conditions():
    d = symparams.parse("I(T x i, sequence=true)-lstm(h, proj_size=p)").derive()
    reasons = " ".join(c.reason for c in d.conditions)
    assert "must be smaller than the hidden size" in reasons and "at least 1" in reasons
    h, i, p = (d.symbols[n] for n in "hip")
    assert sp.expand(d.total - (4 * h * (i + p) + 8 * h + p * h)) == 0
    assert d.rows[0].output_shape.dims()[-1] == p


# -- notation ----------------------------------------------------------------------------
@pytest.mark.parametrize("text,convention,total", [
    ("I(30x10, sequence=true)-lstm(20)", "pytorch", 2560),
    ("I(30x10, sequence=true)-lstm(20)", "keras", 2480),
    ("I(30x4, sequence=true)-gru(5, reset_after=false)", "keras", 150),
    ("I(30x4, sequence=true)-gru(5)", "keras", 165),
    ("I(30x4)-simplernn(5, bias=false)", "pytorch", 5 * 4 + 25),
    ("I(30x4)-simple_rnn(5)-O(2)", "keras", 5 * 4 + 25 + 5 + 12),
    ("I(30x10, sequence=true)-lstm(20, return_sequences=false)-O(3)", "pytorch", 2560 + 63),
])
def test_notation(text, convention, total):
    assert symparams.parse(text).derive(convention=convention).total == total


def test_notation_with_symbols_stacked_and_bidirectional():
    d = symparams.parse("I(T x i, sequence=true)-rnn(h, num_layers=2, bidirectional=true)").derive()
    h, i = d.symbols["h"], d.symbols["i"]
    expected = 2 * (h * (i + h) + 2 * h) + 2 * (h * (2 * h + h) + 2 * h)
    assert sp.expand(d.total - expected) == 0
    assert d.rows[0].output_shape.dims() == (d.symbols["T"], 2 * h)


@pytest.mark.parametrize("text,error,match", [
    ("I(30x10, sequence=true)-lstm(20, bidirectional=yes2)", SpecError, "true or false"),
    ("I(30x10, sequence=true)-lstm(20, num_layers=0)", ShapeError, "at least 1"),
    ("I(30x10, sequence=true)-lstm(20, proj_size=20)", ShapeError, "smaller than the hidden"),
    ("I(30x10, sequence=true)-lstm(20, proj_size=-1)", ShapeError, "nonnegative"),
    ("I(30x10, sequence=true)-gru(20, proj_size=2)", SpecError, "unknown option"),
    ("I(30x10, sequence=true)-lstm(20, reset_after=false)", SpecError, "unknown option"),
])
def test_notation_errors(text, error, match):
    with pytest.raises(error, match=match):
        symparams.parse(text).derive()


def test_keras_refuses_proj_size_and_pytorch_refuses_reset_after_false():
    with pytest.raises(SpecError, match="layer 1 .*proj_size is PyTorch's"):
        seq(LSTM(20, proj_size=5), convention="keras")
    with pytest.raises(SpecError, match="layer 1 .*reset_after=false is Keras'"):
        seq(GRU(5, reset_after=False))


def test_frozen_layer_counts_as_non_trainable():
    d = seq(LSTM(20, trainable=False), convention="keras")
    assert (d.trainable, d.non_trainable) == (0, 2480)


# -- worked solutions --------------------------------------------------------------------
def test_worked_solution_is_the_textbook_formula():
    text = seq(LSTM(20)).worked()
    assert r"4 \times (h \times (i + h) + 2h)" in text
    assert r"4 \times (20 \times (10 + 20) + 2 \times 20) = 2560" in text
    text = seq(LSTM(20), convention="keras").worked()
    assert r"4 \times (u \times (i + u) + u)" in text
    assert r"4 \times (20 \times (10 + 20) + 20) = 2480" in text
    text = seq(GRU(5), i=4, convention="keras").worked()
    assert r"3 \times (5 \times (4 + 5) + 2 \times 5) = 165" in text
    text = seq(LSTM(20, num_layers=2, bidirectional=True, proj_size=5)).worked()
    assert (r"2 \times (4 \times (20 \times (10 + 5) + 2 \times 20) + 5 \times 20 + (2 - 1) \times "
            r"(4 \times (20 \times (2 \times 5 + 5) + 2 \times 20) + 5 \times 20))") in text


@settings(max_examples=examples(60), deadline=None)
@given(kind=st.sampled_from(sorted(KINDS)), i=st.integers(1, 9), h=st.integers(2, 9),
       layers=st.integers(1, 4), bidirectional=st.booleans(), bias=st.booleans(),
       proj=st.integers(0, 8), keras=st.booleans(), reset_after=st.booleans())
def test_worked_steps_are_the_layers_own_and_give_the_engines_count(
        kind, i, h, layers, bidirectional, bias, proj, keras, reset_after):
    proj = proj % h if kind == "lstm" and not keras else 0
    extra = {"proj_size": proj} if kind == "lstm" else {}
    if kind == "gru":
        extra["reset_after"] = reset_after or not keras
    layer = KINDS[kind][0](h, num_layers=layers, bidirectional=bidirectional, bias=bias, **extra)
    convention = "keras" if keras else "pytorch"
    d = seq(layer, i=i, t=3, convention=convention)
    row = d.rows[0]
    own = row.layer.worked_params(row, convention)
    assert param_steps(row, convention) == own  # not the fallback to weight shapes
    assert own[0].working.value() == d.total


# -- PyTorch -----------------------------------------------------------------------------
def torch_module(torch, kind, i, h, layers=1, bidirectional=False, bias=True, proj=0):
    options = dict(num_layers=layers, bidirectional=bidirectional, bias=bias, batch_first=True)
    if proj:
        options["proj_size"] = proj
    return getattr(torch.nn, KINDS[kind][2])(i, h, **options)


def our_name(torch_name: str) -> str:
    """``weight_ih_l0_reverse`` -> ``W_ih_l0_reverse``."""
    return torch_name.replace("weight_", "W_").replace("bias_", "b_")


@settings(max_examples=examples(80), deadline=None)
@given(kind=st.sampled_from(sorted(KINDS)), i=st.integers(1, 300), h=st.integers(1, 300),
       layers=st.integers(1, 12), bidirectional=st.booleans(), bias=st.booleans(),
       proj=st.integers(0, 299))
def test_counts_and_closed_forms_equal_torch_on_the_meta_device(kind, i, h, layers,
                                                                bidirectional, bias, proj):
    torch = require_torch()
    proj = proj % h if kind == "lstm" else 0
    with torch.device("meta"):
        module = torch_module(torch, kind, i, h, layers, bidirectional, bias, proj)
    expected = sum(p.numel() for p in module.parameters())
    extra = {"proj_size": proj} if kind == "lstm" else {}
    cls = KINDS[kind][0]
    numeric = seq(cls(h, num_layers=layers, bidirectional=bidirectional, bias=bias, **extra), i=i)
    assert numeric.evaluate() == expected
    if layers <= 8:  # one tensor per torch parameter, same names and shapes
        assert [(w.name, tuple(int(x) for x in w.shape)) for w in numeric.rows[0].weights] == \
            [(our_name(n), tuple(p.shape)) for n, p in module.named_parameters()]
    symbolic = seq(cls("h", num_layers="L", bidirectional=bidirectional, bias=bias,
                       **({"proj_size": "p"} if proj else extra)), i="i", t="T")
    values = {"h": h, "i": i, "L": layers, "p": proj}
    total = symbolic.total.xreplace({s: values[n] for n, s in symbolic.symbols.items()
                                     if n in values})
    assert total == expected
    width = (proj or h) * (2 if bidirectional else 1)
    assert numeric.rows[0].output_shape.dims() == (30, width)


def test_from_torch_reads_lstm_then_last_step_then_linear():
    torch = require_torch()
    nn = torch.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(10, 20, num_layers=2, batch_first=True, bidirectional=True)
            self.head = nn.Linear(40, 3)

        def forward(self, x):
            out, _ = self.lstm(x)
            return self.head(out[:, -1, :])

    model = Model()
    for shape in ((30, 10), (4, 30, 10)):
        d = symparams.from_torch(model, shape).derive()
        assert d.evaluate() == sum(p.numel() for p in model.parameters())
        assert [r.kind for r in d.rows] == ["lstm", "dense"]
        assert d.input_shape.dims() == (30, 10) and d.input_shape.sequence
        assert d.rows[0].output_shape.dims() == (40,)
        assert d.rows[0].layer.return_sequences is False
    with torch.no_grad():
        assert tuple(model(torch.zeros(2, 30, 10)).shape[1:]) == d.output_shape.dims()
    sym = symparams.from_torch(model, (30, 10), symbolize=("units", "input", "channels"))
    d = sym.derive()
    assert {"h1", "l", "n", "o"} <= set(d.symbols)


def test_from_torch_reads_item_0_by_index_and_a_whole_module():
    torch = require_torch()
    nn = torch.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.gru = nn.GRU(4, 5, batch_first=True)
            self.fc = nn.Linear(5, 2)

        def forward(self, x):
            return self.fc(self.gru(x)[0][:, -1])

    model = Model()
    d = symparams.from_torch(model, (7, 4)).derive()
    assert d.evaluate() == 165 + 12 == sum(p.numel() for p in model.parameters())
    lone = nn.LSTM(10, 20, batch_first=True, proj_size=7)
    d = symparams.from_torch(lone, (1, 30, 10)).derive()
    assert d.evaluate() == sum(p.numel() for p in lone.parameters())
    assert d.rows[0].output_shape.dims() == (30, 7)


def test_from_torch_refuses_the_final_states_and_batch_first_false():
    torch = require_torch()
    nn = torch.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(10, 20, batch_first=True)
            self.fc = nn.Linear(20, 2)

        def forward(self, x):
            _, (h, _c) = self.lstm(x)
            return self.fc(h[-1])

    with pytest.raises(NotSupportedError, match="item 1 of the output of lstm"):
        symparams.from_torch(Model(), (30, 10))
    with pytest.raises(NotSupportedError, match="batch_first=False"):
        symparams.from_torch(nn.LSTM(10, 20), (30, 10))
    with pytest.raises(ShapeError, match="expects 10 input features, gets 11"):
        symparams.from_torch(nn.LSTM(10, 20, batch_first=True), (30, 11))


def test_from_torch_reads_a_linear_on_each_position():
    torch = require_torch()
    nn = torch.nn

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = nn.LSTM(10, 20, batch_first=True)
            self.fc = nn.Linear(20, 3)

        def forward(self, x):
            return self.fc(self.lstm(x)[0])

    model = Model()
    d = symparams.from_torch(model, (30, 10)).derive()
    assert d.evaluate() == sum(p.numel() for p in model.parameters())
    net = symparams.parse("I(6x3, sequence=true)-lstm(5)-O(4)")
    assert symparams.from_torch(net.to_torch(), (6, 3)).derive().total == net.derive().total


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
@pytest.mark.parametrize("text", [
    "I(6x3, sequence=true)-lstm(5)",
    "I(6x3, sequence=true)-lstm(5, num_layers=2, bidirectional=true, proj_size=2)",
    "I(6x3, sequence=true)-lstm(5, proj_size=2, return_sequences=false)-O(4)",
    "I(6x3, sequence=true)-gru(5, return_sequences=false, bias=false)-O(2)",
    "I(6x3)-rnn(4, num_layers=3, bidirectional=true, return_sequences=false)",
    "I(6x3, sequence=true)-lstm(5, bidirectional=true, return_sequences=false)-H(4)-O(2)",
])
def test_to_torch_round_trip(text):
    torch = require_torch()
    d = symparams.parse(text).derive()
    model = d.network.to_torch()
    assert sum(p.numel() for p in model.parameters()) == d.evaluate()
    with torch.no_grad():
        out = model(torch.zeros(2, 6, 3))
    assert tuple(out.shape[1:]) == d.output_shape.dims()
    back = symparams.from_torch(model, (6, 3)).derive()
    assert back.evaluate() == d.evaluate()
    assert [r.output_shape.dims() for r in back.rows] == [r.output_shape.dims() for r in d.rows]


def test_to_torch_refuses_keras_only_gru_and_keeps_frozen_layers():
    require_torch()
    keras_gru = symparams.Network((Input((5, 4), sequence=True), GRU(3, reset_after=False)))
    with pytest.raises(SpecError, match="reset_after=false"):
        keras_gru.to_torch()  # derived under PyTorch's convention first
    with pytest.raises(NotSupportedError, match="reset_after=false"):
        to_torch(keras_gru.derive(convention="keras"))
    model = symparams.Network((Input((5, 4), sequence=True), LSTM(3, trainable=False))).to_torch()
    assert not any(p.requires_grad for p in model.parameters())
    d = symparams.from_torch(model, (5, 4)).derive()
    assert (d.trainable, d.non_trainable) == (0, 4 * (3 * 7 + 6))
