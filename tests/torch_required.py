"""Shared bits of the PyTorch tests: the torch import rule and the hypothesis profiles.

Torch tests skip when torch is missing, except under ``CI=true``, where a missing torch
fails them.  ``SYMPARAMS_PROFILE=thorough`` (or ``pytest -p tests.torch_required
--hypothesis-profile=thorough``) runs tens of thousands of examples.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, Phase, settings

settings.register_profile("thorough", max_examples=20_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
# mutation testing: the same examples on every run (a mutant's verdict is reproducible),
# no shrinking (a failure is enough), fewer examples where a test asks examples()
settings.register_profile("mutmut", max_examples=10, deadline=None, derandomize=True,
                          database=None, phases=[Phase.explicit, Phase.generate],
                          suppress_health_check=list(HealthCheck))
if os.environ.get("SYMPARAMS_PROFILE"):
    settings.load_profile(os.environ["SYMPARAMS_PROFILE"])


def require_torch():
    """The torch module; skip without it, but fail under CI=true."""
    if os.environ.get("CI", "").lower() == "true":
        import torch  # noqa: PLC0415  (CI must run these tests, never skip them)

        return torch
    return pytest.importorskip("torch")


def examples(default: int) -> int:
    """``default`` examples in the default profile, the profile's own number otherwise."""
    if settings.get_current_profile_name() == "default":
        return default
    return settings().max_examples


def require_torchvision():
    """torchvision's models (built on the meta device: no weights are downloaded).

    The torchvision wheel on the index is a CUDA build whose C++ operators fail to load
    beside the CPU torch ("operator torchvision::nms does not exist"); the models need
    none of them, so the two modules that register them are stubbed when the plain
    import fails.  Skips without torchvision, but fails under CI=true.
    """
    require_torch()
    try:
        return _import_torchvision()
    except ImportError:
        if os.environ.get("CI", "").lower() == "true":
            raise
        pytest.skip("torchvision is not installed")


def _import_torchvision():
    """``import torchvision``, its C++ operator registrations stubbed when they fail."""
    import sys
    import types

    try:
        import torchvision  # noqa: PLC0415
    except RuntimeError:
        for key in [k for k in sys.modules if k.startswith("torchvision")]:
            del sys.modules[key]
        for key in ("torchvision._meta_registrations", "torchvision._autograd_registrations"):
            sys.modules[key] = types.ModuleType(key)
        import torchvision  # noqa: PLC0415
    return torchvision


def forward_shapes(model, size: int, modules) -> dict[str, tuple[int, ...]]:
    """The output shape (without the batch) of each ``(name, module)`` of ``modules`` at its
    first call, from a forward pass of ``model`` on the meta device at ``size × size``.

    Two images: BatchNorm in training mode refuses 1 × 1 maps of one image.  The hooks
    return None (the outputs stay as they are) and are removed even when torch fails.
    """
    torch = require_torch()
    shapes: dict[str, tuple[int, ...]] = {}

    def hook(name):
        def record(module, inputs, output):
            shapes.setdefault(name, tuple(output.shape[1:]))
        return record

    hooks = [module.register_forward_hook(hook(name)) for name, module in modules]
    try:
        with torch.no_grad():
            model(torch.empty(2, 3, size, size, device="meta"))
    finally:
        for h in hooks:
            h.remove()
    return shapes


def require_transformers():
    """Hugging Face transformers (its models built from a config on the meta device; no
    weights or files are downloaded: the hub is set offline).  Skips without it, but fails
    under CI=true."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    require_torch()
    try:  # transformers imports torchvision when it is installed: the same trap
        _import_torchvision()
    except ImportError:
        pass
    if os.environ.get("CI", "").lower() == "true":
        import transformers  # noqa: PLC0415  (CI must run these tests, never skip them)

        return transformers
    return pytest.importorskip("transformers")
