"""The CNN zoo against torchvision's models, built on the meta device (no weights).

Parameter counts and every top-level module's output shape come from torchvision
itself: ``sum(p.numel())`` and a forward pass with hooks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import symparams
from tests.torch_required import forward_shapes, require_torchvision

ROOT = Path(__file__).parent.parent / "derivations"
RESNETS = {  # torchvision name -> (zoo file, stage depths)
    "resnet18": ("resnet_basic.toml", (2, 2, 2, 2)),
    "resnet34": ("resnet_basic.toml", (3, 4, 6, 3)),
    "resnet50": ("resnet_bottleneck.toml", (3, 4, 6, 3)),
    "resnet101": ("resnet_bottleneck.toml", (3, 4, 23, 3)),
    "resnet152": ("resnet_bottleneck.toml", (3, 8, 36, 3)),
}


def _model(name: str, **kwargs):
    torchvision = require_torchvision()
    import torch

    with torch.device("meta"):
        return getattr(torchvision.models, name)(**kwargs)


def _outputs(model, size: int, names=None) -> dict[str, tuple[int, ...]]:
    """The output shape (without the batch) of every top-level module at ``size``, or
    of the modules ``names`` (dotted, as ``model.named_modules()`` names them)."""
    modules = dict(model.named_modules())
    chosen = model.named_children() if names is None else ((n, modules[n]) for n in names)
    return forward_shapes(model, size, chosen)


@pytest.mark.parametrize("name", sorted(RESNETS))
def test_resnet_totals_and_blocks(name):
    file, depths = RESNETS[name]
    model = _model(name)
    d = symparams.load(ROOT / file).derive()
    values = dict(n=224, **{f"L{i}": L for i, L in enumerate(depths, 1)})
    assert d.evaluate(values) == sum(p.numel() for p in model.parameters())
    numeric = d.subs(values)
    for stage in range(1, 5):
        blocks = getattr(model, f"layer{stage}")
        rest = sum(p.numel() for b in list(blocks)[1:] for p in b.parameters())
        repeat = numeric.row(f"repeat{stage}")
        if stage == 1 and file == "resnet_basic.toml":  # all of layer1 is one repeat
            assert int(repeat.params) == sum(p.numel() for p in blocks.parameters())
        else:
            first = numeric.row(f"layer{stage}")
            assert int(first.params) == sum(p.numel() for p in blocks[0].parameters())
            assert int(repeat.params) == rest


@pytest.mark.parametrize("size", [224, 97, 33])
@pytest.mark.parametrize("name", ["resnet18", "resnet50"])
def test_resnet_shapes_follow_the_forward_pass(name, size):
    file, depths = RESNETS[name]
    torch_shapes = _outputs(_model(name), size)
    d = symparams.load(ROOT / file).derive()
    numeric = d.subs(dict(n=size, **{f"L{i}": L for i, L in enumerate(depths, 1)}))
    ours = {"conv1": "conv2d1", "bn1": "batchnorm1", "relu": "activation1",
            "maxpool": "maxpool1", "layer1": "repeat1", "layer2": "repeat2",
            "layer3": "repeat3", "layer4": "repeat4", "avgpool": "globalavgpool1",
            "fc": "dense1"}
    for module, row in ours.items():
        shape = tuple(int(x) for x in numeric.row(row).output_shape.channels_first())
        expected = torch_shapes[module]
        if module == "avgpool":  # (C, 1, 1) in torch; a vector of C here
            expected = expected[:1]
        assert shape == expected, (module, size)


def test_resnet_final_feature_map_is_one_ceiling():
    d = symparams.load(ROOT / "resnet_bottleneck.toml").derive()
    assert str(d.row("repeat4").output_shape) == "ceiling(n/32) × ceiling(n/32) × 2048"


# -- DenseNet, SqueezeNet, MobileNetV2, Inception v3 --------------------------------------
# Each torchvision module (dotted name) is matched with the rows of the zoo file that do
# its work: the module's parameters are the rows' sum, its output the last row's shape.
def _rows(prefix: str, first: int, last: int) -> tuple[str, ...]:
    return tuple(f"{prefix}{i}" for i in range(first, last + 1))


DENSENET_ROWS = {
    "features.conv0": ("conv0",), "features.norm0": ("norm0",), "features.relu0": ("relu0",),
    "features.pool0": ("pool0",),
    "features.denseblock1": _rows("denselayer", 1, 6), "features.transition1": ("transition1",),
    "features.denseblock2": _rows("denselayer", 7, 18), "features.transition2": ("transition2",),
    "features.denseblock3": _rows("denselayer", 19, 42), "features.transition3": ("transition3",),
    "features.denseblock4": _rows("denselayer", 43, 58), "features.norm5": ("norm5",),
    "classifier": ("classifier",),
}
SQUEEZENET_ROWS = {
    "features.0": ("conv2d1",), "features.1": ("activation1",), "features.2": ("maxpool1",),
    **{f"features.{i}": (f"fire{j}",) for i, j in ((3, 1), (4, 2), (6, 3), (7, 4), (9, 5),
                                                      (10, 6), (11, 7), (12, 8))},
    "features.5": ("maxpool2",), "features.8": ("maxpool3",),
    "classifier.0": ("dropout1",), "classifier.1": ("final_conv",),
    "classifier.2": ("activation2",), "classifier.3": ("adaptiveavgpool1",),
}
MOBILENET_ROWS = {
    "features.0": ("conv2d1", "batchnorm1", "activation1"),
    "features.1": ("stage1",),
    "features.2": ("stage2",), "features.3": ("repeat1",),
    "features.4": ("stage3",), "features.5,6": ("repeat2",),
    "features.7": ("stage4",), "features.8,9,10": ("repeat3",),
    "features.11": ("stage5",), "features.12,13": ("repeat4",),
    "features.14": ("stage6",), "features.15,16": ("repeat5",),
    "features.17": ("stage7",),
    "features.18": ("conv2d2", "batchnorm2", "activation2"),
    "classifier": ("dropout1", "classifier"),
}
MOBILENET_DEPTHS = dict(L1=2, L2=3, L3=4, L4=3, L5=3)
INCEPTION_MODULES = ("Conv2d_1a_3x3", "Conv2d_2a_3x3", "Conv2d_2b_3x3", "maxpool1",
                     "Conv2d_3b_1x1", "Conv2d_4a_3x3", "maxpool2", "Mixed_5b", "Mixed_5c",
                     "Mixed_5d", "Mixed_6a", "Mixed_6b", "Mixed_6c", "Mixed_6d", "Mixed_6e",
                     "AuxLogits", "Mixed_7a", "Mixed_7b", "Mixed_7c", "avgpool", "dropout", "fc")
INCEPTION_ROWS = {module: (module.lower(),) for module in INCEPTION_MODULES}

ZOO = {  # torchvision name -> (zoo file, values besides n, constructor options, rows, sizes)
    "densenet121": ("densenet121.toml", {"k": 32}, {}, DENSENET_ROWS, (224, 97, 33)),
    "squeezenet1_1": ("squeezenet1_1.toml", {}, {}, SQUEEZENET_ROWS, (224, 97, 33)),
    "mobilenet_v2": ("mobilenet_v2.toml", MOBILENET_DEPTHS, {}, MOBILENET_ROWS, (224, 97, 33)),
    # the auxiliary head needs n >= 299 (its 5 x 5 convolution on a map of (n - 59) // 48)
    "inception_v3": ("inception_v3.toml", {}, dict(aux_logits=True, init_weights=False),
                     INCEPTION_ROWS, (299, 331)),
}


def _modules(key: str) -> list[str]:
    """``"features.5,6"`` names the modules ``features.5`` and ``features.6``."""
    head, _, tail = key.rpartition(".")
    return [f"{head}.{t}" if head else t for t in tail.split(",")]


@pytest.mark.parametrize("name", sorted(ZOO))
def test_zoo_totals_and_modules(name):
    file, values, options, rows, sizes = ZOO[name]
    model = _model(name, **options)
    modules = dict(model.named_modules())
    d = symparams.load(ROOT / file).derive()
    values = {"n": sizes[0], **values}
    assert d.evaluate(values) == sum(p.numel() for p in model.parameters())
    numeric = d.subs(values)
    for key, ours in rows.items():
        theirs = sum(p.numel() for m in _modules(key) for p in modules[m].parameters())
        assert sum(int(numeric.row(r).params) for r in ours) == theirs, key


@pytest.mark.parametrize(("name", "size"), [(name, size) for name in sorted(ZOO)
                                            for size in ZOO[name][4]])
def test_zoo_shapes_follow_the_forward_pass(name, size):
    file, values, options, rows, _ = ZOO[name]
    last = {_modules(key)[-1]: ours[-1] for key, ours in rows.items()}
    torch_shapes = _outputs(_model(name, **options), size, names=list(last))
    numeric = symparams.load(ROOT / file).derive().subs({"n": size, **values})
    for module, row in last.items():
        shape = tuple(int(x) for x in numeric.row(row).output_shape.channels_first())
        assert shape == torch_shapes[module], (module, row, size)


def test_mobilenet_v2_under_the_keras_convention():
    spec = symparams.load(ROOT / "mobilenet_v2.toml")
    keras = spec.published["keras"]
    numeric = spec.derive(convention="keras").subs(spec.published["values"])
    assert (int(numeric.total), int(numeric.trainable), int(numeric.non_trainable)) == \
        (keras["total"], keras["trainable"], keras["non_trainable"])
    assert int(numeric.trainable) == spec.published["total"]  # PyTorch counts the same weights


@pytest.mark.parametrize(("file", "row", "text"), [
    ("densenet121.toml", "denselayer58", "floor((n + 3)/32) × floor((n + 3)/32) × (32*k)"),
    ("squeezenet1_1.toml", "fire8", "(ceiling(n/16) - 1) × (ceiling(n/16) - 1) × 512"),
    ("mobilenet_v2.toml", "stage7", "ceiling(n/32) × ceiling(n/32) × 320"),
    ("inception_v3.toml", "mixed_7c", "floor((n - 43)/32) × floor((n - 43)/32) × 2048"),
])
def test_zoo_final_feature_maps_print_one_division(file, row, text):
    d = symparams.load(ROOT / file).derive()
    assert str(d.row(row).output_shape) == text


@pytest.mark.parametrize(("name", "smallest"), [("squeezenet1_1", 17), ("densenet121", 29),
                                                ("inception_v3", 299)])
def test_zoo_smallest_input_is_torchvisions(name, smallest):
    """The one condition of each formula is the size below which torchvision fails."""
    file, values, options, rows, _ = ZOO[name]
    d = symparams.load(ROOT / file).derive()
    assert [str(c.relation) for c in d.conditions] == [f"n >= {smallest}"]
    model = _model(name, **options)
    _outputs(model, smallest)
    with pytest.raises((RuntimeError, ValueError)):
        _outputs(model, smallest - 1)
