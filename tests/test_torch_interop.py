"""from_torch, to_torch and ``symparams verify``.  Expected counts come from torch itself
(``sum(p.numel() for p in model.parameters())``) or are worked by hand in comments."""

from __future__ import annotations

import subprocess
import sys

import pytest
import sympy as sp

import symparams
from symparams.cli import main
from tests.torch_required import require_torch

torch = require_torch()
nn = torch.nn
F = torch.nn.functional


def n_params(model) -> int:
    return sum(p.numel() for p in model.parameters())


def torch_shapes(model, x) -> list[tuple[int, ...]]:
    """Output shape (without the batch) of every leaf module, in call order."""
    shapes: list[tuple[int, ...]] = []
    for m in model.modules():
        if not list(m.children()):
            m.register_forward_hook(lambda _m, _i, out: shapes.append(tuple(out.shape[1:])))
    with torch.no_grad():
        model.eval()(x)
    return shapes


def lenet5() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.Tanh(), nn.AvgPool2d(2),
        nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(16 * 5 * 5, 120), nn.Tanh(), nn.Linear(120, 84), nn.Tanh(),
        nn.Linear(84, 10))


def small_cnn() -> nn.Module:
    return nn.Sequential(
        nn.Conv2d(3, 8, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))


# -- from_torch ------------------------------------------------------------------------
def test_lenet5_total_and_shapes_equal_torch():
    model = lenet5()
    d = symparams.from_torch(model, (1, 1, 28, 28)).derive()
    assert d.evaluate() == n_params(model) == 61706
    expected = torch_shapes(model, torch.zeros(1, 1, 28, 28))
    assert [tuple(int(v) for v in r.output_shape.channels_first()) for r in d.rows] == expected


def test_batch_is_optional_in_the_input_shape():
    with_batch = symparams.from_torch(lenet5(), (8, 1, 28, 28)).derive()
    without = symparams.from_torch(lenet5(), (1, 28, 28)).derive()
    assert with_batch.total == without.total
    with pytest.raises(symparams.SpecError, match="expected 3 sizes"):
        symparams.from_torch(lenet5(), (28, 28))


def test_batchnorm_running_statistics_are_buffers():
    model = small_cnn()
    d = symparams.from_torch(model, (3, 16, 16)).derive()
    # conv 3*3*3*8 = 216 (no bias), batchnorm 2*8 = 16, linear 8*10 + 10 = 90
    assert d.evaluate() == n_params(model) == 216 + 16 + 90
    keras = symparams.from_torch(model, (3, 16, 16)).derive(convention="keras")
    assert keras.non_trainable == 16  # running mean and variance


def test_symbolize_input_gives_shapes_as_functions_of_n():
    model = nn.Sequential(nn.Conv2d(3, 4, 3, stride=2, padding=1), nn.MaxPool2d(2, ceil_mode=True),
                          nn.Conv2d(4, 4, 3, dilation=2, padding=2))
    d = symparams.from_torch(model, (3, 40, 40), symbolize="input").derive()
    assert set(d.symbols) == {"n"}
    n = d.symbols["n"]
    for size in (9, 20, 33, 40):
        expected = torch_shapes(model, torch.zeros(1, 3, size, size))
        got = [tuple(int(v.subs(n, size)) for v in r.output_shape.channels_first()) for r in d.rows]
        assert got == expected


def test_symbolize_unequal_input_sizes_get_one_symbol_each():
    model = nn.Sequential(nn.Conv2d(1, 2, 3))
    d = symparams.from_torch(model, (1, 20, 30), symbolize="input").derive()
    assert set(d.symbols) == {"h", "w"}


def test_symbolize_channels_and_units_gives_the_textbook_formula():
    d = symparams.from_torch(small_cnn(), (3, 16, 16),
                             symbolize=("input", "channels", "units")).derive()
    l, c1, o = (sp.Symbol(s, integer=True, positive=True) for s in ("l", "c1", "o"))
    # conv without bias: 3*3*l*c1; batchnorm: 2*c1; linear: c1*o + o
    assert sp.expand(d.total - (9 * l * c1 + 2 * c1 + c1 * o + o)) == 0
    assert d.evaluate(n=16, l=3, c1=8, o=10) == n_params(small_cnn())


