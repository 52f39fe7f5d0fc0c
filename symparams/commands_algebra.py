"""``symparams solve`` and ``symparams sweep``."""

from __future__ import annotations

import argparse
import json
from typing import Iterator

from symparams.cli import _common, derivation_from_args
from symparams.core.errors import SpecError, quote


def _integer(text: str) -> int:
    """A budget such as ``1000000``, ``1_000_000`` or ``10**6`` (strict parser, no eval)."""
    from symparams.core.expr import parse_expression

    try:
        value = parse_expression(text)
    except SpecError as err:
        raise argparse.ArgumentTypeError(str(err).splitlines()[0]) from None
    if not value.is_Integer:
        raise argparse.ArgumentTypeError(f"expected an integer, got {quote(text)}")
    return int(value)


def add_command(sub) -> None:

    p = sub.add_parser("solve", help="the largest (smallest) value of a symbol within a budget")
    _common(p)
    p.add_argument("--for", dest="for_", metavar="SYMBOL", required=True,
                   help="the symbol to solve for; every other symbol needs --set")
    goal = p.add_mutually_exclusive_group(required=True)
    goal.add_argument("--max-params", type=_integer, metavar="N",
                      help="largest value with total <= N")
    goal.add_argument("--min-params", type=_integer, metavar="N",
                      help="smallest value with total >= N")
    goal.add_argument("--equals", type=_integer, metavar="N", help="smallest value with total == N")
    p.add_argument("--of", choices=("params", "macs", "flops", "activations"), default="params",
                   help="the quantity the bound is on (default: params): 'the widest layer "
                        "under 1 GFLOP' is --of flops --max-params 1000000000")
    p.add_argument("--format", choices=("text", "json"), default="text")
    p.set_defaults(run=_solve)

    p = sub.add_parser("sweep", help="exact totals over grids of symbol values (csv or json)")
    _common(p)
    p.add_argument("--grid", metavar="NAME=START:STOP[:STEP]|V1,V2,...", action="append",
                   required=True, default=None,
                   help="values of a symbol; a range includes its stop (1:64 is 64 values)")
    p.add_argument("--skip-invalid", action="store_true",
                   help="leave out grid points where the network is invalid (default: error)")
    p.add_argument("--max-points", type=_integer, metavar="N", default=None,
                   help="refuse grids of more than N points (default: 10**7); the output "
                        "is streamed, so memory does not grow with N")
    p.add_argument("--of", choices=("params", "macs", "flops", "activations"), default="params",
                   help="the quantity in the last column (default: params, as 'total')")
    p.add_argument("--format", choices=("csv", "json"), default="csv")
    p.set_defaults(run=_sweep)


def _solve(args: argparse.Namespace) -> str:
    solution = derivation_from_args(args).solve(args.for_, max_params=args.max_params,
                                                min_params=args.min_params, equals=args.equals,
                                                of=args.of)
    if args.format == "json":
        return json.dumps(solution.to_dict()) + "\n"
    return str(solution)


def _sweep(args: argparse.Namespace) -> Iterator[str]:
    """The CSV or JSON text in chunks (streamed: 10**7 rows in bounded memory)."""
    from symparams.algebra.sweep import MAX_POINTS, Sweep, parse_grid

    grids: dict[str, range | list[int]] = {}
    for item in args.grid:
        name, sep, spec = item.partition("=")
        if not sep or not name.strip():
            raise SpecError(f"--grid takes NAME=VALUES, got {quote(item)}")
        if name.strip() in grids:
            raise SpecError(f"--grid {quote(name.strip())} given twice")
        grids[name.strip()] = parse_grid(spec)
    plan = Sweep(derivation_from_args(args), grids, "skip" if args.skip_invalid else "error",
                 MAX_POINTS if args.max_points is None else args.max_points, of=args.of)
    plan.check()  # an invalid point is an error before anything is written
    return plan.json_chunks() if args.format == "json" else plan.csv_chunks()
