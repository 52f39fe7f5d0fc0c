"""Inverse questions: the largest (or smallest) value of one symbol that keeps the
total under (or over) a budget, or that hits a target exactly.

All other symbols must have numbers; the symbol ranges over the integers from its
least value (1, or 0 for padding) up to ``LIMIT`` = 2**62.  The answer is exact:

* Values below a threshold ``T`` are all evaluated (vectorised, exact integers).
* From ``T`` on, the algebra proves that the total and every inequality condition are
  monotone in the symbol (a structural proof over sums, products, powers and floors
  with known signs) and that every divisibility condition ``Eq(Mod(p, m), 0)`` is
  periodic (or constant).  Then the values that meet the goal and the inequalities
  form one interval, found by binary search, and scanning one period at its end finds
  the answer, or proves there is none.
* Where no such proof is found, every value up to ``SCAN_LIMIT`` is evaluated and the
  answer (or the error) says so: "among 1 ... 1,000,000; larger values were not checked".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

import numpy as np
import sympy as sp

from symparams.algebra.codegen import compile_exprs
from symparams.algebra.floors import _int_div_classes
from symparams.algebra.forms import symbols_of
from symparams.core.errors import MissingValueError, ShapeError, SpecError, SymparamsError
from symparams.core.symbols import sort_symbols

if TYPE_CHECKING:
    from symparams.core.derivation import Derivation

LIMIT = 2 ** 62
SCAN_LIMIT = 1_000_000
"""Values evaluated one by one where monotonicity cannot be proved (stated in answers)."""
MAX_PERIOD = 1_000_000
BLOCK = 1 << 16
GOALS = {"max_params": "<=", "min_params": ">=", "equals": "="}


@dataclass(frozen=True)
class Solution:
    """``symbol = value`` gives ``total``; ``neighbour`` is the next value past the
    answer and its total (None when that value is not valid).  ``checked_up_to`` is
    set when the answer is exact only among values up to it (no monotonicity proof)."""

    symbol: str
    value: int
    total: int
    goal: str
    neighbour: tuple[int, int | None] | None = None
    checked_up_to: int | None = None
    quantity: str = "total"
    """What was bounded: ``"total"`` (parameters), or ``"MACs"``, ``"FLOPs"`` …"""

    def to_dict(self) -> dict[str, int | str]:
        out: dict[str, int | str] = {"symbol": self.symbol, "value": self.value, "total": self.total}
        if self.checked_up_to is not None:
            out["checked_up_to"] = self.checked_up_to
        return out

    def __str__(self) -> str:
        text = f"{self.symbol} = {self.value}  ({self.quantity} {self.total:,}; {self.goal})"
        if self.neighbour is not None:
            v, t = self.neighbour
            text += (f"\n{self.symbol} = {v} is not valid" if t is None
                     else f"\n{self.symbol} = {v} gives {t:,}")
        return text + "\n"


QUANTITIES = {"params": ("total", lambda d: d.total), "macs": ("MACs", lambda d: d.macs),
              "flops": ("FLOPs", lambda d: d.flops()),
              "activations": ("activations", lambda d: d.activations)}
"""What ``solve`` bounds: the parameters (default) or a cost (docs/costs.md)."""


class _Problem:
    def __init__(self, derivation: "Derivation", symbol, of: str = "params"):
        (self.x,) = symbols_of(derivation, symbol)
        others = derivation.free_symbols - {self.x}
        if others:
            raise MissingValueError("solving needs values for every other symbol: " + ", ".join(
                f"{s.name} ({derivation.describe(s) or 'no description'})"
                for s in sort_symbols(others)))
        if of not in QUANTITIES:
            raise SpecError(f"unknown quantity {of!r}; one of {', '.join(QUANTITIES)}")
        self.quantity, quantity = QUANTITIES[of]
        self.total = quantity(derivation)
        if self.x not in self.total.free_symbols:
            raise SpecError(f"the {self.quantity} does not depend on {self.x.name}")
        self.conditions = [c.relation for c in derivation.conditions]
        self.values, self.bounds = compile_exprs([self.total] + self.conditions, [self.x])
        self.lo = 1 if self.x.is_positive else 0

    def f(self, v: int) -> int:
        return int(self.values(v)[0])

    def ok(self, v: int) -> bool:
        try:
            return all(bool(r) for r in self.values(v)[1:])
        except ZeroDivisionError:
            return False

    def condition(self, i: int, v: int) -> bool:
        try:
            return bool(self.values(v)[1 + i])
        except ZeroDivisionError:
            return False

    def scan(self, a: int, b: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Values a..b (object array), their totals and validity, exactly."""
        from symparams.algebra.sweep import _evaluate

        if b >= 2 ** 62:
            xs = np.array(range(a, b + 1), dtype=object)
        else:
            xs = np.arange(a, b + 1, dtype=np.int64)
        with np.errstate(divide="ignore", invalid="ignore"):
            total, ok = _evaluate(self.values, self.bounds, [xs], len(xs), [xs])
        return xs.astype(object), total.astype(object), ok