def test_symbolize_dict_names_and_ties_symbols():
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.Conv2d(8, 8, 3), nn.Flatten(),
                          nn.Linear(8 * 6 * 6, 5))
    d = symparams.from_torch(model, (3, 10, 10), symbolize={
        "0": {"channels": "c"}, "2": {"channels": "c", "kernel": "k"}, "4": "units"}).derive()
    assert set(d.symbols) == {"c", "k", "o"}
    assert d.evaluate(c=8, k=3, o=5) == n_params(model)
    with pytest.raises(symparams.SpecError, match="no module '9'"):
        symparams.from_torch(model, (3, 10, 10), symbolize={"9": "kernel"})
    with pytest.raises(symparams.SpecError, match="unknown group 'width'"):
        symparams.from_torch(model, (3, 10, 10), symbolize="width")


def test_nested_sequentials_are_flattened_and_named_by_path():
    model = nn.Sequential()
    model.add_module("features", nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(),
                                               nn.Sequential(nn.MaxPool2d(2))))
    model.add_module("classifier", nn.Sequential(nn.Flatten(), nn.Linear(4 * 5 * 5, 3)))
    net = symparams.from_torch(model, (1, 12, 12))
    assert net.derive().evaluate() == n_params(model)
    specs = [layer.spec for layer in net.layers[1:]]
    assert specs[0].startswith("features.0: Conv2d") and specs[2].startswith("features.2.0:")


class Traced(nn.Module):
    """A plain forward that torch.fx traces to a chain."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv1d(2, 4, 3)
        self.pool = nn.AvgPool1d(2)
        self.fc = nn.Linear(4 * 4, 6)

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = torch.flatten(self.pool(x), 1)
        return F.dropout(self.fc(x), 0.1)


def test_traced_module_with_functional_calls():
    model = Traced()
    d = symparams.from_torch(model, (2, 10)).derive()
    assert d.evaluate() == n_params(model)
    assert [r.kind for r in d.rows] == ["conv1d", "activation", "avgpool1d", "flatten", "dense",
                                        "dropout"]


class Residual(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)

    def forward(self, x):
        return x + self.conv(x)


class Concat(nn.Module):
    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Conv2d(3, 2, 1), nn.Conv2d(3, 2, 1)

    def forward(self, x):
        return torch.cat([self.a(x), self.b(x)], 1)


class Shared(nn.Module):
    """One linear layer applied twice, a frozen convolution, a functional pooling."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.fc = nn.Linear(4, 4)
        for p in self.conv.parameters():
            p.requires_grad_(False)

    def forward(self, x):
        y = torch.nn.functional.adaptive_avg_pool2d(self.conv(x), (1, 1))
        return self.fc(torch.relu(self.fc(torch.flatten(y, 1))))


class Gate(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 6, 3, padding=1)
        self.squeeze = nn.Linear(6, 6)

    def forward(self, x):
        y = self.conv(x)
        return self.squeeze((y * 2 + y).mean((2, 3)))


@pytest.mark.parametrize("model", [Residual(), Concat(), Shared()])
def test_branching_graphs_read_through_fx(model):
    d = symparams.from_torch(model, (3, 8, 8)).derive()
    assert d.evaluate() == n_params(model)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert int(d.trainable) == trainable
    assert int(d.non_trainable) == n_params(model) - trainable
    out = model(torch.zeros(1, 3, 8, 8))
    assert tuple(int(x) for x in d.output_shape.channels_first()) == tuple(out.shape[1:])


def test_graph_rows_say_what_they_read():
    d = symparams.from_torch(Concat(), (3, 8, 8)).derive()
    assert [(r.kind, r.inputs) for r in d.rows] == [
        ("conv2d", ("input",)), ("conv2d", ("input",)), ("concat", ("conv2d1", "conv2d2"))]
    shared = symparams.from_torch(Shared(), (3, 8, 8)).derive()
    assert [r.kind for r in shared.rows] == ["conv2d", "globalavgpool", "dense", "activation",
                                             "dense"]
    assert shared.rows[-1].layer.shares == "fc" and shared.rows[-1].params == 0


def test_scalar_arithmetic_keeps_the_shape():
    d = symparams.from_torch(Gate(), (3, 8, 8)).derive()
    assert [(r.kind, r.inputs) for r in d.rows] == [
        ("conv2d", ("input",)), ("add", ("conv2d1", "conv2d1")),
        ("globalavgpool", ("add1",)), ("dense", ("globalavgpool1",))]
    assert d.evaluate() == n_params(Gate())


