"""Exact sweeps over grids of symbol values, vectorised with numpy.

Every grid point is checked against the derivation's validity conditions; the total
is computed with integer floor division on int64 arrays where a float bound on every
intermediate value shows int64 cannot overflow, and with Python ints (object arrays)
elsewhere.  Results are never floats and agree with ``Derivation.evaluate``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

import numpy as np
import sympy as sp

from symparams.algebra.codegen import compile_exprs
from symparams.core.errors import MissingValueError, ShapeError, SpecError
from symparams.core.symbols import sort_symbols

if TYPE_CHECKING:
    from symparams.core.derivation import Derivation

MAX_POINTS = 20_000_000
INT64_SAFE = float(2 ** 62)  # bounds are floats: keep a margin below 2**63
INVALID = ("error", "skip")


@dataclass(frozen=True)
class SweepResult:
    """Columns of a sweep: one per swept symbol (grid order), then ``total``."""

    symbols: tuple[str, ...]
    columns: dict[str, np.ndarray]

    def __len__(self) -> int:
        return len(self.columns["total"])

    def rows(self) -> Iterator[dict[str, int]]:
        """One dict of Python ints per grid point."""
        names = (*self.symbols, "total")
        cols = [self.columns[n].tolist() for n in names]
        for values in zip(*cols):
            yield {n: int(v) for n, v in zip(names, values)}

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        names = (*self.symbols, "total")
        writer.writerow(names)
        writer.writerows(zip(*(self.columns[n].tolist() for n in names)))
        return out.getvalue()

    def to_json(self) -> str:
        return json.dumps(list(self.rows())) + "\n"


def parse_grid(text: str) -> list[int]:
    """``"16:1024:16"`` (stop included), ``"8,16,32"`` or ``"5"`` as a list of ints."""
    text = text.strip()
    parts = text.split(":") if ":" in text else text.split(",")
    try:
        numbers = [int(p) for p in parts]
    except ValueError:
        numbers = []
    if not numbers or (":" in text and len(numbers) not in (2, 3)):
        raise SpecError(f"a grid is start:stop[:step] or values separated by commas, "
                        f"got {text!r}")
    if ":" not in text:
        return numbers
    start, stop, step = (*numbers, 1) if len(numbers) == 2 else numbers
    if step <= 0:
        raise SpecError(f"grid step must be positive, got {step} in {text!r}")
    if stop < start:
        raise SpecError(f"grid range {text!r} is empty (stop before start)")
    return list(range(start, stop + 1, step))


def _column(name: str, values: Any, sym: sp.Symbol) -> np.ndarray:
    if isinstance(values, (int, np.integer)) and not isinstance(values, bool):
        values = [values]
    items = list(values.tolist() if isinstance(values, np.ndarray) else values)
    if not items:
        raise SpecError(f"the grid of {name} is empty")
    lower = 1 if sym.is_positive else 0
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise SpecError(f"grid values of {name} must be integers, got {v!r}")
        if v < lower:
            raise ShapeError(f"{name} must be an integer of at least {lower}, got {v} in its grid")
    ints = [int(v) for v in items]
    if max(abs(v) for v in ints) < 2 ** 62:
        return np.array(ints, dtype=np.int64)
    return np.array(ints, dtype=object)


def sweep(derivation: "Derivation", grids: Mapping[str, Iterable[int]],
          invalid: str = "error") -> SweepResult:
    """Evaluate the total at every point of the Cartesian product of ``grids``.

    ``invalid="error"`` raises ShapeError naming the first invalid point and the layer;
    ``invalid="skip"`` leaves such points out.
    """
    if invalid not in INVALID:
        raise SpecError(f"invalid= must be one of {', '.join(INVALID)}, got {invalid!r}")
    known = derivation.symbols
    unknown = [n for n in grids if n not in known]
    if unknown:
        raise SpecError(f"unknown symbol {unknown[0]!r}; symbols: {', '.join(known) or 'none'}")
    if not grids:
        raise SpecError("a sweep needs at least one grid")
    syms = [known[n] for n in grids]
    missing = derivation.free_symbols - set(syms)
    if missing:
        raise MissingValueError("no value or grid for " + ", ".join(
            f"{s.name} ({derivation.describe(s) or 'no description'})" for s in sort_symbols(missing)))
    axes = [_column(n, v, s) for (n, v), s in zip(grids.items(), syms)]
    points = int(np.prod([len(a) for a in axes], dtype=object))
    if points > MAX_POINTS:
        raise SpecError(f"the grid has {points:,} points; at most {MAX_POINTS:,} at once")
    mesh = [m.ravel() for m in np.meshgrid(*axes, indexing="ij")] if len(axes) > 1 else axes
    conditions = [c for c in derivation.conditions]
    values, bounds = compile_exprs([derivation.total] + [c.relation for c in conditions], syms)
    total, ok = _evaluate(values, bounds, mesh, points, axes)
    columns = dict(zip(grids, mesh))
    if not ok.all():
        if invalid == "error":
            i = int(np.argmin(ok))
            point = ", ".join(f"{n}={int(c[i])}" for n, c in columns.items())
            results = values(*(c[i:i + 1].astype(object) for c in mesh))[1:]
            bad = next(c for c, r in zip(conditions, results) if not bool(r[0]))
            where = "input" if bad.index == 0 else f"layer {bad.index} ({bad.layer})"
            raise ShapeError(f"grid point {point}: {where}: {bad.reason} "
                             f"({bad.relation} fails); skip such points with invalid='skip' (--skip-invalid)")
        columns = {n: c[ok] for n, c in columns.items()}
        total = total[ok]
    columns["total"] = total
    return SweepResult(tuple(grids), columns)


def _evaluate(values, bounds, mesh: list[np.ndarray], points: int,
              axes: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Totals (int64 or object) and validity of every point, exactly."""
    with np.errstate(over="ignore", invalid="ignore"):
        # the bound grows with every |value|, so the largest values bound the whole grid
        overall = bounds(*(float(np.max(np.abs(a.astype(np.float64)))) for a in axes))
        if overall < INT64_SAFE and all(a.dtype != object for a in axes):
            # An open grid: each sub-expression is computed over the axes of its own
            # symbols only, and numpy broadcasting forms the full grid at the end.
            shape = tuple(len(a) for a in axes)
            out = values(*np.meshgrid(*axes, indexing="ij", sparse=True))
            total = np.broadcast_to(np.asarray(out[0], dtype=np.int64), shape).ravel()
            ok = np.ones(shape, dtype=bool)
            for r in out[1:]:
                ok &= np.broadcast_to(np.asarray(r, dtype=bool), shape)
            return total, ok.ravel()
        bound = np.broadcast_to(bounds(*(m.astype(np.float64) for m in mesh)), (points,))
    safe = bound < INT64_SAFE  # NaN or inf (too large for a float) is not safe
    if all(m.dtype != object for m in mesh) and safe.all():
        out = values(*mesh)
        return _full(out[0], points, np.int64), _valid(out[1:], points)
    total = np.empty(points, dtype=object)
    ok = np.empty(points, dtype=bool)
    for mask, dtype in ((safe, np.int64), (~safe, object)):
        if not mask.any():
            continue
        part = [m[mask].astype(dtype) for m in mesh]
        out = values(*part)
        n = int(mask.sum())
        total[mask] = _full(out[0], n, object)
        ok[mask] = _valid(out[1:], n)
    if safe.all():
        total = total.astype(np.int64)
    return total, ok


def _full(value, n: int, dtype) -> np.ndarray:
    arr = np.asarray(value)
    if arr.shape != (n,):
        arr = np.full(n, value, dtype=dtype if arr.dtype != object else object)
    return arr


def _valid(results, n: int) -> np.ndarray:
    ok = np.ones(n, dtype=bool)
    for r in results:
        ok &= np.broadcast_to(np.asarray(r, dtype=bool), (n,))
    return ok
