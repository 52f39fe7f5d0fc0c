"""Sweep 10^6 configurations of a CNN exactly, against building each in PyTorch.

PyTorch: the same model built on ``device="meta"`` (no memory), counting
``sum(p.numel() for p in model.parameters())``; a sample of builds is timed and the
rate extrapolated.  Prints both rates and their ratio (target: >= 10,000x).
Run: ``python benchmarks/sweep_vs_torch.py``.
"""

from __future__ import annotations

import random
import time

import numpy as np

import symparams

SPEC = "I(n x n x 3)-C(c1,3,p=1)-P(2)-C(c2,3,p=1)-P(2)-H(h)-O(10)"
GRIDS = {"n": np.arange(32, 132), "c1": np.arange(8, 108), "c2": np.arange(16, 116, 10),
         "h": np.arange(64, 1064, 100)}  # 100 * 100 * 10 * 10 = 10^6 configurations


def torch_count(n: int, c1: int, c2: int, h: int) -> int:
    import torch
    from torch import nn

    with torch.device("meta"):
        model = nn.Sequential(
            nn.Conv2d(3, c1, 3, padding=1), nn.MaxPool2d(2), nn.Conv2d(c1, c2, 3, padding=1),
            nn.MaxPool2d(2), nn.Flatten(), nn.Linear(c2 * (n // 4) ** 2, h), nn.Linear(h, 10))
    return sum(p.numel() for p in model.parameters())


def main() -> None:
    d = symparams.parse(SPEC).derive()
    start = time.perf_counter()
    result = d.sweep(**GRIDS)
    sweep_time = time.perf_counter() - start
    points = len(result)
    sweep_rate = points / sweep_time
    print(f"symparams sweep: {points:,} configurations in {sweep_time:.3f} s "
          f"= {sweep_rate:,.0f} per second")
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch is not installed: no comparison")
        return
    rng = random.Random(0)
    rows = list(result.rows()) if points <= 1000 else None
    sample = [tuple(int(rng.choice(GRIDS[k])) for k in ("n", "c1", "c2", "h")) for _ in range(200)]
    torch_count(*sample[0])  # warm up
    start = time.perf_counter()
    counts = [torch_count(*cfg) for cfg in sample]
    torch_time = (time.perf_counter() - start) / len(sample)
    for cfg, count in zip(sample[:20], counts):
        assert d.evaluate(dict(zip(("n", "c1", "c2", "h"), cfg))) == count, cfg
    del rows
    print(f"torch (meta device): {1 / torch_time:,.0f} builds per second "
          f"({torch_time * 1e6:.0f} us each, from {len(sample)} builds)")
    print(f"ratio: symparams is {sweep_rate * torch_time:,.0f}x faster per configuration "
          f"(target 10,000x)")


if __name__ == "__main__":
    main()
