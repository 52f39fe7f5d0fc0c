"""Time deriving a 100-layer conv stack with a symbolic input size, and evaluating it.

    python benchmarks/derive.py [--layers 100] [--repeat 5]

Prints the best time of each step, so later work can watch the cost.  Not a test:
nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import time

import symparams


def stack(layers: int) -> str:
    """A conv stack on an n×n×3 input: 3×3 same-size convs, a stride-2 conv every 10 layers."""
    parts = ["I(n x n x 3)"]
    for i in range(layers):
        parts.append("C(64,3,s=2,p=1)" if i % 10 == 9 else "C(64,3,p=1)")
    return "-".join(parts + ["G", "O(10)"])


def best(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, default=100)
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    text = stack(args.layers)
    t_parse, network = best(lambda: symparams.parse(text), args.repeat)
    t_derive, derivation = best(lambda: network.derive(), args.repeat)
    t_eval, total = best(lambda: derivation.evaluate(n=224), args.repeat)
    t_str, _ = best(lambda: str(derivation.output_shape), args.repeat)
    print(f"{args.layers}-layer conv stack, symbolic input n x n x 3")
    print(f"  parse        {t_parse * 1e3:8.1f} ms")
    print(f"  derive       {t_derive * 1e3:8.1f} ms")
    print(f"  evaluate     {t_eval * 1e3:8.1f} ms   (n=224: {total:,} parameters)")
    print(f"  print shape  {t_str * 1e3:8.1f} ms   final size: {derivation.rows[-3].output_shape.dims()[0]}")
    print(f"  parse+derive+evaluate: {(t_parse + t_derive + t_eval) * 1e3:.1f} ms")


if __name__ == "__main__":
    main()