def _first_true(pred: Callable[[int], bool], a: int, b: int) -> int:
    """Smallest v in [a, b] with pred(v), for pred false at a and true at b."""
    while b - a > 1:
        mid = (a + b) // 2
        a, b = (a, mid) if pred(mid) else (mid, b)
    return b


def _interval(pred: Callable[[int], bool], a: int, b: int) -> tuple[int, int] | None:
    """Where a monotone predicate holds on [a, b]: an interval, or None."""
    first, last = pred(a), pred(b)
    if first and last:
        return a, b
    if not first and not last:
        return None
    if first:
        return a, _first_true(lambda v: not pred(v), a, b) - 1
    return _first_true(pred, a, b), b


# -- proofs over the tail [T, oo) ----------------------------------------------------------
class _Tail:
    """Monotonicity and sign of expressions in ``x`` for ``x >= T`` (other symbols are
    numbers).  ``mono``: 0 constant, 1 non-decreasing, -1 non-increasing, None unknown;
    ``sign``: 1 for >= 0, -1 for <= 0, 0 for zero, None unknown."""

    def __init__(self, x: sp.Symbol, start: int):
        self.x, self.t = x, sp.Integer(start)
        self.memo: dict[sp.Basic, tuple[int | None, int | None]] = {}

    def value_at_start(self, e: sp.Expr):
        v = e.xreplace({self.x: self.t})
        return v if v.is_Rational else None

    def info(self, e: sp.Expr) -> tuple[int | None, int | None]:
        if e not in self.memo:
            self.memo[e] = self._info(e)
        return self.memo[e]

    def _info(self, e: sp.Expr) -> tuple[int | None, int | None]:
        FloorDiv, CeilDiv = _int_div_classes()
        if not e.has(self.x):
            return (0, _sign(e)) if e.is_Rational else (None, None)
        if e == self.x:
            return 1, 1
        if e.is_Add:
            mono, sign = self._sum([self.info(a) for a in e.args])
            if sign is None and mono:
                v = self.value_at_start(e)
                if v is not None and mono * v >= 0:
                    sign = mono if v == 0 else _sign(v)  # moving away from zero from past it
            return mono, sign
        if e.is_Mul:
            return self._product([self.info(a) for a in e.args])
        if e.is_Pow and e.exp.is_Integer:
            m, sg = self.info(e.base)
            k = int(e.exp)
            if k >= 1 and sg in (1, -1) and m is not None:
                parity = 1 if k % 2 == 0 else sg
                return m * sg * parity, parity
            if k <= -1 and self._positive(e.base):
                return -m, 1
            return None, None
        if isinstance(e, (FloorDiv, CeilDiv, sp.floor, sp.ceiling)):
            a, b = e.args if len(e.args) == 2 else sp.fraction(sp.together(e.args[0]))
            if b == 1:
                return self.info(a)
            if not self._positive(b):
                return None, None
            # a/b = quotient + remainder/b: (x + 27)/(2x) = 1/2 + 27/(2x) falls
            if a.is_polynomial(self.x) and b.is_polynomial(self.x) and b.has(self.x):
                quotient, rest = sp.div(sp.expand(a), sp.expand(b), self.x)
                if rest == 0 or not rest.has(self.x) or sp.degree(rest, self.x) < sp.degree(b, self.x):
                    return self._sum([self.info(quotient),
                                      self._product([self.info(rest), self._reciprocal(b)])])
            return self._product([self.info(a), self._reciprocal(b)])
        return None, None

    def _reciprocal(self, b: sp.Expr) -> tuple[int | None, int | None]:
        m, _ = self.info(b)
        return (None if m is None else -m), 1

    def _positive(self, b: sp.Expr) -> bool:
        """b > 0 on the whole tail."""
        m, sg = self.info(b)
        if m == 0:
            return b.is_Rational and b > 0
        v = self.value_at_start(b)
        return m == 1 and v is not None and v > 0

    @staticmethod
    def _sum(parts) -> tuple[int | None, int | None]:
        monos, signs = {m for m, _ in parts}, {sg for _, sg in parts}
        mono = 0 if monos == {0} else 1 if monos <= {0, 1} else -1 if monos <= {0, -1} else None
        sign = 0 if signs == {0} else 1 if signs <= {0, 1} else -1 if signs <= {0, -1} else None
        return mono, sign

    @staticmethod
    def _product(parts) -> tuple[int | None, int | None]:
        mono, sign = 0, 1  # the constant 1
        for m, sg in parts:
            if m is None or sg is None:
                return None, None
            if m == 0:  # a constant factor of sign sg scales what we have
                mono, sign = mono * sg, sign * sg
            elif mono == 0:
                mono, sign = m * sign, sg * sign
            else:  # both vary (signs known, nonzero): |f1| |f2| must move the same way
                g1, g2 = mono * sign, m * sg
                if g1 != g2 or sign == 0 or sg == 0:
                    return None, None
                sign *= sg
                mono = g1 * sign
        return mono, sign


