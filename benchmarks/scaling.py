"""How the cost of derive, evaluate and every exporter grows with depth (issue 9).

    python benchmarks/scaling.py [--families stack,ceil,conv] [--stack 10,20,40,80,100]
                                 [--ceil 1,2,4,6,8] [--conv 30,60] [--timeout 120]

Three families of fully symbolic networks:

* ``stack``: ``I-C-P-C-P-…`` with every size a symbol (``depth`` layers);
* ``ceil``: ``depth`` max pools with symbolic size and stride under ``ceil_mode``;
* ``conv``: ``depth`` convolutions with symbolic filters, kernel, stride and padding.

For each depth it prints the seconds of each step and, per family and step, the fitted
growth exponent (the slope of log time against log depth; 1 is linear).  A depth that
takes longer than ``--timeout`` seconds in all stops that family.  Not a test: nothing
here asserts a time.
"""

from __future__ import annotations

import argparse
import math
import time

import symparams
from symparams.export import render

FORMATS = ("text", "json", "latex", "markdown", "python")
STEPS = ("derive", "evaluate", *FORMATS)
# values that make every network of the families valid (pool 3, stride 2, padding 1)
VALUES = {"c": 3, "l": 3, "k": 1, "q": 3, "t": 2, "s": 2, "p": 1, "h": 3, "o": 2}


def notation(family: str, depth: int) -> str:
    if family == "stack":
        layers = ["C" if i % 2 == 0 else "P" for i in range(depth)]
    elif family == "ceil":
        layers = [f"P(q{i},s=t{i},ceil=true)" for i in range(1, depth + 1)]
    elif family == "conv":
        layers = [f"C(c{i},k{i},s=s{i},p=p{i})" for i in range(1, depth + 1)]
    else:
        raise ValueError(family)
    return "-".join(["I", *layers])


def values_for(derivation) -> dict[str, int]:
    out = {}
    for name in derivation.symbols:
        out[name] = 2 ** 80 if name == "n" else VALUES[name[0]]
    return out


def measure(family: str, depth: int) -> dict[str, float]:
    times: dict[str, float] = {}
    network = symparams.parse(notation(family, depth))
    start = time.perf_counter()
    d = network.derive()
    times["derive"] = time.perf_counter() - start
    start = time.perf_counter()
    d.evaluate(values_for(d))
    times["evaluate"] = time.perf_counter() - start
    for fmt in FORMATS:
        start = time.perf_counter()
        render(d, fmt)
        times[fmt] = time.perf_counter() - start
    return times


def slope(points: list[tuple[int, float]]) -> float | None:
    """Least-squares slope of log(time) against log(depth)."""
    pts = [(math.log(x), math.log(max(y, 1e-4))) for x, y in points]
    if len(pts) < 2:
        return None
    mx = sum(x for x, _ in pts) / len(pts)
    my = sum(y for _, y in pts) / len(pts)
    var = sum((x - mx) ** 2 for x, _ in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / var if var else None


def run(family: str, depths: list[int], timeout: float) -> None:
    print(f"\n{family}: {notation(family, 2)}-…")
    print(f"{'depth':>6} " + " ".join(f"{s:>9}" for s in STEPS) + f" {'all':>9}")
    rows: list[tuple[int, dict[str, float]]] = []
    for depth in depths:
        times = measure(family, depth)
        rows.append((depth, times))
        total = sum(times.values())
        print(f"{depth:>6} " + " ".join(f"{times[s]:9.3f}" for s in STEPS) + f" {total:9.3f}",
              flush=True)
        if total > timeout:
            print(f"  (stopped: {total:.0f} s > --timeout {timeout:.0f} s)")
            break
    exps = [slope([(d, t[s]) for d, t in rows]) for s in STEPS]
    exps.append(slope([(d, sum(t.values())) for d, t in rows]))
    print(f"{'slope':>6} " + " ".join("        -" if e is None else f"{e:9.2f}" for e in exps))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--families", default="stack,ceil,conv")
    ap.add_argument("--stack", default="10,20,40,80,100")
    ap.add_argument("--ceil", default="1,2,4,6,8")
    ap.add_argument("--conv", default="10,20,30,60")
    ap.add_argument("--timeout", type=float, default=120.0)
    args = ap.parse_args()
    for family in args.families.split(","):
        depths = [int(x) for x in getattr(args, family).split(",")]
        run(family, depths, args.timeout)


if __name__ == "__main__":
    main()
