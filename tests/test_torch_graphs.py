"""Graphs through PyTorch: ``to_torch``/``verify`` of residual, branching and repeated
networks, ``from_torch`` of torchvision's models through ``torch.fx``.

Expected numbers come from torch: ``sum(p.numel())`` and forward passes on the meta
device.
"""

from __future__ import annotations

import pytest

import symparams
from tests.torch_required import forward_shapes, require_torch, require_torchvision

GRAPHS = [
    "I(16x16x8)-[C(8,3,p=1)-B]+-{C(4,1) | C(4,3,p=1) | }",
    "I(9x9x16)-[G(avg)-H(4)-A(relu)-H(16)-A(sigmoid)]*",
    "I(16x16x8)-([C(8,3,p=1)-B]+-A(relu))x3-(C(4,3,s=2))x2",
    "b(c)=[C(c,3,s=2,p=1)-B | C(c,1,s=2)-B]+-A(relu); I(33x33x3)-b(8)-b(16)-G(avg)-O(10)",
    "I(17x17x4)-(C(4,3,p=1))x0-P(3,s=2,ceil=true)-{C(2,1) | P(3,s=1,p=1)}",
]


@pytest.mark.parametrize("text", GRAPHS)
def test_verify_agrees_on_graphs(text):
    require_torch()
    from symparams.commands_verify import verify

    d = symparams.parse(text).derive()
    report = verify(d)
    assert report.error is None
    assert report.agrees, [(c.name, c.shape, c.torch_shape, c.params, c.torch_params)
                           for c in report.layers if not c.agrees]
    assert report.torch_total == d.evaluate()


@pytest.mark.parametrize("text", GRAPHS)
def test_to_torch_then_from_torch_keeps_every_count(text):
    require_torch()
    from symparams.interop.torch import from_torch, to_torch

    d = symparams.parse(text).derive()
    model = to_torch(d)
    back = from_torch(model, tuple(int(x) for x in d.input_shape.channels_first())).derive()
    assert back.evaluate() == d.evaluate() == sum(p.numel() for p in model.parameters())
    assert back.output_shape == d.output_shape


def test_shared_and_frozen_layers_reach_torch():
    torch = require_torch()
    from symparams.commands_verify import verify
    from symparams.core.network import Network
    from symparams.interop.torch import to_torch
    from symparams.layers import Conv, Dense, GlobalPool, Input

    net = Network((Input((8, 8, 3)), Conv(4, 3, trainable=False), GlobalPool(),
                   Dense(4, name="fc"), Dense(4, shares="fc")))
    d = net.derive()
    model = to_torch(d)
    trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)
    assert int(d.trainable) == trainable == 4 * 4 + 4
    assert d.evaluate() == sum(p.numel() for p in model.parameters()) == 3 * 3 * 3 * 4 + 4 + 20
    assert verify(d).agrees
    assert model(torch.zeros(1, 3, 8, 8)).shape == (1, 4)


ZOO = {  # torchvision name -> (constructor options, input size)
    "resnet18": ({}, 224), "resnet50": ({}, 224), "densenet121": ({}, 224),
    "squeezenet1_1": ({}, 224), "mobilenet_v2": ({}, 224), "mobilenet_v3_small": ({}, 224),
    "googlenet": ({"aux_logits": True, "init_weights": False}, 224),
    "inception_v3": ({"aux_logits": True, "init_weights": False}, 299),
    "efficientnet_b0": ({}, 224), "resnext50_32x4d": ({}, 224),
    "vgg11_bn": ({}, 224), "alexnet": ({}, 224), "mnasnet0_5": ({}, 224),
}


@pytest.mark.parametrize("name", sorted(ZOO))
def test_from_torch_reads_torchvision(name):
    torchvision = require_torchvision()
    import torch

    options, size = ZOO[name]
    with torch.device("meta"):
        model = getattr(torchvision.models, name)(**options)
    d = symparams.from_torch(model, (3, size, size)).derive()
    assert d.evaluate() == sum(p.numel() for p in model.parameters())
    shapes = forward_shapes(model, size, ((path, m) for path, m in model.named_modules()
                                          if not list(m.children())))
    checked = 0
    for row in d.rows:
        path = (row.layer.spec or "").split(": ", 1)[0]
        if path in shapes and row.layer.shares is None and row.kind[:6] != "global":
            assert tuple(int(x) for x in row.output_shape.channels_first()) == shapes[path], path
            checked += 1
    assert checked >= 10


def test_from_torch_symbolic_input_size_through_residual_merges():
    torchvision = require_torchvision()
    import torch

    with torch.device("meta"):
        model = torchvision.models.resnet50()
    d = symparams.from_torch(model, (3, 224, 224), symbolize="input").derive()
    assert d.evaluate(n=224) == 25557032
    last_spatial = [r for r in d.rows if r.output_shape.spatial][-1]
    assert str(last_spatial.output_shape) == "ceiling(n/32) × ceiling(n/32) × 2048"
    assert not [c for c in d.conditions if "agree" in c.reason]