def _sign(v) -> int:
    return 1 if v > 0 else -1 if v < 0 else 0


def _period(e: sp.Expr, x: sp.Symbol, m: int) -> int | None:
    """P with e(x + P) = e(x) (mod m) for every integer x, for an integer-valued
    e made of integer polynomials, floors of p/q and Mod by numbers; None if unproved."""
    FloorDiv, CeilDiv = _int_div_classes()
    if not e.has(x):
        return 1 if e.is_Integer else None
    if e == x:
        return m
    if e.is_Add or e.is_Mul:
        coeff, rest = e.as_coeff_Add() if e.is_Add else e.as_coeff_Mul()
        if not coeff.is_Integer:
            return None
        terms = sp.Add.make_args(rest) if e.is_Add else sp.Mul.make_args(rest)
        if len(terms) == 1 and terms[0] == e:
            return None
        periods = [_period(t, x, m) for t in terms]
        return None if None in periods else math.lcm(*periods)
    if e.is_Pow and e.exp.is_Integer and e.exp >= 1:
        return _period(e.base, x, m)
    if isinstance(e, (FloorDiv, CeilDiv, sp.floor, sp.ceiling)):
        a, b = e.args if len(e.args) == 2 else (e.args[0], sp.Integer(1))
        p, q = sp.fraction(sp.together(a / b))
        if not (q.is_Integer and q > 0):
            return None
        return _period(sp.expand(p), x, int(q) * m)
    if isinstance(e, sp.Mod) and e.args[1].is_Integer and e.args[1] > 0:
        return _period(e.args[0], x, int(e.args[1]))
    return None