def test_every_unsupported_module_is_listed_in_one_error():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.PixelShuffle(2), nn.Flatten(), nn.LSTM(4, 4),
                          nn.MaxPool2d(2, dilation=2), nn.BatchNorm2d(4, affine=False))
    with pytest.raises(symparams.NotSupportedError) as err:
        symparams.from_torch(model, (3, 8, 8))
    message = str(err.value)
    for piece in ("1 (PixelShuffle)", "3 (LSTM)", "4 (MaxPool2d): dilation", "5 (BatchNorm2d): affine"):
        assert piece in message
    assert "\n" not in message


def test_parameters_outside_read_layers_are_not_dropped():
    class Scaled(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(1, 2, 3)
            self.scale = nn.Parameter(torch.ones(1))

        def forward(self, x):
            return self.conv(x) * self.scale

    with pytest.raises(symparams.NotSupportedError, match="scale"):
        symparams.from_torch(Scaled(), (1, 8, 8))


def test_inconsistent_models_name_the_module():
    with pytest.raises(symparams.ShapeError, match=r"layer 1 \(conv2d1, 0: Conv2d.*expects 2 input"):
        symparams.from_torch(nn.Sequential(nn.Conv2d(2, 4, 3)), (3, 8, 8))
    with pytest.raises(symparams.ShapeError, match="nn.Flatten"):
        symparams.from_torch(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Linear(6, 2)), (3, 8, 8))
    with pytest.raises(symparams.ShapeError, match="expects 100 input features, gets 144"):
        symparams.from_torch(nn.Sequential(nn.Conv2d(3, 4, 3), nn.Flatten(), nn.Linear(100, 2)),
                             (3, 8, 8))


def test_adaptive_pool_keeps_its_spatial_size():
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveMaxPool2d(1), nn.ReLU(), nn.Flatten(),
                          nn.Linear(4, 2))
    d = symparams.from_torch(model, (3, 8, 8)).derive()
    assert [r.kind for r in d.rows] == ["conv2d", "adaptivemaxpool2d", "activation", "flatten",
                                        "dense"]
    assert d.rows[1].output_shape.channels_first() == (4, 1, 1)
    assert d.evaluate() == n_params(model)
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.AdaptiveAvgPool2d((2, 3)), nn.Flatten(),
                          nn.Linear(24, 2))
    assert symparams.from_torch(model, (3, 8, 8)).derive().evaluate() == n_params(model)


def test_same_and_other_padding_modes():
    model = nn.Sequential(nn.Conv2d(2, 3, 4, padding="same", dilation=2),
                          nn.Conv2d(3, 3, 3, padding=1, padding_mode="reflect"),
                          nn.Conv2d(3, 3, 3, padding="valid"))
    d = symparams.from_torch(model, (2, 9, 9)).derive()
    assert d.evaluate() == n_params(model)
    assert [tuple(int(v) for v in r.output_shape.channels_first()) for r in d.rows] == \
        torch_shapes(model, torch.zeros(1, 2, 9, 9))


# -- to_torch --------------------------------------------------------------------------
def test_to_torch_builds_the_textbook_network():
    net = symparams.parse("I(28x28x1)-C(32,5)-P(2)-C(32,3)-P(2)-H(256)-O(10)")
    model = net.to_torch()
    # (5*5*1+1)*32 + (3*3*32+1)*32 + (5*5*32+1)*256 + (256+1)*10
    assert n_params(model) == 832 + 9248 + 205056 + 2570
    assert [type(m).__name__ for m in model] == ["Conv2d", "MaxPool2d", "Conv2d", "MaxPool2d",
                                                 "Flatten", "Linear", "Linear"]
    assert tuple(model(torch.zeros(2, 1, 28, 28)).shape) == (2, 10)


def test_to_torch_needs_every_value():
    net = symparams.parse("I-C-P-H-O")
    with pytest.raises(symparams.MissingValueError, match="k1 .*kernel size"):
        net.to_torch(n=28, l=1, c1=4)
    model = net.to_torch(n=28, l=1, c1=4, k1=5, q1=2, h1=16, o=10, device="meta")
    # conv (5*5*1+1)*4 = 104; pooled 12x12x4 = 576 -> (576+1)*16 = 9232; (16+1)*10 = 170
    assert n_params(model) == 104 + 9232 + 170
    assert next(model.parameters()).is_meta