def test_unsupported_calls_are_named():
    torchvision = require_torchvision()
    import torch

    with torch.device("meta"):
        model = torchvision.models.shufflenet_v2_x0_5()
    with pytest.raises(symparams.NotSupportedError, match=r"ShuffleNetV2:getitem \(getitem\): "
                                                          "function not supported"):
        symparams.from_torch(model, (3, 224, 224))


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_padding_modes_agree_with_torch(mode):
    """Every size and padding from 1 to 6: torch runs it iff symparams accepts it, with
    the same shape; from_torch reads the module back."""
    torch = require_torch()
    from symparams.core.errors import ShapeError
    from symparams.core.network import Network
    from symparams.layers import Input, ZeroPadding

    word = {"zeros": "ZeroPad", "reflect": "ReflectionPad", "replicate": "ReplicationPad",
            "circular": "CircularPad"}[mode]
    for size in range(1, 7):
        for pad in range(1, 7):
            module = getattr(torch.nn, f"{word}2d")(pad)
            try:
                expected = tuple(module(torch.zeros(1, 2, size, size)).shape[1:])
            except (RuntimeError, ValueError, IndexError):
                expected = None
            try:
                d = Network((Input((size, size, 2)), ZeroPadding(pad, mode=mode))).derive()
                got = tuple(int(x) for x in d.output_shape.channels_first())
            except ShapeError:
                got = None
            assert got == expected, (mode, size, pad)
            if expected is not None:
                back = symparams.from_torch(torch.nn.Sequential(module), (2, size, size))
                assert back.layers[1].mode == mode
                from symparams.commands_verify import verify

                assert verify(d).agrees  # to_torch builds the same module kind
    kind = "zeropadding" if mode == "zeros" else word.lower()
    d = symparams.parse(f"I(n x n x 2)-{kind}(p)").derive()
    assert [str(c.relation) for c in d.conditions if "padding" in c.reason] == (
        ["n >= p + 1"] if mode == "reflect" else ["n >= p"] if mode == "circular" else [])


def _branching_model(torch):
    nn = torch.nn

    class Branching(nn.Module):
        """A forward that branches on a size: torch.fx cannot trace it, torch.export can."""

        def __init__(self):
            super().__init__()
            self.conv = nn.Conv2d(3, 8, 3)
            self.bn = nn.BatchNorm2d(8)
            self.pool = nn.AdaptiveAvgPool2d(1)
            self.fc = nn.Linear(8, 8)

        def forward(self, x):
            if x.shape[-1] > 5:
                x = self.conv(x)
            x = torch.relu(self.bn(x))  # training mode: batch norm updates its counter too
            x = torch.flatten(self.pool(x), 1)
            return self.fc(self.fc(x)) + x  # fc applied twice: its weights count once

    return Branching()


def test_a_forward_that_branches_on_sizes_is_read_through_torch_export():
    torch = require_torch()
    with torch.device("meta"):
        model = _branching_model(torch)
    with pytest.raises(Exception):
        torch.fx.symbolic_trace(model)
    d = symparams.from_torch(model, (3, 10, 10)).derive()
    assert d.evaluate() == sum(p.numel() for p in model.parameters())
    assert [r.kind for r in d.rows] == ["conv2d", "batchnorm", "activation", "globalavgpool",
                                        "dense", "dense", "add"]
    assert d.rows[5].layer.shares == "fc" and d.rows[5].params == 0
    shapes = forward_shapes(model, 10, [("conv", model.conv), ("pool", model.pool)])
    assert shapes["conv"] == (8, 8, 8) and str(d.rows[0].output_shape) == "8 × 8 × 8"
    assert shapes["pool"] == (8, 1, 1)


@pytest.mark.parametrize("name, size", [("resnet18", 224), ("densenet121", 64),
                                        ("inception_v3", 299), ("squeezenet1_1", 224)])
def test_torch_export_reads_torchvision_models_as_fx_does(monkeypatch, name, size):
    """The two readers give the same network: with fx made to fail, from_torch goes
    through torch.export and gets every row and the total as through fx."""
    torch = require_torch()
    tv = require_torchvision()
    options = {"aux_logits": True, "init_weights": False} if name == "inception_v3" else {}
    with torch.device("meta"):
        model = getattr(tv.models, name)(**options)  # training mode: Inception's aux head runs
    by_fx = symparams.from_torch(model, (3, size, size)).derive()

    def fail(*args, **kwargs):
        raise RuntimeError("made to fail")

    from symparams.interop import torch as bridge

    monkeypatch.setattr(bridge, "_fx_graph", fail)
    by_export = symparams.from_torch(model, (3, size, size)).derive()
    assert [(r.kind, str(r.output_shape), r.params) for r in by_export.all_rows()] == \
        [(r.kind, str(r.output_shape), r.params) for r in by_fx.all_rows()]
    assert by_export.evaluate() == by_fx.evaluate() == sum(p.numel() for p in model.parameters())


def test_when_neither_reader_can_trace_the_error_says_both():
    torch = require_torch()
    nn = torch.nn

    class Broken(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(4, 4)

        def forward(self, x):
            if x.shape[-1] > 2:
                raise ValueError("no")
            return self.fc(x)

    with pytest.raises(symparams.NotSupportedError, match="torch.fx cannot trace.*nor torch.export"):
        symparams.from_torch(Broken(), (4,))