class _Proof:
    """What holds on the tail [start, LIMIT]: ``ok`` when every condition is proved
    monotone or periodic there; ``span`` the interval where the monotone ones hold
    (None: nowhere); ``rising`` the total's monotonicity (None: unproved)."""

    def __init__(self, p: _Problem, start: int):
        self.start, self.ok, self.span = start, False, None
        tail = _Tail(p.x, start)
        self.monotone: list[int] = []  # condition indices with a monotone truth value
        self.period = 1
        for i, rel in enumerate(p.conditions):
            kind = self._classify(tail, p.x, rel)
            if kind is None:
                return
            if kind == "monotone":
                self.monotone.append(i)
            else:
                self.period = math.lcm(self.period, kind)
                if self.period > MAX_PERIOD:
                    return
        self.ok = True
        a, b = start, LIMIT
        for i in self.monotone:
            span = _interval(lambda v, i=i: p.condition(i, v), a, b)
            if span is None or max(a, span[0]) > min(b, span[1]):
                return
            a, b = max(a, span[0]), min(b, span[1])
        self.span = (a, b)
        self.rising = tail.info(p.total)[0]

    @staticmethod
    def _classify(tail: _Tail, x: sp.Symbol, rel: sp.Basic):
        """"monotone", a period, or None (unproved)."""
        if not rel.has(x):
            return "monotone"  # constant
        if isinstance(rel, (sp.GreaterThan, sp.StrictGreaterThan, sp.LessThan, sp.StrictLessThan)):
            return "monotone" if tail.info(rel.lhs - rel.rhs)[0] is not None else None
        if isinstance(rel, sp.Eq) and isinstance(rel.lhs, sp.Mod) and rel.rhs == 0:
            a, m = rel.lhs.args
            p, q = sp.fraction(sp.together(a))
            if not (q.is_Integer and q > 0):
                return None
            if m.is_Integer and m > 0:
                return _period(sp.expand(p), x, int(q * m))
            # a modulus growing past a fixed numerator: "m divides c" is constant
            if not p.has(x) and p.is_Integer and tail.info(m)[0] == 1:
                v = tail.value_at_start(m)
                if v is not None and v > abs(p / q):
                    return "monotone"
        return None


def _proof(p: _Problem) -> _Proof | None:
    """A usable proof for the smallest tried start: lo, then past the numbers in the
    problem (where signs settle); None if there is none."""
    consts = sum(abs(a) for e in [p.total, *p.conditions] for a in e.atoms(sp.Rational))
    for start in (p.lo, p.lo + min(int(math.ceil(consts)) + 1, SCAN_LIMIT)):
        proof = _Proof(p, start)
        if proof.ok and (proof.span is None or proof.span[1] - p.lo < SCAN_LIMIT
                         or proof.rising is not None):
            return proof
    return None


def _hits(p: _Problem, a: int, b: int, goal: Callable) -> np.ndarray:
    """Valid values in [a, b] that meet the goal (an array function), scanned in blocks."""
    found = [np.zeros(0, dtype=object)]
    for s in range(a, b + 1, BLOCK):
        xs, total, ok = p.scan(s, min(b, s + BLOCK - 1))
        found.append(xs[ok & np.asarray(goal(total), dtype=bool)])
    return np.concatenate(found)


def solve(derivation: "Derivation", for_, *, max_params: int | None = None,
          min_params: int | None = None, equals: int | None = None,
          of: str = "params") -> Solution:
    """Answer one of: largest value with total <= max_params, smallest with
    total >= min_params, smallest with total == equals; ``of`` bounds another quantity
    than the parameters: ``"macs"``, ``"flops"`` or ``"activations"``."""
    given = {k: v for k, v in (("max_params", max_params), ("min_params", min_params),
                               ("equals", equals)) if v is not None}
    if len(given) != 1:
        raise SpecError("give exactly one of max_params, min_params or equals")
    (kind, bound), = given.items()
    if isinstance(bound, bool) or not isinstance(bound, (int, np.integer)):
        raise SpecError(f"{kind} must be an integer, got a {type(bound).__name__}")
    bound = int(bound)
    if bound.bit_length() > 3322:
        raise SpecError(f"{kind} has more than 1,000 digits")
    p = _Problem(derivation, for_, of)
    goal = {"max_params": lambda t: t <= bound, "min_params": lambda t: t >= bound,
            "equals": lambda t: t == bound}[kind]  # on arrays: element-wise
    proof = _proof(p)
    if proof is None:
        end = p.lo + SCAN_LIMIT - 1
    elif proof.span is None:
        end = proof.start - 1  # nothing from start on is valid
    elif proof.span[1] - p.lo < SCAN_LIMIT:
        end = proof.span[1]  # nothing past it is valid: scan everything
    else:
        end = proof.start - 1
    xs = _hits(p, p.lo, end, goal)  # every value up to end
    if len(xs) and kind != "max_params":
        return _checked(p, int(xs[0]), kind, bound)
    if proof is None:
        if len(xs):
            return _checked(p, int(xs[-1]), kind, bound, checked_up_to=end)
        raise ShapeError(_no_solution(p, kind, bound) + f" among {p.lo:,} ... {end:,}; larger "
                         f"values were not checked (the total is not provably monotone in {p.x.name})")
    value = _in_tail(p, proof, kind, bound, goal) \
        if proof.span is not None and end < proof.start else None
    if value is None and len(xs):
        value = int(xs[-1])
    if value is None:
        raise ShapeError(_no_solution(p, kind, bound))
    return _checked(p, value, kind, bound)


