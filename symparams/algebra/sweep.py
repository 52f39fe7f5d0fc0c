"""Exact sweeps over grids of symbol values, vectorised with numpy.

Every grid point is checked against the derivation's validity conditions; the total
is computed with integer floor division on int64 arrays where a float bound on every
intermediate value shows int64 cannot overflow, and with Python ints (object arrays)
elsewhere.  Results are never floats and agree with ``Derivation.evaluate``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Sized
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping

import numpy as np
import sympy as sp

from symparams.algebra.codegen import compile_exprs
from symparams.core.errors import MissingValueError, ShapeError, SpecError, quote
from symparams.core.symbols import sort_symbols

if TYPE_CHECKING:
    from symparams.core.derivation import Derivation

MAX_POINTS = 10_000_000
"""Default limit on the number of grid points (``max_points=`` / ``--max-points``)."""
BLOCK = 1 << 17
"""Grid points evaluated (and written) at once when streaming."""
INT64_SAFE = float(2 ** 62)  # bounds are floats: keep a margin below 2**63
INVALID = ("error", "skip")
_MAX_VALUE = 10 ** 60  # grid values have at most 60 digits, as sizes in the notation


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
        return "".join(_csv_chunks(self.symbols, [self]))

    def to_json(self) -> str:
        return "".join(_json_chunks(self.symbols, [self]))


class Sweep:
    """A checked, compiled sweep that has not been evaluated yet: ``blocks()`` yields
    it as SweepResults of at most ``block`` points, in grid order, so any size of
    grid streams in bounded memory; ``csv_chunks()``/``json_chunks()`` yield text."""

    def __init__(self, derivation: "Derivation", grids: Mapping[str, Iterable[int]],
                 invalid: str = "error", max_points: int | None = MAX_POINTS,
                 of: str = "params"):
        if invalid not in INVALID:
            raise SpecError(f"invalid= must be one of {', '.join(INVALID)}, got {quote(invalid)}")
        known = derivation.symbols
        unknown = [n for n in grids if n not in known]
        if unknown:
            raise SpecError(f"unknown symbol {quote(unknown[0])}; symbols: {', '.join(known) or 'none'}")
        if not grids:
            raise SpecError("a sweep needs at least one grid")
        syms = [known[n] for n in grids]
        missing = derivation.free_symbols - set(syms)
        if missing:
            raise MissingValueError("no value or grid for " + ", ".join(
                f"{s.name} ({derivation.describe(s) or 'no description'})" for s in sort_symbols(missing)))
        sized = {n: v if isinstance(v, Sized) and not isinstance(v, (str, bytes)) else
                 ([v] if isinstance(v, (int, np.integer)) else list(v)) for n, v in grids.items()}
        self.points = 1
        for v in sized.values():
            self.points *= _count(v)  # counted before any grid is built
        if max_points is not None and (isinstance(max_points, bool) or not isinstance(
                max_points, (int, np.integer)) or max_points < 1):
            raise SpecError(f"max_points must be a positive integer, got {quote(max_points)}")
        if max_points is not None and self.points > max_points:
            raise SpecError(f"the grid has {self.points:,} points, more than the limit of "
                            f"{max_points:,}; raise it with max_points= (--max-points)")
        self.names = tuple(grids)
        self.axes = [_column(n, v, s) for (n, v), s in zip(sized.items(), syms)]
        self.invalid = invalid
        self.conditions = list(derivation.conditions)
        rels = [c.relation for c in self.conditions]
        from symparams.algebra.solve import QUANTITIES

        if of not in QUANTITIES:
            raise SpecError(f"unknown quantity {quote(of)}; one of {', '.join(QUANTITIES)}")
        # the column of the swept quantity: "total" (parameters) or the cost's name
        self.label = "total" if of == "params" else of
        self.values, self.bounds = compile_exprs([QUANTITIES[of][1](derivation)] + rels, syms)
        self._checks = compile_exprs(rels, syms) if rels else None
        self._checked = False

    def __len__(self) -> int:
        """The number of grid points (invalid ones included)."""
        return self.points

    def blocks(self, block: int = BLOCK) -> Iterator[SweepResult]:
        """The sweep in grid order, at most ``block`` points at a time (fewer where
        invalid points are skipped).  With ``invalid="error"`` every point is checked
        before the first block is yielded."""
        self.check(block)
        for axes in _sub_grids(self.axes, block):
            yield self._block(axes)

    def check(self, block: int = BLOCK) -> None:
        """With ``invalid="error"``: raise ShapeError for the first invalid point (once)."""
        if self.invalid == "error" and self._checks is not None and not self._checked:
            for axes in _sub_grids(self.axes, block):
                self._raise_if_invalid(axes, *self._checks)
        self._checked = True

    def collect(self) -> SweepResult:
        """Every point at once (in memory): a block as large as the grid is one block."""
        (whole,) = self.blocks(max(self.points, 1))
        return whole

    def csv_chunks(self, block: int = BLOCK) -> Iterator[str]:
        return _csv_chunks(self.names, self.blocks(block), self.label)

    def json_chunks(self, block: int = BLOCK) -> Iterator[str]:
        return _json_chunks(self.names, self.blocks(block), self.label)

    def _raise_if_invalid(self, axes: list[np.ndarray], values, bounds) -> None:
        mesh = _mesh(axes)
        ok = _evaluate(values, bounds, mesh, len(mesh[0]), axes, has_total=False)[1]
        if ok.all():
            return
        i = int(np.argmin(ok))
        point = ", ".join(f"{n}={int(c[i])}" for n, c in zip(self.names, mesh))
        results = self.values(*(c[i:i + 1].astype(object) for c in mesh))[1:]
        bad = next((c for c, r in zip(self.conditions, results)
                    if not bool(np.asarray(r).ravel()[0])), None)
        if bad is None:  # only a divisor's guard (codegen) failed: a zero stride
            raise ShapeError(f"grid point {point}: a stride or window size is zero there; "
                             "skip such points with invalid='skip' (--skip-invalid)")
        where = "input" if bad.index == 0 else f"layer {bad.index} ({bad.layer})"
        raise ShapeError(f"grid point {point}: {where}: {bad.reason} "
                         f"({bad.relation} fails); skip such points with invalid='skip' (--skip-invalid)")

    def _block(self, axes: list[np.ndarray]) -> SweepResult:
        mesh = _mesh(axes)
        n = len(mesh[0])
        total, ok = _evaluate(self.values, self.bounds, mesh, n, axes)
        columns = dict(zip(self.names, mesh))
        if not ok.all():
            if self.invalid == "error":
                self._raise_if_invalid(axes, self.values, self.bounds)
            columns = {k: c[ok] for k, c in columns.items()}
            total = total[ok]
        columns["total"] = total
        return SweepResult(self.names, columns)


def _mesh(axes: list[np.ndarray]) -> list[np.ndarray]:
    return [m.ravel() for m in np.meshgrid(*axes, indexing="ij")] if len(axes) > 1 else list(axes)


def _sub_grids(axes: list[np.ndarray], block: int) -> Iterator[list[np.ndarray]]:
    """The grid as consecutive sub-grids (in C order) of at most ``block`` points:
    the trailing axes that fit whole, a slice of the next, single values before."""
    k, tail = len(axes), 1
    while k > 0 and tail * len(axes[k - 1]) <= block:
        k -= 1
        tail *= len(axes[k])
    if k == 0:
        yield axes
        return
    step = max(1, block // tail)
    split = axes[k - 1]
    for prefix in itertools.product(*(range(len(a)) for a in axes[:k - 1])):
        fixed = [a[i:i + 1] for a, i in zip(axes, prefix)]
        for s in range(0, len(split), step):
            yield fixed + [split[s:s + step]] + axes[k:]


def _text_columns(result: SweepResult, names: tuple[str, ...]) -> list[list[str]]:
    return [list(map(str, result.columns[n].tolist())) for n in (*names, "total")]


def _csv_chunks(names: tuple[str, ...], blocks: Iterable[SweepResult],
                label: str = "total") -> Iterator[str]:
    yield ",".join((*names, label)) + "\n"  # names are identifiers: nothing to quote
    for b in blocks:
        if len(b):
            yield "\n".join(map(",".join, zip(*_text_columns(b, names)))) + "\n"


def _json_chunks(names: tuple[str, ...], blocks: Iterable[SweepResult],
                 label: str = "total") -> Iterator[str]:
    """``[{"n": 1, "total": 42}, ...]`` as json.dumps writes it, a block at a time (the
    last key is ``label``: ``macs`` when a cost is swept)."""
    row = "{" + ", ".join(json.dumps(n).replace("%", "%%") + ": %s" for n in (*names, label)) + "}"
    first = True
    yield "["
    for b in blocks:
        if not len(b):
            continue
        yield ("" if first else ", ") + ", ".join(map(row.__mod__, zip(*_text_columns(b, names))))
        first = False
    yield "]\n"


def parse_grid(text: str) -> range | list[int]:
    """``"16:1024:16"`` (stop included) as a ``range``; ``"8,16,32"`` or ``"5"`` as a list."""
    text = text.strip()
    parts = text.split(":") if ":" in text else text.split(",")
    numbers = [int(p) for p in parts if _INTEGER.fullmatch(p.strip())]
    if len(numbers) != len(parts) or (":" in text and len(numbers) not in (2, 3)):
        raise SpecError(f"a grid is start:stop[:step] or integers separated by commas "
                        f"(at most 60 digits each), got {quote(text)}")
    if ":" not in text:
        return numbers
    start, stop, step = (*numbers, 1) if len(numbers) == 2 else numbers
    if step <= 0:
        raise SpecError(f"grid step must be positive, got {step} in {quote(text)}")
    if stop < start:
        raise SpecError(f"grid range {quote(text)} is empty (stop before start)")
    return range(start, stop + 1, step)


_INTEGER = re.compile(r"[+-]?[0-9]{1,60}")


def _count(values: Any) -> int:
    """How many values, without ``len()`` (which overflows past 2**63 for a range)."""
    if isinstance(values, range):
        step = values.step
        return max(0, (values.stop - values.start + step - (1 if step > 0 else -1)) // step)
    return len(values)


def _column(name: str, values: Any, sym: sp.Symbol) -> np.ndarray:
    if not _count(values):
        raise SpecError(f"the grid of {name} is empty")
    lower = 1 if sym.is_positive else 0
    if isinstance(values, range):
        low, high = min(values[0], values[-1]), max(values[0], values[-1])
        if max(abs(low), abs(high)) >= _MAX_VALUE:
            raise SpecError(f"a grid value of {name} has more than 60 digits")
        if low < lower:
            raise ShapeError(f"{name} must be an integer of at least {lower}, got {low} in its grid")
        if max(abs(low), abs(high)) < 2 ** 62:
            return np.arange(values.start, values.stop, values.step, dtype=np.int64)
        return np.array(list(values), dtype=object)
    items = values.tolist() if isinstance(values, np.ndarray) else list(values)
    for v in items:
        if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, np.integer)):
            raise SpecError(f"grid values of {name} must be integers, got "
                            f"{'a ' + type(v).__name__ if not isinstance(v, float) else quote(repr(v))}")
        if abs(int(v)) >= _MAX_VALUE:
            raise SpecError(f"a grid value of {name} has more than 60 digits")
        if v < lower:
            raise ShapeError(f"{name} must be an integer of at least {lower}, got {v} in its grid")
    ints = [int(v) for v in items]
    if max(abs(v) for v in ints) < 2 ** 62:
        return np.array(ints, dtype=np.int64)
    return np.array(ints, dtype=object)


def sweep(derivation: "Derivation", grids: Mapping[str, Iterable[int]],
          invalid: str = "error", max_points: int | None = MAX_POINTS) -> SweepResult:
    """Evaluate the total at every point of the Cartesian product of ``grids``, in memory.

    ``invalid="error"`` raises ShapeError naming the first invalid point and the layer;
    ``invalid="skip"`` leaves such points out.  More than ``max_points`` points is an
    error (counted before anything is built); :class:`Sweep` streams larger grids.
    """
    return Sweep(derivation, grids, invalid, max_points).collect()


def _evaluate(values, bounds, mesh: list[np.ndarray], points: int, axes: list[np.ndarray],
              has_total: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Totals (int64 or object) and validity of every point, exactly.  With
    ``has_total=False`` every compiled expression is a condition (the totals are 0)."""
    k = 1 if has_total else 0

    def split(out, n, dtype):
        return (_full(out[0], n, dtype) if has_total else np.zeros(n, dtype=np.int64)), \
            _valid(out[k:], n)

    with np.errstate(over="ignore", invalid="ignore"):
        # the bound grows with every |value|, so the largest values bound the whole grid
        overall = bounds(*(float(np.max(np.abs(a.astype(np.float64)))) for a in axes))
        if overall < INT64_SAFE and all(a.dtype != object for a in axes):
            # An open grid: each sub-expression is computed over the axes of its own
            # symbols only, and numpy broadcasting forms the full grid at the end.
            shape = tuple(len(a) for a in axes)
            out = values(*np.meshgrid(*axes, indexing="ij", sparse=True))
            total = np.broadcast_to(np.asarray(out[0] if has_total else 0, dtype=np.int64),
                                    shape).ravel()
            ok = np.ones(shape, dtype=bool)
            for r in out[k:]:
                ok &= np.broadcast_to(np.asarray(r, dtype=bool), shape)
            return total, ok.ravel()
        bound = np.broadcast_to(bounds(*(m.astype(np.float64) for m in mesh)), (points,))
    safe = bound < INT64_SAFE  # NaN or inf (too large for a float) is not safe
    if all(m.dtype != object for m in mesh) and safe.all():
        return split(values(*mesh), points, np.int64)
    total = np.empty(points, dtype=object)
    ok = np.empty(points, dtype=bool)
    for mask, dtype in ((safe, np.int64), (~safe, object)):
        if not mask.any():
            continue
        n = int(mask.sum())
        total[mask], ok[mask] = split(values(*(m[mask].astype(dtype) for m in mesh)), n, object)
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
