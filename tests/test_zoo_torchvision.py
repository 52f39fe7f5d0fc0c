"""The CNN zoo against torchvision's models, built on the meta device (no weights).

Parameter counts and every top-level module's output shape come from torchvision
itself: ``sum(p.numel())`` and a forward pass with hooks.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import symparams
from tests.torch_required import require_torchvision

ROOT = Path(__file__).parent.parent / "derivations"
RESNETS = {  # torchvision name -> (zoo file, stage depths)
    "resnet18": ("resnet_basic.toml", (2, 2, 2, 2)),
    "resnet34": ("resnet_basic.toml", (3, 4, 6, 3)),
    "resnet50": ("resnet_bottleneck.toml", (3, 4, 6, 3)),
    "resnet101": ("resnet_bottleneck.toml", (3, 4, 23, 3)),
    "resnet152": ("resnet_bottleneck.toml", (3, 8, 36, 3)),
}


def _model(name: str):
    torchvision = require_torchvision()
    import torch

    with torch.device("meta"):
        return getattr(torchvision.models, name)()


def _outputs(model, size: int) -> dict[str, tuple[int, ...]]:
    """The output shape (without the batch) of every top-level module at ``size``."""
    import torch

    shapes: dict[str, tuple[int, ...]] = {}
    hooks = [module.register_forward_hook(
        lambda m, i, o, name=name: shapes.__setitem__(name, tuple(o.shape[1:])))
        for name, module in model.named_children()]
    with torch.no_grad():
        model(torch.empty(1, 3, size, size, device="meta"))
    for h in hooks:
        h.remove()
    return shapes


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
