"""Time the CNN zoo: deriving ResNet-152 with a symbolic input size, its LaTeX, and
the same count the usual way (build torchvision's model on the meta device and sum
``p.numel()``) at one size.

    python benchmarks/zoo.py [--repeat 3]

The closed form answers every input size and every stage depth at once; the model
count answers one.  Prints best times and the ratio; asserts nothing.
"""

from __future__ import annotations

import argparse
import sys
import types
from pathlib import Path

import symparams
from derive import best  # benchmarks/derive.py: the best of repeated timings

ROOT = Path(__file__).resolve().parent.parent / "derivations"
RESNET152 = dict(L1=3, L2=8, L3=36, L4=3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    spec = symparams.load(ROOT / "resnet_bottleneck.toml")
    t_family, family = best(lambda: spec.derive(), args.repeat)
    t_derive, d = best(lambda: spec.network.subs(
        {family.symbols[k]: v for k, v in RESNET152.items()}).derive(), args.repeat)
    t_latex, _ = best(lambda: d.latex(standalone=True), args.repeat)
    print(f"ResNet-50/101/152 family (symbols n, L1..L4): derive {t_family * 1000:7.1f} ms")
    print(f"ResNet-152, symbolic n:                      derive {t_derive * 1000:7.1f} ms, "
          f"LaTeX {t_latex * 1000:7.1f} ms")
    print(f"  total {d.total}, final map {d.row('repeat4').output_shape}")
    try:
        import torch
        try:
            import torchvision
        except RuntimeError:  # the CUDA wheel's operators beside a CPU torch: stub them
            for key in [k for k in sys.modules if k.startswith("torchvision")]:
                del sys.modules[key]
            for key in ("torchvision._meta_registrations", "torchvision._autograd_registrations"):
                sys.modules[key] = types.ModuleType(key)
            import torchvision
    except ImportError:
        print("torchvision not installed: no comparison")
        return

    def count() -> int:
        with torch.device("meta"):
            model = torchvision.models.resnet152()
        return sum(p.numel() for p in model.parameters())

    t_torch, total = best(count, args.repeat)
    print(f"torchvision resnet152 on meta, one count:   {t_torch * 1000:7.1f} ms ({total:,})")
    print(f"ratio symparams derive / torch count: {t_derive / t_torch:.2f}")


if __name__ == "__main__":
    main()