def _in_tail(p: _Problem, proof: _Proof, kind: str, bound: int, goal: Callable) -> int | None:
    """The answer among values >= proof.start, or None."""
    a, b = proof.span
    preds = []
    if kind in ("max_params", "equals"):
        preds.append(lambda v: p.f(v) <= bound)
    if kind in ("min_params", "equals"):
        preds.append(lambda v: p.f(v) >= bound)
    for pred in preds:
        span = _interval(pred, a, b)
        if span is None:
            return None
        a, b = max(a, span[0]), min(b, span[1])
        if a > b:
            return None
    # in [a, b] only the periodic conditions are left: one period decides
    if kind == "max_params":
        xs = _hits(p, max(a, b - proof.period + 1), b, goal)
        # the goal holds up to the end of the range: a largest value exists only if the
        # total (monotone in the tail) passes the bound just beyond it (total x, bound
        # 2**62: x = 2**62)
        if len(xs) and b == LIMIT and p.f(LIMIT + 1) <= bound:
            raise ShapeError(f"the total stays {GOALS[kind]} {bound:,} for valid values of "
                             f"{p.x.name} up to 2**62: there is no largest value")
        return int(xs[-1]) if len(xs) else None
    xs = _hits(p, a, min(b, a + proof.period - 1), goal)
    return int(xs[0]) if len(xs) else None


def _goal(kind: str, bound: int, checked_up_to: int | None = None, what: str = "total") -> str:
    text = {"max_params": f"the largest value with {what} <= {bound:,}",
            "min_params": f"the smallest value with {what} >= {bound:,}",
            "equals": f"the smallest value with {what} = {bound:,}"}[kind]
    if checked_up_to is not None:
        text += f" up to {checked_up_to:,}; larger values were not checked"
    return text


def _no_solution(p: _Problem, kind: str, bound: int) -> str:
    if kind == "equals":
        return f"no valid integer {p.x.name} gives exactly {bound:,}"
    what = "a total" if p.quantity == "total" else p.quantity
    return f"no valid integer {p.x.name} gives {what} {GOALS[kind]} {bound:,}"


def _checked(p: _Problem, value: int, kind: str, bound: int,
             checked_up_to: int | None = None) -> Solution:
    """The solution, with the total past the answer; evaluated again as a check."""
    total = p.f(value)
    goal = {"max_params": total <= bound, "min_params": total >= bound, "equals": total == bound}
    if not (p.ok(value) and goal[kind]):
        raise SymparamsError(f"internal error: {p.x.name} = {value} does not check "
                             f"(total {total}); please report it")
    nxt = value + (1 if kind == "max_params" else -1)
    neighbour = (nxt, p.f(nxt) if p.ok(nxt) else None) if nxt >= p.lo else None
    return Solution(p.x.name, value, total, _goal(kind, bound, checked_up_to, p.quantity),
                    neighbour, checked_up_to, p.quantity)
