"""Inverse questions: the largest (or smallest) value of one symbol that keeps the
total under (or over) a budget, or that hits a target exactly.

All other symbols must have numbers.  When the valid values of the symbol are
bounded (a kernel cannot exceed the input) and at most ``SCAN_LIMIT`` many, every
value is evaluated exactly, so the answer is exact whatever the shape of the total.
Otherwise (units, channels, input size, padding, stride) the total is taken to be
monotone in the symbol, as it is for those, and the answer is found by exponential
and binary search.  Either way the answer is checked by evaluating the total at it
and at its neighbour.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np

from symparams.algebra.codegen import compile_exprs
from symparams.algebra.forms import symbols_of
from symparams.core.errors import MissingValueError, ShapeError, SpecError
from symparams.core.symbols import sort_symbols

if TYPE_CHECKING:
    from symparams.core.derivation import Derivation

LIMIT = 2 ** 62
SCAN_LIMIT = 2_000_000


@dataclass(frozen=True)
class Solution:
    """``symbol = value`` gives ``total``; ``neighbour`` is the next value past the
    answer and its total (None when that value is not valid)."""

    symbol: str
    value: int
    total: int
    goal: str
    neighbour: tuple[int, int | None] | None = None

    def to_dict(self) -> dict[str, int | str]:
        return {"symbol": self.symbol, "value": self.value, "total": self.total}

    def __str__(self) -> str:
        text = f"{self.symbol} = {self.value}  (total {self.total:,}; {self.goal})"
        if self.neighbour is not None:
            v, t = self.neighbour
            text += (f"\n{self.symbol} = {v} is not valid" if t is None
                     else f"\n{self.symbol} = {v} gives {t:,}")
        return text + "\n"


class _Problem:
    def __init__(self, derivation: "Derivation", symbol):
        (self.x,) = symbols_of(derivation, symbol)
        others = derivation.free_symbols - {self.x}
        if others:
            raise MissingValueError("solving needs values for every other symbol: " + ", ".join(
                f"{s.name} ({derivation.describe(s) or 'no description'})"
                for s in sort_symbols(others)))
        if self.x not in derivation.total.free_symbols:
            raise SpecError(f"the total does not depend on {self.x.name}")
        self.values, _ = compile_exprs(
            [derivation.total] + [c.relation for c in derivation.conditions], [self.x])
        self.lo = 1 if self.x.is_positive else 0

    def f(self, v: int) -> int:
        return int(self.values(v)[0])

    def ok(self, v: int) -> bool:
        return all(bool(r) for r in self.values(v)[1:])

    def scan(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        xs = np.arange(a, b + 1, dtype=np.int64)
        objs = xs.astype(object)  # exact even where int64 would overflow
        out = self.values(objs)
        n = len(xs)
        total = np.asarray(out[0], dtype=object)
        if total.shape != (n,):
            total = np.full(n, out[0], dtype=object)
        ok = np.ones(n, dtype=bool)
        for r in out[1:]:
            ok &= np.broadcast_to(np.asarray(r, dtype=bool), (n,))
        return xs, total, ok


def _first_true(pred: Callable[[int], bool], a: int, b: int) -> int | None:
    """Smallest v in [a, b] with pred(v), for pred false then true; None if none."""
    if not pred(b):
        return None
    if pred(a):
        return a
    step = 1
    while a + step < b and not pred(a + step):  # exponential, then binary
        a, step = a + step, step * 2
    hi = min(a + step, b)
    while hi - a > 1:
        mid = (a + hi) // 2
        a, hi = (a, mid) if pred(mid) else (mid, hi)
    return hi


def solve(derivation: "Derivation", for_, *, max_params: int | None = None,
          min_params: int | None = None, equals: int | None = None) -> Solution:
    """Answer one of: largest value with total <= max_params, smallest with
    total >= min_params, smallest with total == equals."""
    given = {k: v for k, v in (("max_params", max_params), ("min_params", min_params),
                               ("equals", equals)) if v is not None}
    if len(given) != 1:
        raise SpecError("give exactly one of max_params, min_params or equals")
    (kind, bound), = given.items()
    if isinstance(bound, bool) or not isinstance(bound, (int, np.integer)):
        raise SpecError(f"{kind} must be an integer, got {bound!r}")
    bound = int(bound)
    p = _Problem(derivation, for_)
    name = p.x.name
    first = p.lo if p.ok(p.lo) else _first_true(p.ok, p.lo, LIMIT)
    if first is None:
        raise ShapeError(f"no value of {name} makes the network valid")
    last = None if p.ok(LIMIT) else _first_true(lambda v: not p.ok(v), first, LIMIT) - 1
    if last is not None and last - first < SCAN_LIMIT:
        value = _by_scan(p, first, last, kind, bound)
    else:
        value = _by_search(p, first, LIMIT if last is None else last, kind, bound)
    return _checked(p, value, kind, bound)


def _goal(kind: str, bound: int) -> str:
    return {"max_params": f"the largest value with total <= {bound:,}",
            "min_params": f"the smallest value with total >= {bound:,}",
            "equals": f"the smallest value with total = {bound:,}"}[kind]


def _none(p: _Problem, kind: str, bound: int) -> ShapeError:
    return ShapeError(f"no valid integer {p.x.name} gives a total "
                      f"{ {'max_params': '<=', 'min_params': '>=', 'equals': '='}[kind]} {bound:,}")


def _by_scan(p: _Problem, a: int, b: int, kind: str, bound: int) -> int:
    xs, total, ok = p.scan(a, b)
    hit = ok & {"max_params": total <= bound, "min_params": total >= bound,
                "equals": total == bound}[kind].astype(bool)
    idx = np.flatnonzero(hit)
    if not len(idx):
        raise _none(p, kind, bound)
    return int(xs[idx[-1] if kind == "max_params" else idx[0]])


def _by_search(p: _Problem, a: int, b: int, kind: str, bound: int) -> int:
    name = p.x.name
    rising = p.f(b) >= p.f(a)
    if kind == "max_params":
        if p.f(b) <= bound and b == LIMIT:
            raise ShapeError(f"the total stays at or under {bound:,} however large {name} is; "
                             "there is no largest value")
        if rising:
            over = _first_true(lambda v: p.f(v) > bound, a, b)
            if over == a:
                raise _none(p, kind, bound)
            return b if over is None else over - 1
        if p.f(b) <= bound:
            return b
        raise _none(p, kind, bound)
    if kind == "min_params":
        v = _first_true(lambda v: p.f(v) >= bound, a, b) if rising else (a if p.f(a) >= bound else None)
    else:
        v = _first_true((lambda v: p.f(v) >= bound) if rising else (lambda v: p.f(v) <= bound), a, b)
        if v is not None and p.f(v) != bound:
            below = v - 1 if v > a else None
            near = f"; {name} = {v} gives {p.f(v):,}" + (
                f", {name} = {below} gives {p.f(below):,}" if below is not None else "")
            raise ShapeError(f"no integer {name} gives exactly {bound:,}{near}")
    if v is None:
        raise _none(p, kind, bound)
    return v


def _checked(p: _Problem, value: int, kind: str, bound: int) -> Solution:
    """Evaluate at the answer and past it; an inconsistency is a bug, not a result."""
    total = p.f(value)
    assert p.ok(value) and {"max_params": total <= bound, "min_params": total >= bound,
                            "equals": total == bound}[kind], (value, total)
    step = 1 if kind == "max_params" else -1
    nxt = value + step
    neighbour = None
    if nxt >= p.lo:
        neighbour = (nxt, p.f(nxt) if p.ok(nxt) else None)
        if kind == "max_params" and neighbour[1] is not None:
            assert neighbour[1] > bound
        if kind == "min_params" and neighbour[1] is not None:
            assert neighbour[1] < bound
    return Solution(p.x.name, value, total, _goal(kind, bound), neighbour)