@pytest.mark.parametrize("n,s,k", [(7, 2, 3), (8, 2, 3), (10, 3, 4), (5, 2, 2)])
def test_keras_same_with_stride_uses_explicit_padding(n, s, k):
    model = symparams.parse(f"I({n}x{n}x2)-C(3,{k},s={s},p=same)-P({k},s={s},p=same)").to_torch()
    out = model.eval()(torch.zeros(1, 2, n, n))
    after_conv = -(-n // s)  # Keras 'same': ceil(n / s)
    assert tuple(out.shape) == (1, 3, -(-after_conv // s), -(-after_conv // s))


def test_round_trip_through_torch():
    text = "I(12x10x3)-C(6,3,s=2,p=1,g=3,bias=false)-B-A(gelu)-P(2,ceil=true,mode=avg)-G-D(0.2)-O(4)"
    d = symparams.parse(text).derive()
    model = symparams.parse(text).to_torch()
    back = symparams.from_torch(model, (3, 12, 10)).derive()
    assert back.evaluate() == d.evaluate() == n_params(model)
    assert [r.output_shape for r in back.rows] == [r.output_shape for r in d.rows]


# -- verify ----------------------------------------------------------------------------
def test_verify_agrees(capsys):
    assert main(["verify", "I-C-P-C-P-H-O", "--set", "n=32", "l=3", "c1=6", "k1=5", "q1=2",
                 "c2=16", "k2=5", "q2=2", "h1=120", "o=10"]) == 0
    out = capsys.readouterr().out
    assert "NO" not in out and out.count(" yes") == 8  # 7 layers and the total


def test_verify_keras_convention_counts_running_statistics(capsys):
    assert main(["verify", "I(8x8x3)-C(4,3)-B-F-O(2)", "--convention", "keras"]) == 0
    assert "batchnorm1" in capsys.readouterr().out


def test_verify_reports_a_disagreement(monkeypatch, capsys):
    from symparams.layers import Dense

    monkeypatch.setattr(Dense, "to_torch", lambda self, nn, r: nn.Linear(
        int(r.input_shape.channels), int(self.units), bias=False))
    assert main(["verify", "I(4x4x1)-C(2,3)-O(3)"]) == 1
    out = capsys.readouterr().out
    assert "DISAGREEMENT" in out and out.count("NO") == 2  # dense1 and the total


def test_verify_reports_what_torch_refuses(monkeypatch, capsys):
    from symparams.layers import Pool

    monkeypatch.setattr(Pool, "to_torch", lambda self, nn, r: nn.MaxPool2d(9))
    assert main(["verify", "I(6x6x1)-C(2,3)-P(2)-F"]) == 1
    out = capsys.readouterr().out
    assert "PyTorch refused the model: layer 2 (maxpool1)" in out


def test_verify_without_values_is_a_clear_error(capsys):
    assert main(["verify", "I-C-O"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("symparams: error: verify needs numbers") and "k1 (kernel size" in err


# -- without torch ---------------------------------------------------------------------
def test_core_works_and_bridge_explains_without_torch():
    code = (
        "import sys; sys.modules['torch'] = None\n"
        "import symparams\n"
        "assert symparams.parse('I(28x28x1)-C(4,5)').derive().evaluate() == 104\n"
        "try:\n"
        "    symparams.parse('I(8x1)-O(2)').to_torch()\n"
        "except symparams.NotSupportedError as e:\n"
        "    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install torch" in out.stdout


def test_import_symparams_does_not_import_torch():
    code = "import sys, symparams, symparams.cli; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("slopes", [1, 6])
def test_prelu_is_read_with_its_slopes(slopes):
    model = nn.Sequential(nn.Conv2d(3, 6, 3), nn.PReLU(slopes), nn.Flatten(), nn.Linear(6 * 36, 2))
    d = symparams.from_torch(model, (3, 8, 8)).derive()
    assert d.evaluate() == sum(p.numel() for p in model.parameters())
    assert d.rows[1].kind == "prelu" and d.rows[1].params == slopes
